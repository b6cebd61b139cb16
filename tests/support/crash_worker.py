"""The child process of the crash test: acknowledged writes through the real service functions until killed.

The test starts `run` in a fresh process forked from a multiprocessing fork server that has this module (and
so board and duckdb) imported but no database open: a restart takes milliseconds instead of a second of
imports, and nothing of the parent's state is inherited. `run` sends one line per step through a pipe, each
sent in one write as soon as the step is done, so a line the parent receives was written before the kill:
    READY                                   db.open_store returned: the file is open and migrated
    SEND <key> <named|anon>                 a submission is about to be sent (retried next cycle if never acked)
    ACK submit <key> <id> <repeated 0|1>    suggestions.submit returned
    ACK status <suggestion id> <to>         triage.change_status returned
    ACK draft <meeting id>                  minutes.start_draft returned
    ACK minutes <meeting id> <token>        minutes.publish returned (one item, one action, a linked suggestion)
    ERROR <traceback>                       anything raised: the parent fails the test
An acknowledgement is sent only after the function returned, that is after its transaction committed.
"""

from __future__ import annotations

import random
import time
import traceback
from datetime import date
from multiprocessing.connection import Connection

from board import demo
from board import store as db
from board.feedback import suggestions as sg
from board.feedback import triage
from board.feedback.workflow import allowed_transitions
from board.meetings import minutes
from board.org import people, settings

_out: Connection | None = None


def say(*words) -> None:
    _out.send_bytes(" ".join(map(str, (*words, "END"))).encode())  # "END" marks a line that was written whole


def draft(token: str, anonymous: bool) -> sg.Draft:
    return sg.Draft(kind="improvement", category="policy", title=f"Crash token {token}",
                    description=f"Refunds wait ten days for approval; marker {token}.", anonymous=anonymous)


def submit(store, person, key: str, anonymous: bool, categories) -> int:
    say("SEND", key, "anon" if anonymous else "named")
    receipt = sg.submit(store, person, draft(key, anonymous), categories=categories, submission_key=key)
    if receipt.held:  # anonymous: kept in held_suggestions, without an id, until the next day's release
        say("ACK", "held", key, int(receipt.repeated))
    else:
        say("ACK", "submit", key, receipt.id, int(receipt.repeated))
    return receipt.id


def advance(store, manager, suggestion_id: int, rng: random.Random) -> None:
    """One workflow step (now and then a decline) on a suggestion in the manager's team, as the triage page does."""
    row = sg.get(store, manager, suggestion_id)
    options = allowed_transitions(row["status"])
    if not options:
        return
    to = "declined" if rng.random() < 0.1 else options[0]
    triage.change_status(store, manager, suggestion_id, to, note="Not for now." if to == "declined" else "",
                         expected=row["status"])
    say("ACK", "status", suggestion_id, to)


def main(path: str, seed: int, cycle: int, small_checkpoints: bool, retry: list[str]) -> None:
    store = db.open_store(path)
    if small_checkpoints and store.dialect == "duckdb":
        # Checkpoint every few dozen writes so that some kills land in the middle of a checkpoint.
        with store.read() as con:
            con.execute("SET checkpoint_threshold = '64KB'")
    staff = people.find_by_email(store, demo.KNOWN["staff"][0])
    manager = people.find_by_email(store, demo.KNOWN["manager"][0])
    config = settings.load(store)
    categories, sla_days = config.categories, config.ack_sla_days
    rng = random.Random(seed)
    say("READY")
    for key in retry:  # the person presses Submit again after the app came back
        submit(store, staff, key, key.endswith("a"), categories)
    for n in range(10**6):
        token = f"c{cycle}i{n}"
        named = submit(store, staff, f"{token}n", False, categories)
        if n % 2:  # every other round: the argon2 hash of the follow-up code makes these slow
            submit(store, staff, f"{token}a", True, categories)
        # The new one, and one of the open ones in the manager's queue (often written by an earlier child).
        waiting = [r["id"] for r in triage.queue(store, manager, today=date.today(), sla_days=sla_days)]
        for suggestion_id in (named, rng.choice(waiting)):
            advance(store, manager, suggestion_id, rng)  # nobody else writes: a refusal would fail the test
        meeting = minutes.start_draft(store, manager, team_id=manager.team_id, office_id=manager.office_id,
                                      today=date.today())
        say("ACK", "draft", meeting)
        item = {**minutes.empty_item(), "category": "policy", "discussed": f"Discussed {token}",
                "suggestion_ids": [named],
                "actions": [{**minutes.empty_action(date.today().isoformat()), "description": f"Act on {token}",
                             "owner_id": staff.id}]}
        doc = {"meeting_date": date.today().isoformat(), "chair_id": manager.id, "attendee_ids": [staff.id],
               "items": [item]}
        minutes.publish(store, manager, meeting, doc, today=date.today(), categories=categories)
        say("ACK", "minutes", meeting, token)


def migrate_fresh(out: Connection, path: str) -> None:
    """Create and migrate a new database file (the first start of the app), then wait to be killed."""
    global _out
    _out = out
    db.open_store(path)
    say("READY")
    time.sleep(60)


def run(out: Connection, path: str, seed: int, cycle: int, small_checkpoints: bool, retry: list[str]) -> None:
    """The process target: write until killed; an unexpected error is sent to the parent, which fails the test."""
    global _out
    _out = out
    try:
        main(path, seed, cycle, small_checkpoints, retry)
    except BaseException:
        say("ERROR", traceback.format_exc().replace("\n", " | "))
        raise


def kill_and_collect(child, receive: Connection, lines: list[str]) -> None:
    """The parent's side of a crash (call it in a `finally`): SIGKILL the child if it still runs, read whatever it
    sent before it died into `lines`, and close the pipe."""
    import os
    import signal

    try:
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
            child.join(30)
        while True:
            try:
                lines.append(receive.recv_bytes().decode())
            except EOFError:
                break
    finally:
        if child.is_alive():
            child.kill()
            child.join()
        receive.close()
