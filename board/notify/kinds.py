"""What can be sent, to which roles, and how each role receives it unless the person chose otherwise (pure)."""

from __future__ import annotations

from board.i18n import N_

# kind -> what a person reads on the preferences form
KINDS = {
    "status": N_("A suggestion I raised or +1'd changes status, is escalated or merged"),
    "reply": N_("Replies and comments on suggestions I raised or +1'd"),
    "discussed": N_("Minutes that discussed a suggestion I raised or +1'd"),
    "queue_new": N_("New suggestions in my queue"),
    "queue_sla": N_("Suggestions about to pass the acknowledgement time"),
    "escalated_to_me": N_("Escalations reaching me"),
    "minutes_review": N_("The regional review of my minutes"),
    "action_due": N_("My actions falling due and overdue"),
    "weekly_digest": N_("A weekly digest of my scope"),
    "pulse_reminder": N_("Reminders to answer the pulse"),
}
# The message that carries a person's 'daily' items: always sent now, never chosen.
DAILY_DIGEST = "daily_digest"
# Short names for lists (Admin > Outbox).
SHORT = {"status": N_("Status change"), "reply": N_("Reply"), "discussed": N_("Discussed in minutes"),
         "queue_new": N_("New in queue"), "queue_sla": N_("Acknowledgement time"), "escalated_to_me": N_("Escalation"),
         "minutes_review": N_("Minutes review"), "action_due": N_("Action due"), "weekly_digest": N_("Weekly digest"),
         "pulse_reminder": N_("Pulse reminder"), DAILY_DIGEST: N_("Daily digest")}

MODES = {"now": N_("Immediately"), "daily": N_("In a daily digest"), "never": N_("Never")}
# A digest in a digest is silly, and a reminder a day late is no reminder.
NOW_OR_NEVER = frozenset({"weekly_digest", "pulse_reminder"})

_OWN = ("status", "reply", "discussed")
_MANAGING = ("queue_new", "queue_sla", "escalated_to_me")
ROLE_KINDS: dict[str, tuple[str, ...]] = {
    "staff": (*_OWN, "action_due", "pulse_reminder"),
    "manager": (*_OWN, *_MANAGING, "minutes_review", "action_due", "weekly_digest", "pulse_reminder"),
    "regional_manager": (*_OWN, *_MANAGING, "minutes_review", "action_due", "weekly_digest", "pulse_reminder"),
    "leader": (*_OWN, *_MANAGING, "action_due", "weekly_digest", "pulse_reminder"),
    # an admin raises and +1s as staff of their team; no actions, no pulse
    "admin": _OWN,
}
# New items in a queue come in a daily digest: a busy team would otherwise mail its manager all day.
DEFAULTS: dict[str, dict[str, str]] = {
    role: {kind: "daily" if kind == "queue_new" else "now" for kind in kinds} for role, kinds in ROLE_KINDS.items()}


def allowed_modes(kind: str) -> tuple[str, ...]:
    """The modes a person may choose for a kind."""
    return ("now", "never") if kind in NOW_OR_NEVER else tuple(MODES)


def mode_words(kind: str) -> dict[str, str]:
    """How each mode of a kind reads on the form (N_-marked constants: translate them where shown): a digest or a
    reminder is simply wanted or not."""
    return {**MODES, "now": N_("Yes"), "never": N_("No")} if kind in NOW_OR_NEVER else MODES


def mode_for(role: str, kind: str, chosen: str | None) -> str:
    """How a person of `role` receives `kind` ('now', 'daily' or 'never'): their choice, else the role's
    default; 'never' for a kind their role does not receive; a daily digest always goes now."""
    if kind == DAILY_DIGEST:
        return "now"
    default = DEFAULTS.get(role, {}).get(kind)
    if default is None:
        return "never"
    mode = chosen if chosen in MODES else default
    return "now" if mode == "daily" and kind in NOW_OR_NEVER else mode


def mode_sql(kind: str) -> tuple[str, list[str]]:
    """mode_for(p.role, kind, np.mode) as an SQL expression over people p and their saved choice np.mode, and its
    parameters, to write many people's messages in one statement; as short as the kind allows, since DuckDB plans
    each statement anew. A saved choice is always one of MODES (the table's CHECK). The tests hold it to
    mode_for's answers for every role, kind and choice."""
    if kind == DAILY_DIGEST:
        return "'now'", []
    roles = [name for name, received in ROLE_KINDS.items() if kind in received]
    if not roles:
        return "'never'", []
    if kind in NOW_OR_NEVER:  # every role's default is now, and a saved 'daily' reads as now
        mode, args = "CASE WHEN np.mode = 'never' THEN 'never' ELSE 'now' END", []
    elif len({DEFAULTS[name][kind] for name in roles}) == 1:
        mode, args = "coalesce(np.mode, CAST(? AS VARCHAR))", [DEFAULTS[roles[0]][kind]]
    else:
        mode = "coalesce(np.mode, CASE p.role" + " WHEN ? THEN ?" * len(roles) + " END)"
        args = [value for name in roles for value in (name, DEFAULTS[name][kind])]
    if len(roles) == len(ROLE_KINDS):
        return mode, args
    return f"CASE WHEN p.role IN ({', '.join('?' * len(roles))}) THEN {mode} ELSE 'never' END", [*roles, *args]
