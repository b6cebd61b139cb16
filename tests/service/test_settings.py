"""Settings: defaults, per-field validation, admins only, every change audited."""

from __future__ import annotations

import pytest

from board.errors import Invalid, NotAllowed
from board.org import audit, settings


def test_defaults(store):
    current = settings.load(store)
    assert (current.anonymity_k, current.ack_sla_days, current.demo) == (5, 5, False)
    assert current.categories == ("policy", "system", "process", "training", "product", "other")


@pytest.mark.parametrize("values, field", [
    ({"anonymity_k": 2}, "anonymity_k"),
    ({"anonymity_k": 51}, "anonymity_k"),
    ({"ack_sla_days": 0}, "ack_sla_days"),
    ({"categories": []}, "categories"),
    ({"categories": ["policy", "Policy"]}, "categories"),
    ({"categories": ["x" * 41]}, "categories"),
])
def test_invalid_values_are_named_and_nothing_is_saved(demo_store, known, values, field):
    before = settings.load(demo_store)
    args = {"anonymity_k": 7, "ack_sla_days": 3, "categories": ["policy"], **values}
    with pytest.raises(Invalid) as invalid:
        settings.save(demo_store, known["admin"], **args)
    assert list(invalid.value.errors) == [field]
    assert settings.load(demo_store) == before


def test_admin_saves_settings_and_the_change_is_audited(demo_store, known):
    saved = settings.save(demo_store, known["admin"], anonymity_k=7, ack_sla_days=3,
                          categories=["policy", " system ", "billing"])
    assert (saved.anonymity_k, saved.ack_sla_days, saved.categories) == (7, 3, ("policy", "system", "billing"))
    assert settings.load(demo_store) == saved
    entry = audit.recent(demo_store, known["admin"], 1)[0]
    assert (entry["action"] == "settings changed" and entry["actor"] == "Adam Admin"
            and '"anonymity_k": 7' in entry["detail"])


@pytest.mark.parametrize("role", ["staff", "manager", "regional_manager", "leader"])
def test_only_admins_change_settings(demo_store, known, role):
    with pytest.raises(NotAllowed):
        settings.save(demo_store, known[role], anonymity_k=7, ack_sla_days=3, categories=["policy"])
