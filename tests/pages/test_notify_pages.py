"""The notification pages through the app (AppTest, real databases on both backends): Admin > Outbox (admins only;
counts and messages in words, filters, paging, retrying a failed message, pulse reminders without a recipient,
bodies as plain text), the notification choices under My account, and the notification settings and chat channels
under Admin > Settings."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from board import i18n
from board.clock import shown as time_shown
from board.notify import hooks, kinds, outbox, preferences, worker
from board.notify.config import NotifyConfig
from board.org import calendar, settings
from board.org.access import ROLES
from tests.support.mail import free_port, smtp_server
from tests.support.pages import by_label, errors, open_page, page_file, texts, titles
from tests.support.readable import pieces, problems

NOW = datetime(2026, 11, 2, 9, 30)
SLACK = "https://hooks.slack.com/services/T0001/B0002/secretPartOfTheHookXyZ9"


@pytest.fixture(autouse=True)
def notify_secret(monkeypatch):
    """Emails are signed with the tests' key, never a key file in the project's data folder; no mail server unless
    a test names one."""
    monkeypatch.setenv("BOARD_NOTIFY_SECRET", "tests-only-notify-secret-0123456789abcdef")
    for name in ("BOARD_SMTP_HOST", "BOARD_SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)


def add(store, person, number: int, *, kind: str = "status", body: str | None = None, at: datetime = NOW) -> None:
    """A message to a person, as an event writes it (the person's choice or their role's default applies)."""
    store.write(lambda con: outbox.enqueue(
        con, key=f"test:{person.id}:{kind}:{number}", kind=kind, person_id=person.id, now=at,
        subject=f"Suggestion #{number} 'Refunds' is now Planned", link=f"suggestion?id={number}",
        body=body or f"Dana moved suggestion #{number} to Planned."))


def deliver(store, config: NotifyConfig, *, times: int = 1) -> None:
    """The worker's rounds, a day apart (past every backoff)."""
    for day in range(times):
        worker.deliver_due(store, config, now=NOW + timedelta(days=day, minutes=1))


def fail(store) -> None:
    """Every due message fails on a mail server that is not there, until the worker gives up on it."""
    deliver(store, NotifyConfig(smtp_host="127.0.0.1", smtp_port=free_port()), times=worker.MAX_ATTEMPTS)


def cards(at) -> list[str]:
    """The first line ("To: ...") of each message shown."""
    return [t.value for t in at.text if t.value.startswith("To: ")]


def state_of(store, outbox_id: int) -> tuple[str, int]:
    with store.read() as con:
        row = con.one("SELECT state, attempts FROM outbox WHERE id = ?", (outbox_id,))
    return row["state"], row["attempts"]


# --- Admin > Outbox -----------------------------------------------------------------------------------------------

def test_the_outbox_shows_what_would_have_been_sent_without_a_mail_server(org_store, known):
    staff = known["staff"]
    add(org_store, staff, 7, body="Dana moved suggestion #7 to Planned.\n\nTheir note:\nNext sprint.")
    deliver(org_store, NotifyConfig())  # no mail server: kept here
    at = open_page(org_store, known["admin"], "admin_outbox")
    assert titles(at) == ["Outbox"] and not errors(at)
    assert "Kept here (no mail server) 1" in texts(at)
    assert [c.value for c in at.caption][0] == ("No mail server is configured: messages are kept here so you can "
                                                "read what would have been sent.")
    assert cards(at) == [f"To: {staff.name} <{staff.email}>"]
    shown = [t.value for t in at.text]
    assert "Suggestion #7 'Refunds' is now Planned" in shown
    assert "Dana moved suggestion #7 to Planned.\n\nTheir note:\nNext sprint." in shown  # whole, as plain text
    assert "Link: http://localhost:8501/suggestion?id=7" in shown
    with i18n.using("en", calendar.person_zone(org_store, known["admin"])):  # the admin's office's time, named
        written = time_shown(datetime(2026, 11, 2, 9, 30), day_only=False)
    assert any(c.value.startswith(f"Status change · written {written} · Kept here (no mail server)")
               for c in at.caption)


def test_the_outbox_names_the_mail_server_it_sends_through(org_store, known, monkeypatch):
    monkeypatch.setenv("BOARD_SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("BOARD_SMTP_PORT", "587")
    at = open_page(org_store, known["admin"], "admin_outbox")
    assert at.caption[0].value == "Sending through smtp.example.com:587"
    assert texts(at).startswith("No message yet.")


def test_a_mail_server_setting_that_makes_no_sense_is_one_message_not_a_crash(org_store, known, monkeypatch):
    monkeypatch.setenv("BOARD_SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("BOARD_SMTP_PORT", "not a port")
    at = open_page(org_store, known["admin"], "admin_outbox")
    assert errors(at) == ["Give the mail server's port as a number from 1 to 65535."]
    assert titles(at) == ["Outbox"]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_may_open_the_outbox(org_store, known, role):
    add(org_store, known["staff"], 7)
    at = open_page(org_store, known[role], "admin_outbox", direct=True)
    assert errors(at) == ["You are not allowed to open this page."]
    assert not cards(at) and "Refunds" not in texts(at)
    navigated = open_page(org_store, known[role])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        navigated.switch_page(page_file("admin_outbox"))


def test_the_outbox_filters_by_state_and_kind(org_store, known):
    staff, manager = known["staff"], known["manager"]
    add(org_store, staff, 1)
    add(org_store, staff, 2, kind="reply")
    deliver(org_store, NotifyConfig())  # both kept here
    add(org_store, manager, 3, kind="queue_new", at=NOW + timedelta(days=3))  # waits for the manager's daily digest
    at = open_page(org_store, known["admin"], "admin_outbox")
    assert len(cards(at)) == 3
    by_label(at.selectbox, "State").select("pending").run()
    assert cards(at) == [f"To: {manager.name} <{manager.email}>"]
    assert any("Waiting for the daily digest of" in c.value for c in at.caption)
    by_label(at.selectbox, "State").select(None).run()
    by_label(at.selectbox, "Kind").select("reply").run()
    assert len(cards(at)) == 1 and "Suggestion #2 'Refunds' is now Planned" in [t.value for t in at.text]
    assert by_label(at.selectbox, "Kind").options[:3] == ["Every kind", "Status change", "Reply"]
    by_label(at.selectbox, "State").select("failed").run()
    assert not cards(at) and "No message matches." in texts(at)


@pytest.mark.slow
def test_a_failed_message_shows_its_error_and_retry_sends_it_back_to_waiting(org_store, known):
    add(org_store, known["staff"], 7)
    fail(org_store)
    [row] = outbox.listing(org_store, known["admin"], state="failed")
    at = open_page(org_store, known["admin"], "admin_outbox")
    assert "Failed 1" in texts(at)
    attempts = [t.value for t in at.text if t.value.startswith(f"{worker.MAX_ATTEMPTS} attempts. Last error: ")]
    assert attempts == [f"{worker.MAX_ATTEMPTS} attempts. Last error: {row['last_error']}"]
    by_label(at.button, "Retry").click().run()
    assert not at.exception and not errors(at)
    assert state_of(org_store, row["id"]) == ("pending", worker.MAX_ATTEMPTS)  # the attempts are kept
    assert "Waiting 1" in texts(at) and not [b for b in at.button if b.label == "Retry"]


def test_a_pending_pulse_reminder_is_listed_without_its_recipient(org_store, known):
    staff = known["staff"]
    add(org_store, staff, 1, kind="pulse_reminder")
    at = open_page(org_store, known["admin"], "admin_outbox")
    assert cards(at) == [f"To: {outbox.HIDDEN}"]
    shown = "\n".join(p.text for p in pieces(at) if p.where.startswith("main"))
    assert staff.name not in shown and staff.email not in shown


@pytest.mark.slow
def test_the_outbox_shows_25_messages_a_page(org_store, known):
    for number in range(30):
        add(org_store, known["staff"], number)
    at = open_page(org_store, known["admin"], "admin_outbox")
    assert len(cards(at)) == 25
    assert "1-25 of 30 messages · page 1 of 2" in texts(at)
    by_label(at.button, "Next").click().run()
    assert len(cards(at)) == 5 and "26-30 of 30 messages · page 2 of 2" in texts(at)
    by_label(at.selectbox, "Kind").select("status").run()  # a new filter starts at its first page
    assert len(cards(at)) == 25


def test_a_body_is_shown_as_plain_text_never_as_markdown(org_store, known):
    hostile = "**bold** [a link](https://evil.example) <b>html</b> :material/warning:"
    add(org_store, known["staff"], 7, body=hostile)
    at = open_page(org_store, known["admin"], "admin_outbox")
    assert hostile in [t.value for t in at.text]
    assert not any("evil.example" in m.value for m in at.markdown)


@pytest.mark.slow
def test_the_outbox_reads_as_written_for_people_in_every_state(org_store, known):
    staff, manager = known["staff"], known["manager"]
    hook = hooks.add(org_store, known["admin"], "slack", "http://127.0.0.1:9/hook", staff.office_id)
    org_store.write(lambda con: outbox.enqueue(con, key="test:hook", kind="queue_new", subject="New: #9",
                                               body="A new problem.", link="suggestion?id=9", now=NOW,
                                               hook_id=hook["id"]))
    add(org_store, staff, 1)
    fail(org_store)  # the staff's message and the channel's both fail
    add(org_store, staff, 2, kind="reply")
    add(org_store, staff, 3, kind="discussed")
    preferences.save(org_store, staff, {"discussed": "never"})  # chosen since: skipped
    with smtp_server() as box:
        deliver(org_store, NotifyConfig(smtp_host=box.host, smtp_port=box.port))
    add(org_store, staff, 4, kind="action_due")
    deliver(org_store, NotifyConfig())  # kept here
    for number, kind in enumerate(kinds.ROLE_KINDS["manager"]):
        add(org_store, manager, 10 + number, kind=kind, at=NOW + timedelta(days=10))  # waiting
    at = open_page(org_store, known["admin"], "admin_outbox")
    assert {"Sent 1", "Failed 2", "Kept here (no mail server) 1"} <= set(texts(at).splitlines()[0].split(" · "))
    assert f"To: Slack channel, {staff.office} (whole office)" in cards(at)
    assert problems(pieces(at)) == []


# --- My account: notifications ------------------------------------------------------------------------------------

def radios(at) -> dict[str, list[str]]:
    return {r.label: r.options for r in at.radio}


@pytest.mark.parametrize("role", ROLES)
def test_my_account_offers_each_kind_of_the_role_with_only_its_modes(org_store, known, role):
    at = open_page(org_store, known[role], "account")
    assert not errors(at)
    expected = {kinds.KINDS[kind]: [kinds.mode_words(kind)[m] for m in kinds.allowed_modes(kind)]
                for kind in kinds.ROLE_KINDS[role]}
    assert radios(at) == expected
    if "pulse_reminder" in kinds.ROLE_KINDS[role]:
        assert radios(at)["Reminders to answer the pulse"] == ["Yes", "No"]  # wanted or not: no daily reminder
    assert {r.label: r.value for r in at.radio} == {
        kinds.KINDS[kind]: mode for kind, mode in preferences.get(org_store, known[role]).items()}
    assert ("Anonymous suggestions are never followed by email: use Follow with a code."
            in at.caption[0].value)


def test_my_account_saves_the_notification_choices(org_store, known):
    manager = known["manager"]
    at = open_page(org_store, manager, "account")
    by_label(at.radio, kinds.KINDS["status"]).set_value("never")
    by_label(at.radio, kinds.KINDS["queue_new"]).set_value("now")
    by_label(at.radio, kinds.KINDS["weekly_digest"]).set_value("never")
    by_label(at.form_submit_button, "Save notifications").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == ["Notification choices saved."]
    saved = preferences.get(org_store, manager)
    assert (saved["status"], saved["queue_new"], saved["weekly_digest"], saved["reply"]) == (
        "never", "now", "never", "now")
    at.switch_page(page_file("home")).run()
    at.switch_page(page_file("account")).run()
    assert by_label(at.radio, kinds.KINDS["status"]).value == "never"  # drawn again from what was saved


def test_a_choice_the_service_refuses_is_shown_beside_its_field(org_store, known, monkeypatch):
    """Should the page ever offer a mode the service does not accept, the refusal is shown beside that kind and
    nothing is saved."""
    staff = known["staff"]
    before = preferences.get(org_store, staff)
    monkeypatch.setattr(kinds, "allowed_modes", lambda kind: tuple(kinds.MODES))  # the page's offer only
    at = open_page(org_store, staff, "account")
    by_label(at.radio, kinds.KINDS["status"]).set_value("never")
    by_label(at.radio, kinds.KINDS["pulse_reminder"]).set_value("daily")
    by_label(at.form_submit_button, "Save notifications").click().run()
    assert not at.exception
    assert errors(at) == ["Choose immediately or never."]
    assert [w.value for w in at.warning] == ["Please correct what is marked above; nothing was changed."]
    assert not at.success
    assert preferences.get(org_store, staff) == before


def test_an_unsubscribe_shows_under_my_account(org_store, known):
    from board.notify import tokens
    staff = known["staff"]
    tokens.unsubscribe(org_store, tokens.make(staff.id, "reply"), NOW)
    at = open_page(org_store, staff, "account")
    assert by_label(at.radio, kinds.KINDS["reply"]).value == "never"


# --- Admin > Settings: notifications and chat channels ------------------------------------------------------------

def test_the_notification_settings_are_saved(org_store, known):
    at = open_page(org_store, known["admin"], "admin_settings")
    by_label(at.selectbox, "Time zone of the organisation").select("Europe/Dublin")
    by_label(at.selectbox, "Digests are sent at").select(7)
    by_label(at.selectbox, "Weekly digest day").select(4)
    by_label(at.multiselect, "Pulse reminders").unselect("start").unselect("two_days_before_end")
    by_label(at.form_submit_button, "Save settings").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == ["Settings saved."]
    saved = settings.load(org_store)
    assert (saved.time_zone, saved.digest_hour, saved.weekly_digest_day, saved.pulse_reminders) == (
        "Europe/Dublin", 7, 4, ("halfway",))
    assert by_label(at.selectbox, "Weekly digest day").options == list(settings.WEEKDAYS)
    assert by_label(at.selectbox, "Digests are sent at").options[:2] == ["Midnight", "01:00"]
    assert by_label(at.multiselect, "Pulse reminders").options == list(settings.REMINDER_STEPS.values())


def test_no_pulse_reminder_at_all_may_be_chosen(org_store, known):
    at = open_page(org_store, known["admin"], "admin_settings")
    reminders = by_label(at.multiselect, "Pulse reminders")
    for step in settings.REMINDER_STEPS:
        reminders.unselect(step)
    by_label(at.form_submit_button, "Save settings").click().run()
    assert not errors(at) and settings.load(org_store).pulse_reminders == ()


def test_each_invalid_setting_is_marked_beside_its_field_and_nothing_is_saved(org_store, known):
    """A saved time zone that tzdata no longer knows must be chosen again; the other fields' errors show with it."""
    org_store.write(lambda con: settings.put(con, "time_zone", "Mars/Olympus_Mons"))
    before = settings.load(org_store)
    at = open_page(org_store, known["admin"], "admin_settings")
    assert by_label(at.selectbox, "Time zone of the organisation").value is None
    by_label(at.number_input, "Minimum group size for anonymous results (k)").set_value(2)
    by_label(at.selectbox, "Digests are sent at").select(6)
    by_label(at.form_submit_button, "Save settings").click().run()
    assert not at.exception
    assert errors(at) == [f"Minimum group size must be a whole number from {settings.MIN_K} to 50.",
                          "Choose a time zone from the list."]
    assert settings.load(org_store) == before
    by_label(at.number_input, "Minimum group size for anonymous results (k)").set_value(5)
    by_label(at.selectbox, "Time zone of the organisation").select("Asia/Kuala_Lumpur")
    by_label(at.form_submit_button, "Save settings").click().run()
    assert not errors(at)
    assert (settings.load(org_store).time_zone, settings.load(org_store).digest_hour) == ("Asia/Kuala_Lumpur", 6)


@pytest.mark.slow
def test_a_chat_channel_is_added_with_its_address_masked_and_removed(org_store, known):
    staff = known["staff"]
    at = open_page(org_store, known["admin"], "admin_settings")
    assert "No chat channel yet." in texts(at)
    by_label(at.selectbox, "Service").select("slack")
    by_label(at.selectbox, "Office").select(staff.office_id).run()
    by_label(at.selectbox, "Team").select(staff.team_id)
    by_label(at.text_input, "Incoming webhook URL").input("https://evil.example/hook")
    by_label(at.button, "Add channel").click().run()
    assert errors(at) == [hooks.URL_HELP["slack"]] and not hooks.listing(org_store, known["admin"])
    by_label(at.text_input, "Incoming webhook URL").input(SLACK)
    by_label(at.button, "Add channel").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == ["Chat channel added."]
    assert f"Slack · {staff.team}, {staff.office}\nhttps://hooks.slack.com/…XyZ9" in [t.value for t in at.text]
    assert by_label(at.text_input, "Incoming webhook URL").value == ""  # the next channel starts empty
    assert "secretPartOfTheHook" not in "\n".join(p.text for p in pieces(at))
    [channel] = hooks.listing(org_store, known["admin"])
    assert channel["team"] == staff.team
    by_label(at.button, "Remove").click().run()
    assert not errors(at) and not hooks.listing(org_store, known["admin"])
    assert "No chat channel yet." in texts(at)


def test_a_channel_for_a_whole_office_and_the_team_list_follows_the_office(org_store, known):
    staff = known["staff"]
    at = open_page(org_store, known["admin"], "admin_settings")
    by_label(at.selectbox, "Service").select("teams")
    by_label(at.selectbox, "Office").select(staff.office_id).run()
    team_options = by_label(at.selectbox, "Team").options
    assert team_options[0] == "The whole office" and staff.team in team_options
    by_label(at.text_input, "Incoming webhook URL").input("https://acme.webhook.office.com/webhookb2/abc/IncomingWebhook/def")
    by_label(at.button, "Add channel").click().run()
    assert not errors(at)
    assert f"Microsoft Teams · {staff.office} (whole office)\nhttps://acme.webhook.office.com/…/def" in [
        t.value for t in at.text]
