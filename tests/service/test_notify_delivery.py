"""Delivery of the outbox: emails reach a real SMTP server and chat posts a real HTTP server on 127.0.0.1, each
outcome is recorded (sent, retried with backoff, failed, kept locally, skipped), nothing is delivered twice, and
one worker at a time leads. Time is passed as `now`, never slept."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

import pytest
from pytest_httpserver import HTTPServer

from board import store as db
from board.errors import Invalid
from board.notify import messages, worker
from board.notify.config import NotifyConfig, load
from tests.support.mail import Mailbox, smtp_server
from tests.support.paths import REPO

NOW = datetime(2026, 11, 2, 9, 30)
BASE = "https://board.example.org"
HOSTILE = "<script>alert(1)</script> & <b>bold</b>"


@pytest.fixture(autouse=True)
def notify_secret(monkeypatch):
    """Unsubscribe tokens are signed with the tests' key, never a key file in the project's data folder."""
    monkeypatch.setenv("BOARD_NOTIFY_SECRET", "tests-only-notify-secret-0123456789abcdef")


@pytest.fixture
def mailbox():
    with smtp_server() as box:
        yield box


def config_for(box: Mailbox | None, **overrides) -> NotifyConfig:
    smtp = {"smtp_host": box.host, "smtp_port": box.port} if box else {}
    return NotifyConfig(**smtp, base_url=BASE, org_name="Acme Support", sender="Acme Board <board@acme.example>",
                        secret="tests-only-notify-secret-0123456789abcdef", **overrides)


def add(store, key: str, *, person=None, hook_id=None, kind="status", subject="Suggestion #7 'Refunds' is now Planned",
        body="Dana Manager moved it to Planned.", link="suggestion?id=7", mode="now", at=NOW) -> None:
    """An outbox row as the event hooks write it (the schema is fixed)."""
    store.write(lambda con: con.execute(
        "INSERT INTO outbox (key, person_id, hook_id, kind, subject, body, link, created_at, mode, next_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, person.id if person else None, hook_id, kind, subject, body, link, at, mode, at)))


def row(store, key: str) -> dict | None:
    with store.read() as con:
        return con.one("SELECT state, attempts, next_at, sent_at, last_error, claimed_until FROM outbox WHERE key = ?",
                       (key,))


def add_hook(store, service: str, url: str, office_id: int) -> int:
    return store.write(lambda con: con.scalar(
        "INSERT INTO chat_hooks (service, office_id, url, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        (service, office_id, url, NOW)))


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    page = message.get_body(("html",))
    assert text is not None and page is not None
    return text.get_content(), page.get_content()


# --- email ---------------------------------------------------------------------------------------------------------

def test_an_email_arrives_with_its_addresses_stable_id_both_parts_and_unsubscribe(org_store, known, mailbox):
    from board.notify import tokens

    staff, config = known["staff"], config_for(mailbox)
    add(org_store, "p1:e1", person=staff, body="Dana Manager moved it to Planned.\n\nThe note: start in March.")
    assert worker.deliver_due(org_store, config, now=NOW)["sent"] == 1
    [message] = mailbox.received()
    assert parseaddr(str(message["To"])) == (staff.name, staff.email)
    assert mailbox.envelopes == [("board@acme.example", [staff.email])]
    assert message["Subject"] == "Suggestion #7 'Refunds' is now Planned"
    assert message["Message-ID"] == messages.message_id("p1:e1", config) == "<board.p1=3Ae1@board.example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    text, page = parts(message)
    assert "Dana Manager moved it to Planned." in text and "The note: start in March." in text
    assert f"{BASE}/suggestion?id=7" in text and f'href="{BASE}/suggestion?id=7"' in page
    assert "Acme Support" in text and "Acme Support" in page
    unsubscribe = str(message["List-Unsubscribe"])
    assert unsubscribe.startswith(f"<{BASE}/unsubscribe?token=") and unsubscribe.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"\nList-Unsubscribe: {unsubscribe}\r\n".encode() in mailbox.raw[0]  # one line, as is: no encoded word
    assert unsubscribe[1:-1] in text
    token = unsubscribe[1:-1].split("token=", 1)[1]
    assert tokens.unsubscribe(org_store, token, NOW) == (staff.id, "status")  # the header's link works
    assert row(org_store, "p1:e1") == {"state": "sent", "attempts": 1, "next_at": NOW, "sent_at": NOW,
                                       "last_error": None, "claimed_until": None}


def test_the_html_part_escapes_what_people_typed_and_headers_stay_one_line(org_store, known, mailbox):
    add(org_store, "p1:e2", person=known["staff"], subject=f"Reply on '{HOSTILE}'\nBcc: victim@example.com",
        body=f"Dana wrote:\n{HOSTILE}\n<img src=x onerror=alert(2)>")
    worker.deliver_due(org_store, config_for(mailbox), now=NOW)
    [message] = mailbox.received()
    # (a folded header's value starts after the fold's space: " Reply ...", as "Subject: Reply ..." does)
    assert message["Bcc"] is None and message["Subject"].strip() == f"Reply on '{HOSTILE}' Bcc: victim@example.com"
    assert mailbox.envelopes[0][1] == [known["staff"].email]
    text, page = parts(message)
    assert HOSTILE in text and "<img src=x onerror=alert(2)>" in text  # plain text stays as written
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_a_link_is_only_ever_a_page_of_the_app():
    config = config_for(None)
    assert config.url("suggestion?id=7") == f"{BASE}/suggestion?id=7"
    assert config.url("/minutes?id=3") == f"{BASE}/minutes?id=3"
    for elsewhere in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "\\\\evil", None, ""):
        assert config.url(elsewhere) is None
    message = messages.email_message({"key": "p1:x", "person_id": 1, "kind": "status",
                                      "subject": "S", "body": "B", "link": "https://evil.example/x"},
                                     ("Sam", "sam@example.com"), config, token="t0k3n", now=NOW)
    text, page = parts(message)
    assert "evil.example" not in text + page and "Open it in" not in text
    assert message["List-Unsubscribe"] == f"<{BASE}/unsubscribe?token=t0k3n>"


def test_links_into_the_app_in_a_messages_text_become_absolute_in_the_email_and_the_chat_post():
    config = config_for(None)
    body = "The minutes: minutes?id=9\nThe suggestion: suggestion?id=12\n\ntriage\nplease triage it"
    message = messages.email_message({"key": "p1:y", "person_id": 1, "kind": "discussed", "subject": "S",
                                      "body": body, "link": None}, ("Sam", "sam@example.com"), config,
                                     token="t", now=NOW)
    text, page = parts(message)
    for link in (f"{BASE}/minutes?id=9", f"{BASE}/suggestion?id=12", f"{BASE}/triage"):
        assert link in text and link in page, link
    assert "please triage it" in text and f"{BASE}/triage it" not in text  # a word in a sentence stays a word
    post = messages.chat_payload("slack", {"key": "h1:y", "kind": "queue_new", "subject": "S", "body": body,
                                           "link": None}, config)
    assert f"{BASE}/suggestion?id=12" in post["text"]


def test_message_ids_are_stable_and_distinct_per_key():
    config = config_for(None)
    keys = ["p12:e345", "p12=3Ae345", "p1:e2", "p12:weekly:2026-W49", "h3:e345", "p12.e345", "p12:é"]
    ids = [messages.message_id(k, config) for k in keys]
    assert len(set(ids)) == len(ids) and ids == [messages.message_id(k, config) for k in keys]
    for mid in ids:
        left = mid[1:-1].split("@")[0]
        assert all(ch.isalnum() or ch in "=.-" for ch in left), mid


def test_without_a_mail_server_emails_are_kept_in_the_local_outbox(org_store, known, mailbox):
    add(org_store, "p1:e3", person=known["staff"])
    add(org_store, "p1:pulse", person=known["staff"], kind="pulse_reminder")
    counts = worker.deliver_due(org_store, config_for(None), now=NOW)
    assert counts == {"sent": 0, "retried": 0, "failed": 0, "local": 2, "skipped": 0}
    assert row(org_store, "p1:e3")["state"] == "local" and mailbox.received() == []
    assert row(org_store, "p1:pulse") is None  # a reminder is never kept by person, not even locally
    assert worker.deliver_due(org_store, config_for(None), now=NOW + timedelta(days=1))["local"] == 0


def test_people_who_left_or_stopped_that_kind_are_skipped(org_store, known, mailbox):
    staff, manager = known["staff"], known["manager"]
    add(org_store, "p1:left", person=staff)
    add(org_store, "p2:never", person=manager, kind="reply")
    add(org_store, "p2:pulse", person=manager, kind="pulse_reminder", subject="Answer the pulse")
    add(org_store, "p2:now", person=manager, kind="status")
    add(org_store, "p5:role", person=known["admin"], kind="queue_new")  # not for an admin (a role changed since)
    org_store.write(lambda con: con.execute("UPDATE people SET active = false WHERE id = ?", (staff.id,)))
    org_store.write(lambda con: con.execute(
        "INSERT INTO notification_preferences (person_id, kind, mode, updated_at) VALUES (?, 'reply', 'never', ?)",
        (manager.id, NOW)))
    counts = worker.deliver_due(org_store, config_for(mailbox), now=NOW)
    assert counts["skipped"] == 3 and counts["sent"] == 2
    assert {row(org_store, key)["state"] for key in ("p1:left", "p2:never", "p5:role")} == {"skipped"}
    assert row(org_store, "p2:pulse") is None  # a sent pulse reminder is forgotten: nobody can list who got one
    assert {str(m["Subject"]) for m in mailbox.received()} == {"Answer the pulse",
                                                               "Suggestion #7 'Refunds' is now Planned"}


def test_daily_and_future_rows_wait(org_store, known, mailbox):
    add(org_store, "p1:daily", person=known["staff"], mode="daily")
    add(org_store, "p1:later", person=known["staff"], at=NOW + timedelta(minutes=5))
    assert sum(worker.deliver_due(org_store, config_for(mailbox), now=NOW).values()) == 0
    assert worker.deliver_due(org_store, config_for(mailbox), now=NOW + timedelta(minutes=5))["sent"] == 1
    assert row(org_store, "p1:daily")["state"] == "pending" and len(mailbox.received()) == 1


# --- failures ------------------------------------------------------------------------------------------------------

def test_a_refusing_mail_server_is_retried_with_backoff_then_the_row_fails(org_store, known):
    with smtp_server(refuse="550 5.1.1 Mailbox unavailable") as box:
        config = config_for(box)
        add(org_store, "p1:e4", person=known["staff"])
        at, waits = NOW, []
        for attempt in range(1, 7):
            assert sum(worker.deliver_due(org_store, config, now=at - timedelta(seconds=1)).values()) == 0
            counts = worker.deliver_due(org_store, config, now=at)
            found = row(org_store, "p1:e4")
            assert found["attempts"] == attempt and box.refused == attempt
            assert found["last_error"] == "The mail server refused the address: 550 5.1.1 Mailbox unavailable"
            if attempt < 6:
                assert counts["retried"] == 1 and found["state"] == "pending"
                waits.append(found["next_at"] - at)
                at = found["next_at"]
            else:
                assert counts["failed"] == 1 and found["state"] == "failed"
        assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                         timedelta(hours=6)]
        assert sum(worker.deliver_due(org_store, config, now=at + timedelta(days=1)).values()) == 0
        assert box.refused == 6 and box.received() == []


def test_an_unreachable_mail_server_fails_the_batch_fast_with_a_reason(org_store, known):
    with smtp_server() as box:
        port = box.port
    config = config_for(None, smtp_host="127.0.0.1", smtp_port=port, smtp_password="hunter2-secret")
    for n in range(3):
        add(org_store, f"p1:down{n}", person=known["staff"])
    assert worker.deliver_due(org_store, config, now=NOW)["retried"] == 3
    error = row(org_store, "p1:down0")["last_error"]
    assert error == f"Could not reach the mail server 127.0.0.1:{port}: Connection refused"
    assert "hunter2" not in repr(config) and "\n" not in error


def test_a_webhook_answering_500_is_retried_and_its_url_never_shown(org_store, known, httpserver: HTTPServer):
    hook = add_hook(org_store, "slack", httpserver.url_for("/services/T000/B000/secret-part"), known["staff"].office_id)
    httpserver.expect_ordered_request("/services/T000/B000/secret-part", method="POST").respond_with_data(
        "oops", status=500)
    httpserver.expect_ordered_request("/services/T000/B000/secret-part", method="POST").respond_with_data("ok")
    add(org_store, "h:e5", hook_id=hook, kind="queue_new")
    config = config_for(None)
    assert worker.deliver_due(org_store, config, now=NOW)["retried"] == 1
    found = row(org_store, "h:e5")
    assert found["last_error"] == "The Slack webhook answered HTTP 500." and found["state"] == "pending"
    assert worker.deliver_due(org_store, config, now=found["next_at"])["sent"] == 1
    assert row(org_store, "h:e5")["state"] == "sent" and row(org_store, "h:e5")["attempts"] == 2
    httpserver.check_assertions()


# --- chat ----------------------------------------------------------------------------------------------------------

def test_slack_and_teams_get_their_payload_shapes(org_store, known, httpserver: HTTPServer):
    office = known["staff"].office_id
    slack = add_hook(org_store, "slack", httpserver.url_for("/slack"), office)
    teams = add_hook(org_store, "teams", httpserver.url_for("/teams"), office)
    httpserver.expect_request("/slack", method="POST").respond_with_data("ok")
    httpserver.expect_request("/teams", method="POST").respond_with_data("1")
    subject = "New suggestion #9 <!channel> in Billing"
    add(org_store, "h:slack", hook_id=slack, kind="queue_new", subject=subject, body=f"Body {HOSTILE}")
    add(org_store, "h:teams", hook_id=teams, kind="queue_new", subject=subject, body=f"Body {HOSTILE}")
    assert worker.deliver_due(org_store, config_for(None), now=NOW)["sent"] == 2
    posted = {request.path: json.loads(request.get_data()) for request, _ in httpserver.log}
    assert set(posted["/slack"]) == {"text"}
    text = posted["/slack"]["text"]
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text and "<script>" not in text
    assert f"<{BASE}/suggestion?id=7|Open in Frontline Board>" in text
    card = posted["/teams"]
    assert card["@type"] == "MessageCard" and card["@context"] == "https://schema.org/extensions"
    assert card["summary"] == subject and f"({BASE}/suggestion?id=7)" in card["text"]
    assert "<script>" not in card["text"] and "&lt;script&gt;" in card["text"]
    assert card["potentialAction"][0]["targets"] == [{"os": "default", "uri": f"{BASE}/suggestion?id=7"}]


def test_a_removed_channel_is_skipped(org_store, known, httpserver: HTTPServer):
    add(org_store, "h:gone", hook_id=999_999, kind="queue_new")
    assert worker.deliver_due(org_store, config_for(None), now=NOW)["skipped"] == 1
    assert httpserver.log == []


# --- once ----------------------------------------------------------------------------------------------------------

def test_two_runs_in_a_row_deliver_each_row_once(org_store, known, mailbox):
    for n in range(5):
        add(org_store, f"p1:once{n}", person=known["staff"])
    config = config_for(mailbox)
    assert worker.deliver_due(org_store, config, now=NOW)["sent"] == 5
    assert sum(worker.deliver_due(org_store, config, now=NOW).values()) == 0
    assert sum(worker.deliver_due(org_store, config, now=NOW + worker.LEASE * 2).values()) == 0
    assert sorted(mailbox.ids().values()) == [1] * 5


@pytest.mark.slow  # a dozen SMTP connections
def test_two_workers_at_once_deliver_each_row_once(org_store, known, mailbox):
    people = [known[role] for role in ("staff", "manager", "regional_manager", "leader")]
    for n in range(24):
        add(org_store, f"p:{n}", person=people[n % 4])
    config, start, done = config_for(mailbox), threading.Barrier(2), []

    def deliver() -> None:
        start.wait()
        while sum((counts := worker.deliver_due(org_store, config, now=NOW, limit=3)).values()):
            done.append(counts["sent"])

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(done) == 24
    ids = mailbox.ids()
    assert len(ids) == 24 and set(ids.values()) == {1}
    assert ids.keys() == {messages.message_id(f"p:{n}", config) for n in range(24)}


def test_one_leader_at_a_time(org_store):
    with org_store.leader("notify") as first:
        assert first
        with org_store.leader("notify") as second:
            assert not second
        with org_store.leader("another job") as other:
            assert other
        assert worker.run_led(org_store, config_for(None), now=NOW) is None  # not the leader: nothing done
    with org_store.leader("notify") as again:
        assert again


def test_a_second_thread_does_not_lead_while_the_first_does(org_store):
    held, release, seen = threading.Event(), threading.Event(), []

    def hold() -> None:
        with org_store.leader("notify") as leading:
            seen.append(leading)
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    with org_store.leader("notify") as leading:
        seen.append(leading)
    release.set()
    holder.join(30)
    assert seen == [True, False]


HOLD = """
import sys, time
from board import store as db
store = db.make_store(sys.argv[1])
with store.leader("notify") as leading:
    print("HELD" if leading else "REFUSED", flush=True)
    time.sleep(120)
"""


@pytest.mark.slow  # a subprocess
def test_a_killed_leader_frees_the_lead_on_postgres(pg_cluster):
    name = pg_cluster.fresh_name("leader")
    url = pg_cluster.create(name)
    store = db.make_store(url)
    child = subprocess.Popen([sys.executable, "-c", HOLD, url], stdout=subprocess.PIPE, text=True, cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "HELD"
        with store.leader("notify") as leading:
            assert not leading  # another process (another app server) leads
        child.kill()
        child.wait(30)
        for _ in range(100):  # the server notices the closed connection at once; allow it a moment
            with store.leader("notify") as leading:
                if leading:
                    break
            threading.Event().wait(0.1)
        assert leading
    finally:
        child.kill()
        store.close()
        pg_cluster.drop(name)


# --- runs ----------------------------------------------------------------------------------------------------------

def test_delivered_rows_are_forgotten_after_90_days_only(org_store, known):
    old, recent = NOW - timedelta(days=91), NOW - timedelta(days=89)
    for key, at, state in (("p1:old-sent", old, "sent"), ("p1:old-local", old, "local"),
                           ("p1:old-skipped", old, "skipped"), ("p1:old-failed", old, "failed"),
                           ("p1:recent-sent", recent, "sent"), ("p1:old-pending", old, "pending"),
                           ("p1:old-digest", old, "sent"), ("p1:new-digest", recent, "sent")):
        add(org_store, key, person=known["staff"], at=at)
        org_store.write(lambda con, k=key, s=state: con.execute("UPDATE outbox SET state = ? WHERE key = ?", (s, k)))
    for key, digest in (("p1:carried-old", "p1:old-digest"), ("p1:carried-new", "p1:new-digest")):
        add(org_store, key, person=known["staff"], at=old, mode="daily")
        org_store.write(lambda con, k=key, d=digest: con.execute(
            "UPDATE outbox SET state = 'digested', digest_id = (SELECT id FROM outbox WHERE key = ?) WHERE key = ?",
            (d, k)))
    org_store.write(lambda con: con.execute(  # delivered lately, although written long ago
        "UPDATE outbox SET sent_at = ? WHERE key = 'p1:old-failed' OR key = 'p1:recent-sent'", (recent,)))
    assert worker.prune(org_store, now=NOW) == 5
    with org_store.read() as con:
        left = {r["key"] for r in con.rows("SELECT key FROM outbox")}
    assert {"p1:old-failed", "p1:recent-sent", "p1:old-pending", "p1:new-digest", "p1:carried-new"} <= left
    assert not left & {"p1:old-sent", "p1:old-local", "p1:old-skipped", "p1:old-digest", "p1:carried-old"}


@pytest.mark.slow  # a whole run: the demo organisation's scheduled digests and reminders too
def test_the_worker_thread_runs_and_stops(org_store, known):
    add(org_store, "p1:thread", person=known["staff"])
    add(org_store, "p1:forgotten", person=known["staff"], at=NOW - worker.KEEP - timedelta(days=1))
    org_store.write(lambda con: con.execute("UPDATE outbox SET state = 'sent' WHERE key = 'p1:forgotten'"))
    # no mail server: the demo's scheduled digests and reminders are kept locally, quickly
    running = worker.Worker(lambda: org_store, config_for(None, interval_seconds=3600), clock=lambda: NOW).start()
    try:
        for _ in range(600):  # the thread's first run starts at once
            if row(org_store, "p1:thread")["state"] == "local":
                break
            threading.Event().wait(0.05)
    finally:
        running.stop()
    assert not running.running and row(org_store, "p1:thread")["state"] == "local"
    assert row(org_store, "p1:forgotten") is None  # each run forgets old delivered rows


def test_a_failing_scheduled_job_does_not_hold_up_delivery(org_store, known, monkeypatch, caplog):
    def broken(db, *, now):
        raise RuntimeError("a digest could not be built")

    monkeypatch.setattr(worker.schedule, "run_due", broken)
    add(org_store, "p1:waiting", person=known["staff"])
    with caplog.at_level("ERROR", logger="board.notify.worker"):
        counts = worker.run_once(org_store, config_for(None), now=NOW)
    assert counts["scheduled"] == 0 and counts["local"] == 1 and "a digest could not be built" in caplog.text


@pytest.mark.slow  # two whole runs
def test_a_failing_run_is_logged_and_the_next_one_goes_on(org_store, known, caplog):
    add(org_store, "p1:after", person=known["staff"])
    opened, reports, stop = [], [], threading.Event()

    def open_store():
        opened.append(1)
        if len(opened) == 1:
            raise db.DatabaseBusy("The database is in use by another process.")
        return org_store

    def report(counts):
        reports.append(counts)
        stop.set()

    with caplog.at_level("ERROR", logger="board.notify.worker"):
        worker.loop(open_store, config_for(None, interval_seconds=0.01), stop=stop, clock=lambda: NOW, report=report)
    assert "Notification delivery failed" in caplog.text and "in use by another process" in caplog.text
    assert len(opened) == 2 and len(reports) == 1 and reports[0]["local"] >= 1
    assert row(org_store, "p1:after")["state"] == "local"


def test_the_app_server_starts_the_worker_and_stops_it_on_shutdown(org_store, monkeypatch):
    from board.web import server

    def threads() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name == "board-notify"]

    monkeypatch.setenv("BOARD_NOTIFY_INTERVAL", "3600")

    async def serve() -> list[str]:
        async with server.lifespan(server.app):  # the worker is imported and started on a thread: soon, not at once
            for _ in range(400):
                if threads():
                    break
                await asyncio.sleep(0.05)
            return threads()

    assert asyncio.run(serve()) == ["board-notify"]
    assert threads() == []


# --- configuration -------------------------------------------------------------------------------------------------

def test_environment_variables_win_over_the_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\ncookie_secret = "x"\n[notify]\nsmtp_host = "mail.internal"\nsmtp_port = 587\n'
                       'smtp_security = "starttls"\nsmtp_user = "board"\nsmtp_password = "from-file"\n'
                       'base_url = "https://board.acme.example"\norg_name = "Acme"\n')
    config = load({"BOARD_SMTP_PASSWORD": "from-env", "BOARD_NOTIFY_INTERVAL": "10", "BOARD_ORG_NAME": " "}, secrets)
    assert config == NotifyConfig(smtp_host="mail.internal", smtp_port=587, smtp_security="starttls",
                                  smtp_user="board", smtp_password="from-env", base_url="https://board.acme.example",
                                  org_name="Acme", interval_seconds=10)
    assert "from-env" not in repr(config)
    assert load({}, tmp_path / "missing.toml") == NotifyConfig()
    assert load({"BOARD_SMTP_HOST": "smtp.x", "BOARD_SMTP_SECURITY": "SSL"}, tmp_path / "no").smtp_port == 465


def test_settings_that_make_no_sense_are_refused_by_name(tmp_path):
    with pytest.raises(Invalid) as refused:
        load({"BOARD_SMTP_PORT": "twenty-five", "BOARD_SMTP_SECURITY": "tls", "BOARD_BASE_URL": "board.example",
              "BOARD_NOTIFY_INTERVAL": "0", "BOARD_MAIL_FROM": "Frontline Board"}, tmp_path / "none.toml")
    assert set(refused.value.errors) == {"BOARD_SMTP_PORT", "BOARD_SMTP_SECURITY", "BOARD_BASE_URL",
                                         "BOARD_NOTIFY_INTERVAL", "BOARD_MAIL_FROM"}
    broken = tmp_path / "broken.toml"
    broken.write_text("[notify\n")
    with pytest.raises(Invalid):
        load({}, broken)


# --- command line --------------------------------------------------------------------------------------------------

@pytest.mark.slow  # a whole run on the demo organisation
def test_python_m_board_notify_delivers_once_and_says_what_it_did(org_store, known, monkeypatch, capsys):
    from board.cli import main

    add(org_store, "p1:cli", person=known["staff"], at=NOW - timedelta(minutes=1))
    monkeypatch.delenv("BOARD_SMTP_HOST", raising=False)
    assert main(["notify"]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(r"\S+ \S+ UTC: \d+ scheduled, 0 sent, 0 to retry, 0 failed, \d+ kept in the local outbox,"
                        r" \d+ skipped, \d+ old rows forgotten, \d+ purged under the retention rules,"
                        r" \d+ new dashboard summary rows merged, \d+ pulse periods' morale figures counted again\n",
                        out), out
    assert row(org_store, "p1:cli")["state"] == "local"


@pytest.mark.slow  # a subprocess
def test_notify_loop_runs_until_sigterm(org_store, known, tmp_path):
    add(org_store, "p1:loop", person=known["staff"], at=NOW - timedelta(minutes=1))
    target = str(org_store.path) if org_store.dialect == "duckdb" else os.environ["BOARD_DATABASE_URL"]
    db.close_store(target)  # a DuckDB file belongs to one process: the loop's
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOARD_SMTP")}
    env.update(PYTHONPATH=str(REPO), BOARD_NOTIFY_INTERVAL="1")  # no mail server: the local outbox
    child = subprocess.Popen([sys.executable, "-m", "board", "notify", "--loop"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().startswith("Delivering notifications from")
        first, second = child.stdout.readline(), child.stdout.readline()
        assert " kept in the local outbox" in first and "0 scheduled, 0 sent, " in second, (first, second)
        child.send_signal(signal.SIGTERM)  # the run in progress ends, then the loop
        assert child.wait(60) == 0
    finally:
        child.kill()
    store = db.open_store(target)
    assert row(store, "p1:loop")["state"] == "local"


def test_each_run_merges_the_rows_the_dashboards_summaries_gained(org_store, known):
    from tests.support.suggestions import submit

    for n in range(3):
        submit(org_store, known["staff"], key=f"summary{n}")
    counts = worker.run_once(org_store, config_for(None), now=NOW)
    assert counts["compacted"] == 3  # one row each, at the team's grain
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM suggestion_cells WHERE NOT settled") == 0
        assert con.scalar("SELECT sum(n) FROM suggestion_cells WHERE grain = 'org' AND measure = 'status'") == 3
    assert worker.run_once(org_store, config_for(None), now=NOW)["compacted"] == 0
