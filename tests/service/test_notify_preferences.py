"""Each person's choice per kind of message (defaults per role, validated all or nothing) and the one-click
unsubscribe links: signed, for one person and one kind, each working once."""

from __future__ import annotations

import base64
import os
import stat
from datetime import datetime

import pytest

from board.errors import Invalid
from board.notify import kinds, preferences, tokens
from board.store import StoreError

NOW = datetime(2026, 11, 20, 10, 30)
KEY = b"tests-only-notify-key"


def saved_rows(store) -> list[dict]:
    with store.read() as con:
        return con.rows("SELECT person_id, kind, mode FROM notification_preferences ORDER BY person_id, kind")


def test_defaults_follow_the_role(org_store, known):
    staff = preferences.get(org_store, known["staff"])
    assert staff == dict.fromkeys(("status", "reply", "discussed", "action_due", "pulse_reminder"), "now")
    manager = preferences.get(org_store, known["manager"])
    assert manager["queue_new"] == "daily" and manager["escalated_to_me"] == "now"
    assert manager["minutes_review"] == manager["weekly_digest"] == manager["queue_sla"] == "now"
    assert "minutes_review" not in preferences.get(org_store, known["leader"])
    assert set(preferences.get(org_store, known["regional_manager"])) == set(kinds.ROLE_KINDS["regional_manager"])
    assert set(preferences.get(org_store, known["admin"])) == {"status", "reply", "discussed"}
    assert all(set(choices) <= set(kinds.KINDS) for choices in kinds.ROLE_KINDS.values())


def test_a_choice_is_saved_and_read_back(org_store, known):
    manager = known["manager"]
    after = preferences.save(org_store, manager, {"queue_new": "now", "status": "daily", "weekly_digest": "never"},
                             now=NOW)
    assert (after["queue_new"], after["status"], after["weekly_digest"]) == ("now", "daily", "never")
    assert preferences.get(org_store, manager) == after
    preferences.save(org_store, manager, {"status": "never"})
    assert preferences.get(org_store, manager)["status"] == "never" and len(saved_rows(org_store)) == 3


def test_invalid_choices_are_named_per_field_and_change_nothing(org_store, known):
    staff = known["staff"]
    preferences.save(org_store, staff, {"reply": "daily"})
    before = saved_rows(org_store)
    with pytest.raises(Invalid) as invalid:
        preferences.save(org_store, staff, {"status": "never", "queue_new": "now", "reply": "sometimes",
                                            "pulse_reminder": "daily", "no_such_kind": "now"})
    assert invalid.value.errors == {
        "queue_new": preferences.NOT_YOURS, "no_such_kind": preferences.NOT_YOURS,
        "reply": "Choose immediately, in a daily digest, or never.", "pulse_reminder": "Choose immediately or never."}
    assert saved_rows(org_store) == before  # the valid 'status' was not saved either


def test_a_digest_or_reminder_never_waits_for_the_daily_digest():
    assert kinds.mode_for("manager", "weekly_digest", "daily") == "now"
    assert kinds.mode_for("staff", "pulse_reminder", "daily") == "now"
    assert kinds.mode_for("staff", "status", "daily") == "daily"
    assert kinds.mode_for("staff", "queue_new", "now") == "never"  # not a kind staff receive
    assert kinds.mode_for("admin", "pulse_reminder", None) == "never"
    assert kinds.mode_for("staff", kinds.DAILY_DIGEST, "never") == "now"
    assert kinds.mode_for("manager", "queue_new", "bogus") == "daily"


def test_an_unsubscribe_link_works_once_and_for_its_kind_only(org_store, known):
    staff = known["staff"]
    token = tokens.make(staff.id, "reply", key=KEY)
    assert "=" not in token and "/" not in token and "+" not in token
    assert tokens.unsubscribe(org_store, token, NOW, key=KEY) == (staff.id, "reply")
    choices = preferences.get(org_store, staff)
    assert choices["reply"] == "never" and choices["status"] == "now"
    with pytest.raises(Invalid) as used:
        tokens.unsubscribe(org_store, token, NOW, key=KEY)
    assert used.value.errors == {"token": tokens.NOT_VALID}
    other = tokens.make(staff.id, "status", key=KEY)
    assert other != tokens.make(staff.id, "status", key=KEY)  # each link is new
    tokens.unsubscribe(org_store, other, NOW, key=KEY)
    assert preferences.get(org_store, staff)["status"] == "never"


def _forgeries(token: str, person_id: int, other_id: int) -> list[str]:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    payload, mac = raw[:-tokens.MAC_BYTES], raw[-tokens.MAC_BYTES:]
    swapped = payload.replace(f"{person_id}:".encode(), f"{other_id}:".encode(), 1)
    other_kind = payload.replace(b":status:", b":reply:")
    flipped = raw[:-1] + bytes([raw[-1] ^ 1])

    def encode(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return [encode(swapped + mac), encode(other_kind + mac), encode(flipped), token[:-2], token + "AA", "",
            "not a token at all", encode(b"x" * 40), encode(payload)]


def test_a_changed_or_forged_link_gets_the_one_message_and_changes_nothing(org_store, known):
    staff, manager = known["staff"], known["manager"]
    genuine = tokens.make(staff.id, "status", key=KEY)
    for forged in _forgeries(genuine, staff.id, manager.id):
        with pytest.raises(Invalid) as refused:
            tokens.unsubscribe(org_store, forged, NOW, key=KEY)
        assert refused.value.errors == {"token": tokens.NOT_VALID}, forged
    # Without the key nobody can make a link for someone else: one made with another key is refused.
    with pytest.raises(Invalid):
        tokens.unsubscribe(org_store, tokens.make(manager.id, "status", key=b"guessed"), NOW, key=KEY)
    with pytest.raises(Invalid):
        tokens.unsubscribe(org_store, tokens.make(9_999_999, "status", key=KEY), NOW, key=KEY)  # nobody
    assert saved_rows(org_store) == []
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM unsubscribe_used") == 0
    with pytest.raises(ValueError):
        tokens.make(staff.id, "no_such_kind", key=KEY)
    tokens.unsubscribe(org_store, genuine, NOW, key=KEY)  # the genuine one still works after all that


def test_a_daily_digest_link_stops_every_kind_that_came_daily(org_store, known):
    manager = known["manager"]
    preferences.save(org_store, manager, {"status": "daily"})
    tokens.unsubscribe(org_store, tokens.make(manager.id, kinds.DAILY_DIGEST, key=KEY), NOW, key=KEY)
    choices = preferences.get(org_store, manager)
    assert choices["status"] == choices["queue_new"] == "never" and choices["reply"] == "now"


def test_the_key_comes_from_the_secret_or_a_private_key_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    monkeypatch.setattr(tokens, "KEY_FILE", tmp_path / "data" / "secret_notify.key")
    monkeypatch.delenv("BOARD_NOTIFY_SECRET", raising=False)
    key = tokens.secret_key()
    assert stat.S_IMODE(os.stat(tokens.KEY_FILE).st_mode) == 0o600 and len(key) == 64
    assert tokens.secret_key() == key  # made once
    with pytest.raises(StoreError, match="BOARD_NOTIFY_SECRET"):
        tokens.secret_key("postgres")  # several servers need one shared secret
    monkeypatch.setenv("BOARD_NOTIFY_SECRET", "shared-secret-value")
    assert tokens.secret_key("postgres") == tokens.secret_key() == b"shared-secret-value"
    token = tokens.make(7, "status")
    assert tokens._opened(token, b"shared-secret-value") == (7, "status")
    with pytest.raises(Invalid):
        tokens._opened(token, key)


def test_the_sql_form_of_the_rule_gives_the_same_mode_for_every_role_kind_and_choice(store):
    cases = [(role, chosen) for role in kinds.ROLE_KINDS for chosen in (None, *kinds.MODES)]  # the CHECK's modes
    values = " UNION ALL ".join("SELECT CAST(? AS INTEGER) AS n, CAST(? AS VARCHAR) AS role,"
                                " CAST(? AS VARCHAR) AS mode" for _ in cases)
    params = [v for n, (role, chosen) in enumerate(cases) for v in (n, role, chosen)]
    with store.read() as con:
        for kind in (*kinds.KINDS, kinds.DAILY_DIGEST, "no_such_kind"):
            mode, args = kinds.mode_sql(kind)
            found = {r["n"]: r["m"] for r in con.rows(f"SELECT p.n, {mode} AS m FROM ({values}) p"
                                                      f" JOIN ({values}) np ON np.n = p.n", [*args, *params, *params])}
            assert found == {n: kinds.mode_for(role, kind, chosen) for n, (role, chosen) in enumerate(cases)}, kind
