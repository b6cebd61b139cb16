"""Built-in accounts: argon2id hashes, one message for every refusal, throttling, expiring sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from board import accounts, people
from board.errors import Invalid, NotAllowed


def test_password_is_stored_only_as_an_argon2id_hash(demo_store, known):
    accounts.set_password(demo_store, known["staff"].id, "correct horse battery")
    with demo_store.read() as con:
        stored = con.scalar("SELECT password_hash FROM accounts WHERE person_id = ?", (known["staff"].id,))
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert accounts.sign_in(demo_store, "STAFF@demo.board ", "correct horse battery").id == known["staff"].id


def test_short_password_is_refused(demo_store, known):
    with pytest.raises(Invalid) as invalid:
        accounts.set_password(demo_store, known["staff"].id, "short")
    assert "at least 10" in invalid.value.errors["password"]
    assert accounts.sign_in(demo_store, "staff@demo.board", "demo")  # unchanged


@pytest.mark.parametrize("email, password", [
    ("staff@demo.board", "wrong"),  # wrong password
    ("nobody@demo.board", "demo"),  # unknown email
    (None, "demo"),                 # a real person who has no password
])
def test_every_refusal_has_the_same_message(demo_store, known, email, password):
    if email is None:
        email = next(p["email"] for p in people.list_people(demo_store, known["admin"]) if "@example.com" in p["email"])
        assert people.find_by_email(demo_store, email) and not accounts.has_password(demo_store, people.find_by_email(demo_store, email).id)
    with pytest.raises(accounts.SignInRefused) as refused:
        accounts.sign_in(demo_store, email, password)
    assert str(refused.value) == "That email and password do not match an active account."


def test_inactive_person_cannot_sign_in(demo_store, known):
    demo_store.write(lambda con: con.execute("UPDATE people SET active = FALSE WHERE id = ?", (known["staff"].id,)))
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(demo_store, "staff@demo.board", "demo")


def test_five_failures_pause_sign_in_for_that_email_only(demo_store):
    now = accounts.utcnow()
    for i in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(demo_store, "staff@demo.board", f"guess {i}", now=now)
    with pytest.raises(accounts.SignInThrottled, match="Try again in about 5 minute"):
        accounts.sign_in(demo_store, "staff@demo.board", "demo", now=now + timedelta(seconds=1))
    assert accounts.sign_in(demo_store, "leader@demo.board", "demo", now=now)  # other emails unaffected
    later = now + accounts.LOCKOUT + timedelta(seconds=1)
    assert accounts.sign_in(demo_store, "staff@demo.board", "demo", now=later).email == "staff@demo.board"


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
