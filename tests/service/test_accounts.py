"""Built-in accounts: argon2id hashes, one message for every refusal, throttling, expiring sessions."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from board import demo
from board.errors import Invalid, NotAllowed
from board.org import accounts, people, throttle


@pytest.fixture
def checked(monkeypatch):
    """How many passwords were checked (argon2 verifications through accounts._verify) since the test began."""
    calls, lock, verify = [], threading.Lock(), accounts._verify

    def counting(stored, password):
        with lock:
            calls.append(1)
        return verify(stored, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    return lambda: len(calls)


def test_password_is_stored_only_as_an_argon2id_hash(demo_store, known):
    accounts.set_password(demo_store, known["staff"].id, "correct horse battery")
    with demo_store.read() as con:
        stored = con.scalar("SELECT password_hash FROM accounts WHERE person_id = ?", (known["staff"].id,))
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert accounts.sign_in(demo_store, "STAFF@demo.board ", "correct horse battery").id == known["staff"].id


def test_short_password_is_refused(demo_store, known):
    with pytest.raises(Invalid) as invalid:
        accounts.set_password(demo_store, known["staff"].id, "short")
    assert "at least 12" in invalid.value.errors["password"]
    assert accounts.sign_in(demo_store, "staff@demo.board", "demo")  # unchanged


@pytest.mark.parametrize("email, password", [
    ("staff@demo.board", "wrong"),  # wrong password
    ("nobody@demo.board", "demo"),  # unknown email
    (None, "demo"),                 # a real person who has no password
])
def test_every_refusal_has_the_same_message(demo_store, known, email, password):
    if email is None:
        email = next(p["email"] for p in people.list_people(demo_store, known["admin"]) if "@example.com" in p["email"])
        assert people.find_by_email(demo_store, email) and not accounts.has_password(
            demo_store, people.find_by_email(demo_store, email).id)
    with pytest.raises(accounts.SignInRefused) as refused:
        accounts.sign_in(demo_store, email, password)
    assert str(refused.value) == "That email and password do not match an active account."


def test_inactive_person_cannot_sign_in(demo_store, known):
    demo_store.write(lambda con: con.execute("UPDATE people SET active = FALSE WHERE id = ?", (known["staff"].id,)))
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(demo_store, "staff@demo.board", "demo")


@pytest.mark.slow
def test_five_failures_make_that_email_wait_and_the_right_password_then_signs_in(org_store):
    now = datetime(2026, 11, 2, 9, 0, 0)
    for i in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(org_store, "staff@demo.board", f"guess {i}", now=now)
    with pytest.raises(accounts.SignInThrottled, match=r"for this email\. Try again in 1 minute\.$"):
        accounts.sign_in(org_store, "staff@demo.board", demo.PASSWORD, now=now + timedelta(seconds=30))
    assert accounts.sign_in(org_store, "leader@demo.board", demo.PASSWORD, now=now)  # other emails unaffected
    after_the_wait = now + throttle.FIRST_WAIT
    assert (accounts.sign_in(org_store, "staff@demo.board", demo.PASSWORD, now=after_the_wait).email
            == "staff@demo.board")
    with pytest.raises(accounts.SignInRefused):  # the right password forgot the failures: checked at once again
        accounts.sign_in(org_store, "staff@demo.board", "guess again", now=after_the_wait)


def test_each_further_failure_doubles_the_wait_up_to_fifteen_minutes():
    assert [throttle.wait_after(n) // timedelta(minutes=1) for n in range(1, 12)] == [
        0, 0, 0, 0, 1, 2, 4, 8, 15, 15, 15]
    assert throttle.wait_after(10_000) == throttle.LONGEST_WAIT


@pytest.mark.slow
def test_an_attacker_trying_every_ten_seconds_checks_eleven_passwords_in_the_first_hour(org_store, monkeypatch):
    start, refusals, checked = datetime(2026, 11, 2, 9, 0, 0), 0, []
    monkeypatch.setattr(accounts, "_verify", lambda stored, guess: bool(checked.append(guess)))  # all wrong: no argon2
    for second in range(0, 3600, 10):
        try:
            accounts.sign_in(org_store, "staff@demo.board", f"guess {second}", now=start + timedelta(seconds=second))
        except accounts.SignInThrottled:
            refusals += 1
        except accounts.SignInRefused:
            pass
    assert len(checked) == 11 and refusals == 360 - 11  # 5 at once, then after waits of 1, 2, 4, 8, 15, 15 minutes
    with org_store.read() as con:  # one audit entry per wrong password, one per wait however many refusals
        logged = con.rows("SELECT action, count(*) AS n FROM audit_log WHERE action LIKE 'sign-in%' GROUP BY action")
    assert {r["action"]: r["n"] for r in logged} == {"sign-in failed": 11, "sign-in refused": 7}


@pytest.mark.slow
def test_twelve_parallel_wrong_attempts_check_at_most_five_passwords(org_store, checked):
    now, start = datetime(2026, 11, 2, 9, 0, 0), threading.Barrier(12)

    def attempt(i: int) -> str:
        start.wait()
        try:
            accounts.sign_in(org_store, "staff@demo.board", f"parallel guess {i}", now=now)
        except (accounts.SignInRefused, accounts.SignInThrottled) as error:
            return type(error).__name__
        return "signed in"

    with ThreadPoolExecutor(12) as pool:
        outcomes = sorted(pool.map(attempt, range(12)))
    assert checked() == accounts.MAX_FAILURES
    assert outcomes == ["SignInRefused"] * 5 + ["SignInThrottled"] * 7


@pytest.mark.slow
def test_a_colleagues_wrong_passwords_only_delay_the_owner(org_store, checked):
    now = datetime(2026, 11, 2, 9, 0, 0)
    for i in range(20):  # a colleague keeps typing wrong passwords for the staff member's email
        with pytest.raises((accounts.SignInRefused, accounts.SignInThrottled)):
            accounts.sign_in(org_store, "staff@demo.board", f"prank {i}", now=now)
    assert checked() == accounts.MAX_FAILURES  # the 15 during the wait checked nothing and did not lengthen it
    owner = accounts.sign_in(org_store, "staff@demo.board", demo.PASSWORD, now=now + timedelta(minutes=1))
    assert owner.email == "staff@demo.board"


def test_one_client_address_is_limited_across_emails(org_store, known, monkeypatch):
    monkeypatch.setattr(throttle, "MAX_PER_ADDRESS", 3)
    now, noisy = datetime(2026, 11, 2, 9, 1, 0), "203.0.113.9"
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(org_store, email, "wrong password", address=noisy, now=now)
    with pytest.raises(accounts.SignInThrottled, match=r"^Too many failed sign-ins from your network\. "
                                                       r"Try again in 4 minutes\.$"):
        accounts.sign_in(org_store, "leader@demo.board", demo.PASSWORD, address=noisy, now=now)
    assert accounts.sign_in(org_store, "leader@demo.board", demo.PASSWORD, address="203.0.113.10", now=now)
    assert accounts.sign_in(org_store, "leader@demo.board", demo.PASSWORD, address=noisy,
                            now=now + throttle.WINDOW)  # the next 5-minute window
    with org_store.read() as con:
        [detail] = con.rows("SELECT detail FROM audit_log WHERE action = 'sign-in refused'")
    assert detail["detail"].startswith("address 203.0.113.9: 3 failed sign-ins in 5 minutes")


@pytest.mark.slow
def test_the_whole_organisation_is_limited_and_right_passwords_do_not_count(org_store, known, monkeypatch):
    monkeypatch.setattr(throttle, "MAX_EVERYONE", 3)
    now = datetime(2026, 11, 2, 9, 0, 0)
    for _ in range(5):  # successes give their reserved count back
        assert accounts.sign_in(org_store, "manager@demo.board", demo.PASSWORD, now=now)
    for address in ("198.51.100.1", "198.51.100.2", None):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(org_store, "nobody@example.com", "wrong password", address=address, now=now)
    with pytest.raises(accounts.SignInThrottled, match="^Too many failed sign-ins across the organisation"):
        accounts.sign_in(org_store, "manager@demo.board", demo.PASSWORD, address="198.51.100.3", now=now)
    assert accounts.sign_in(org_store, "manager@demo.board", demo.PASSWORD, now=now + throttle.WINDOW)
    with org_store.read() as con:
        [detail] = con.rows("SELECT detail FROM audit_log WHERE action = 'sign-in refused'")
    assert detail["detail"].startswith("whole organisation: 3 failed sign-ins in 5 minutes")


@pytest.mark.slow
def test_refusals_are_audited_without_typed_text_and_throttling_keeps_times_coarse(org_store):
    now, typed = datetime(2026, 11, 2, 9, 0, 17), "MyS3cret-typed-as-an-email"
    for i in range(accounts.MAX_FAILURES + 3):
        with pytest.raises((accounts.SignInRefused, accounts.SignInThrottled)):
            accounts.sign_in(org_store, "staff@demo.board", f"guess {i}", now=now)
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(org_store, typed, "wrong password", address="192.0.2.7", now=now)
    with org_store.read() as con:
        logged = con.rows("SELECT actor_id, action, detail FROM audit_log ORDER BY id")
        waits = con.rows("SELECT * FROM sign_in_waits ORDER BY email")
        counts = con.rows("SELECT * FROM sign_in_counts ORDER BY scope")
    assert [(r["actor_id"], r["action"], r["detail"]) for r in logged[-7:]] == [
        (None, "sign-in failed", "staff@demo.board: 1 in a row"),
        (None, "sign-in failed", "staff@demo.board: 2 in a row"),
        (None, "sign-in failed", "staff@demo.board: 3 in a row"),
        (None, "sign-in failed", "staff@demo.board: 4 in a row"),
        (None, "sign-in failed", "staff@demo.board: 5 in a row; the next attempt waits 1 minute"),
        (None, "sign-in refused", ("staff@demo.board: waiting after 5 failures in a row"
                                   " (further attempts in this wait are refused unlogged)")),
        (None, "sign-in failed", "an email not in the roster: 1 in a row"),
    ]
    # The typed text stays only in the throttle's own row, gone within the hour; times are kept to the minute,
    # window counts to 5 minutes, and no password anywhere.
    assert [(w["email"], w["failures"], w["wait_until"]) for w in waits] == [
        (typed.lower(), 1, datetime(2026, 11, 2, 9, 1)), ("staff@demo.board", 5, datetime(2026, 11, 2, 9, 2))]
    assert [(c["scope"], c["address"], c["window_start"], c["failures"]) for c in counts] == [
        ("address", "192.0.2.7", datetime(2026, 11, 2, 9, 0), 1), ("everyone", "", datetime(2026, 11, 2, 9, 0), 6)]
    assert "guess" not in repr([logged, waits, counts])
    later = now + timedelta(hours=2)
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(org_store, "leader@demo.board", "wrong password", now=later)
    with org_store.read() as con:
        assert [r["email"] for r in con.rows("SELECT email FROM sign_in_waits")] == ["leader@demo.board"]
        assert con.scalar("SELECT count(*) FROM sign_in_counts WHERE window_start < ?", (later,)) == 1


def test_the_client_address_trusts_forwarded_for_only_from_listed_proxies(monkeypatch):
    monkeypatch.delenv("BOARD_TRUSTED_PROXIES", raising=False)
    assert throttle.client_address("203.0.113.5", ["192.0.2.1"]) == "203.0.113.5"  # a header anyone can send
    assert throttle.client_address(None, ["192.0.2.1"]) is None  # a local connection: no address limit
    monkeypatch.setenv("BOARD_TRUSTED_PROXIES", "10.0.0.2, 127.0.0.1")
    assert throttle.client_address("10.0.0.2", ["192.0.2.1, 203.0.113.5"]) == "203.0.113.5"
    assert throttle.client_address(None, ["192.0.2.1, 10.0.0.2"]) == "192.0.2.1"
    assert throttle.client_address("10.0.0.2", ["not an address"]) is None
    assert throttle.client_address("10.0.0.2", []) is None


def test_own_password_change_needs_the_current_one_and_a_valid_new_one(org_store, known):
    staff, now = known["staff"], datetime(2026, 11, 2, 9, 0, 0)
    for current, new, field, message in [
        (demo.PASSWORD, "short", "new", "at least 12"),
        (demo.PASSWORD, demo.PASSWORD, "new", "at least 12"),
        ("a wrong guess", "a brand new passphrase", "current", "not your current password"),
    ]:
        with pytest.raises(Invalid) as invalid:
            accounts.change_own_password(org_store, staff, current, new, now=now)
        assert list(invalid.value.errors) == [field] and message in invalid.value.errors[field]
    accounts.set_password(org_store, staff.id, "the same long password")
    with pytest.raises(Invalid) as same:
        accounts.change_own_password(org_store, staff, "the same long password", "the same long password", now=now)
    assert same.value.errors == {"new": "Choose a password different from the current one."}


def test_own_password_change_ends_the_other_sessions_only(org_store, known):
    staff, now = known["staff"], datetime(2026, 11, 2, 9, 0, 0)
    here, elsewhere = accounts.start_session(org_store, staff.id), accounts.start_session(org_store, staff.id)
    others = accounts.start_session(org_store, known["manager"].id)
    accounts.change_own_password(org_store, staff, demo.PASSWORD, "a brand new passphrase", keep_token=here, now=now)
    assert accounts.resume_session(org_store, here) == staff
    assert accounts.resume_session(org_store, elsewhere) is None
    assert accounts.resume_session(org_store, others) == known["manager"]
    assert accounts.sign_in(org_store, "staff@demo.board", "a brand new passphrase", now=now) == staff
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(org_store, "staff@demo.board", demo.PASSWORD, now=now)
    with org_store.read() as con:
        assert con.one("SELECT actor_id, action, detail FROM audit_log WHERE action = 'password changed'") == {
            "actor_id": staff.id, "action": "password changed", "detail": "staff@demo.board"}


@pytest.mark.slow
def test_wrong_current_passwords_are_throttled_like_sign_in(org_store, known, checked):
    staff, now = known["staff"], datetime(2026, 11, 2, 9, 0, 0)
    for i in range(accounts.MAX_FAILURES + 2):
        with pytest.raises(Invalid):
            accounts.change_own_password(org_store, staff, f"guess {i}", "a brand new passphrase", now=now)
    with pytest.raises(Invalid) as invalid:
        accounts.change_own_password(org_store, staff, demo.PASSWORD, "a brand new passphrase", now=now)
    assert invalid.value.errors["current"].startswith("Too many failed attempts for this email. Try again in")
    assert checked() == accounts.MAX_FAILURES
    accounts.change_own_password(org_store, staff, demo.PASSWORD, "a brand new passphrase",
                                 now=now + throttle.FIRST_WAIT)


def test_an_admin_resets_others_passwords_but_not_their_own(org_store, known):
    admin = known["admin"]
    with pytest.raises(Invalid) as invalid:
        accounts.admin_set_password(org_store, admin, admin.id, "an admin's new passphrase")
    assert "My account" in invalid.value.errors["password"]
    assert accounts.sign_in(org_store, "admin@demo.board", demo.PASSWORD)  # unchanged
    accounts.admin_set_password(org_store, admin, known["staff"].id, "a reset passphrase")
    assert accounts.sign_in(org_store, "staff@demo.board", "a reset passphrase")


def test_session_survives_until_signed_out(demo_store, known):
    token = accounts.start_session(demo_store, known["manager"].id)
    assert accounts.resume_session(demo_store, token).id == known["manager"].id
    with demo_store.read() as con:
        assert con.scalar("SELECT count(*) FROM sessions WHERE token_hash = ?", (token,)) == 0  # only a hash
    accounts.end_session(demo_store, token)
    assert accounts.resume_session(demo_store, token) is None


def test_session_ends_after_twelve_idle_hours_but_not_while_used(demo_store, known):
    start = accounts.utcnow()
    token = accounts.start_session(demo_store, known["staff"].id, now=start)
    for hours in (6, 12, 18):  # used every 6 hours: stays alive
        assert accounts.resume_session(demo_store, token, now=start + timedelta(hours=hours))
    assert accounts.resume_session(demo_store, token, now=start + timedelta(hours=30, seconds=1)) is None


def test_session_of_a_deactivated_person_stops_working(demo_store, known):
    token = accounts.start_session(demo_store, known["staff"].id)
    demo_store.write(lambda con: con.execute("UPDATE people SET active = FALSE WHERE id = ?", (known["staff"].id,)))
    assert accounts.resume_session(demo_store, token) is None


@pytest.mark.parametrize("token", [None, "", "made-up-token", "x" * 5000])
def test_unknown_tokens_resume_nothing(demo_store, token):
    assert accounts.resume_session(demo_store, token) is None


def test_resetting_a_password_ends_open_sessions(demo_store, known):
    token = accounts.start_session(demo_store, known["staff"].id)
    accounts.admin_set_password(demo_store, known["admin"], known["staff"].id, "a brand new secret")
    assert accounts.resume_session(demo_store, token) is None
    with pytest.raises(NotAllowed):
        accounts.admin_set_password(demo_store, known["leader"], known["staff"].id, "a brand new secret")


def test_role_changes_keep_an_admin(demo_store, known):
    staff = known["staff"]
    people.change_person(demo_store, known["admin"], staff.id, role="manager", active=True)
    assert people.get_person(demo_store, staff.id).role == "manager"
    with pytest.raises(Invalid, match="Please correct") as invalid:
        people.change_person(demo_store, known["admin"], known["admin"].id, role="staff", active=True)
    assert "last active admin" in invalid.value.errors["role"]
    with pytest.raises(NotAllowed):
        people.change_person(demo_store, known["leader"], staff.id, role="admin", active=True)
