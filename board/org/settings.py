"""Organisation settings (anonymity threshold, acknowledgement SLA, categories, when notifications are scheduled:
time zone, digest hour and day, pulse reminders; and how long personal data is kept), validated before saving."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cache
from zoneinfo import available_timezones

from board import i18n
from board.errors import Invalid
from board.i18n import N_, _
from board.org import audit
from board.org.access import Person, require
from board.store import Conn, Database
from board.text import clean

MIN_K = 3
DEFAULT_CATEGORIES = ("policy", "system", "process", "training", "product", "other")
# When in a pulse period people who have not answered are reminded (board.notify.schedule), as admins read them.
REMINDER_STEPS = {"start": N_("At the start of the period"), "halfway": N_("Halfway through"),
                  "two_days_before_end": N_("Two days before the end")}
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))
# How long rows about people are kept once done with (board.org.retention purges them daily): setting -> (what
# admins read, fewest days, most days). The defaults are in Settings and the README's "Personal data" section.
RETENTION = {
    "sessions_kept_days": (N_("Ended sign-in sessions are kept (days)"), 1, 3650),
    "throttle_kept_days": (N_("Failed sign-in counts are kept (days)"), 1, 3650),
    "audit_kept_days": (N_("Audit log entries are kept (days)"), 30, 3650),
    "outbox_kept_days": (N_("Sent, skipped and failed messages are kept (days)"), 1, 3650),
}
# What an admin is told when a retention setting is out of its range (one whole sentence per setting).
RETENTION_ERRORS = {
    "sessions_kept_days": N_("Ended sign-in sessions are kept for a whole number of days from {low} to {high}."),
    "throttle_kept_days": N_("Failed sign-in counts are kept for a whole number of days from {low} to {high}."),
    "audit_kept_days": N_("Audit log entries are kept for a whole number of days from {low} to {high}."),
    "outbox_kept_days": N_("Sent, skipped and failed messages are kept for a whole number of days from {low} to"
                           " {high}."),
}


@dataclass(frozen=True)
class Settings:
    anonymity_k: int = 5
    ack_sla_days: int = 5
    categories: tuple[str, ...] = field(default=DEFAULT_CATEGORIES)
    pulse_period_days: int = 14
    session_days: int = 7  # a built-in session ends this long after sign-in, however often it is used
    demo: bool = False
    # notifications: digests, reminders and warnings go out at digest_hour:00 in the organisation's time zone
    time_zone: str = "UTC"
    digest_hour: int = 8
    weekly_digest_day: int = 0  # 0 = Monday .. 6 = Sunday
    pulse_reminders: tuple[str, ...] = field(default=tuple(REMINDER_STEPS))
    # retention (RETENTION): days after a session ends, after a throttle row's window, after an audit entry is
    # written, after a message was sent (or skipped, or given up)
    sessions_kept_days: int = 30
    throttle_kept_days: int = 30
    audit_kept_days: int = 730
    outbox_kept_days: int = 90
    # languages: the one people see when neither they nor their browser choose one we speak; and categories' names
    # per language {category: {locale: name}} (the stored category is always the name above, in `categories`)
    default_locale: str = "en"
    category_names: dict[str, dict[str, str]] = field(default_factory=dict, hash=False)

    @property
    def retention_values(self) -> dict:
        """The retention settings as `save` takes them."""
        return {key: getattr(self, key) for key in RETENTION}

    @property
    def notify_values(self) -> dict:
        """The notification settings as `save` takes them (a form starts from these)."""
        return {"time_zone": self.time_zone, "digest_hour": self.digest_hour,
                "weekly_digest_day": self.weekly_digest_day, "pulse_reminders": self.pulse_reminders}


def load(db: Database) -> Settings:
    """The saved settings over the defaults."""
    with db.read() as con:
        return load_in(con)


def load_in(con: Conn) -> Settings:
    saved = {r["key"]: json.loads(r["value"]) for r in con.rows("SELECT key, value FROM settings")}
    known = {k: v for k, v in saved.items() if k in Settings.__dataclass_fields__}
    for listed in ("categories", "pulse_reminders"):
        if listed in known:
            known[listed] = tuple(known[listed])
    return Settings(**known)


@cache
def time_zones() -> tuple[str, ...]:
    """The time zones an admin may choose (the IANA names tzdata knows), sorted."""
    return tuple(sorted(available_timezones()))


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_notify(*, time_zone="UTC", digest_hour=8, weekly_digest_day=0,
                    pulse_reminders=tuple(REMINDER_STEPS)) -> dict[str, str]:
    """{field: message} for each invalid notification setting; empty when all are valid."""
    errors = {}
    if not isinstance(time_zone, str) or time_zone not in time_zones():
        errors["time_zone"] = _("Choose a time zone from the list.")
    if not _whole(digest_hour, 0, 23):
        errors["digest_hour"] = _("The digest hour is a whole hour from 0 to 23.")
    if not _whole(weekly_digest_day, 0, 6):
        errors["weekly_digest_day"] = _("Choose the day of the week the weekly digest goes out.")
    if isinstance(pulse_reminders, str) or not isinstance(pulse_reminders, (list, tuple, set, frozenset)) \
            or any(step not in REMINDER_STEPS for step in pulse_reminders):
        errors["pulse_reminders"] = _("Choose pulse reminders among: {steps}.",
                                      steps=", ".join(_(label).lower() for label in REMINDER_STEPS.values()))
    return errors


def validate_retention(**days) -> dict[str, str]:
    """{field: message} for each retention setting (RETENTION) that is not a whole number of days in its range."""
    errors = {}
    for key, value in days.items():
        _label, low, high = RETENTION[key]
        if not _whole(value, low, high):
            errors[key] = _(RETENTION_ERRORS[key], low=low, high=high)
    return errors


def validate(anonymity_k, ack_sla_days, categories, pulse_period_days=14, session_days=7) -> dict[str, str]:
    """{field: message} for each invalid value; empty when all are valid."""
    errors = {}
    if not isinstance(session_days, int) or not 1 <= session_days <= 30:
        errors["session_days"] = _("A sign-in lasts a whole number of days from 1 to 30.")
    if not isinstance(pulse_period_days, int) or not 7 <= pulse_period_days <= 91:
        errors["pulse_period_days"] = _("A pulse period is a whole number of days from 7 to 91.")
    if not isinstance(anonymity_k, int) or not MIN_K <= anonymity_k <= 50:
        errors["anonymity_k"] = _("Minimum group size must be a whole number from {low} to 50.", low=MIN_K)
    if not isinstance(ack_sla_days, int) or not 1 <= ack_sla_days <= 60:
        errors["ack_sla_days"] = _("Acknowledgement time must be a whole number of working days from 1 to 60.")
    names = [clean(c) for c in categories]
    if not names or any(not c for c in names):
        errors["categories"] = _("Give at least one category, one per line, none empty.")
    elif len({c.lower() for c in names}) != len(names):
        errors["categories"] = _("Each category may appear only once.")
    elif any(len(c) > 40 for c in names) or len(names) > 30:
        errors["categories"] = _("At most 30 categories of at most 40 characters each.")
    return errors


def save(db: Database, actor: Person, *, anonymity_k, ack_sla_days, categories, pulse_period_days=14,
         session_days=7, time_zone=None, digest_hour=None, weekly_digest_day=None, pulse_reminders=None,
         sessions_kept_days=None, throttle_kept_days=None, audit_kept_days=None, outbox_kept_days=None) -> Settings:
    """Validate and save the settings at once (admins only); nothing is saved when one is invalid. A notification
    or retention setting left as None keeps its saved value (a form that does not show it leaves it alone)."""
    require(actor, "admin_settings")
    notify = {k: v for k, v in (("time_zone", time_zone), ("digest_hour", digest_hour),
                                ("weekly_digest_day", weekly_digest_day), ("pulse_reminders", pulse_reminders))
              if v is not None}
    kept = {k: v for k, v in (("sessions_kept_days", sessions_kept_days), ("throttle_kept_days", throttle_kept_days),
                              ("audit_kept_days", audit_kept_days), ("outbox_kept_days", outbox_kept_days))
            if v is not None}
    errors = {**validate(anonymity_k, ack_sla_days, categories, pulse_period_days, session_days),
              **validate_notify(**notify), **validate_retention(**kept)}
    if errors:
        raise Invalid(errors)
    if "pulse_reminders" in notify:  # stored in the order of REMINDER_STEPS, each once
        notify["pulse_reminders"] = [step for step in REMINDER_STEPS if step in notify["pulse_reminders"]]
    values = {"anonymity_k": anonymity_k, "ack_sla_days": ack_sla_days, "categories": [clean(c) for c in categories],
              "pulse_period_days": pulse_period_days, "session_days": session_days, **notify, **kept}

    def apply(con: Conn) -> Settings:
        before = asdict(load_in(con))
        for key, value in values.items():
            put(con, key, value)
        changed = {k: v for k, v in values.items() if before[k] != (tuple(v) if isinstance(v, list) else v)}
        audit.record(con, actor.id, "settings changed", json.dumps(changed))
        return load_in(con)

    return db.write(apply, lock=("settings",))


def save_languages(db: Database, actor: Person, *, default_locale: str,
                   category_names: dict[str, dict[str, str]]) -> Settings:
    """The organisation's default language and the categories' names per language (admins only); nothing is saved
    when one is invalid. An empty name means "as the category is written"."""
    require(actor, "admin_settings")
    errors = {}
    if default_locale not in i18n.SHIPPED:
        errors["default_locale"] = _("Choose a language from the list.")
    names: dict[str, dict[str, str]] = {}
    for category, per_locale in (category_names or {}).items():
        for locale, name in per_locale.items():
            name = clean(name or "")
            if locale not in i18n.SHIPPED:
                errors["category_names"] = _("Choose a language from the list.")
            elif len(name) > 40:
                errors["category_names"] = _("A category's name is at most 40 characters.")
            elif name:
                names.setdefault(category, {})[locale] = name

    def apply(con: Conn) -> Settings:
        current = load_in(con)
        unknown = set(names) - set(current.categories)
        if unknown:
            errors["category_names"] = _("Name only the categories in the list.")
        if errors:
            raise Invalid(errors)
        values = {"default_locale": default_locale, "category_names": names}
        changed = {k: v for k, v in values.items() if getattr(current, k) != v}
        for key, value in values.items():
            put(con, key, value)
        audit.record(con, actor.id, "settings changed", json.dumps(changed))
        return load_in(con)

    if errors:
        raise Invalid(errors)
    return db.write(apply, lock=("settings",))


def put(con: Conn, key: str, value) -> None:
    """Store one setting inside the caller's transaction."""
    con.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()",
        (key, json.dumps(value)),
    )
