"""The access matrix: every service function that takes the acting or viewing Person, with what each of the
five roles gets (tests/security/test_access_matrix.py runs it; tests/security/test_admin_reads.py checks the
admin column on both backends). Ctx holds one copy of the demo database and makes fresh targets."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from board import store as db
from board.errors import Invalid, NotAllowed
from board.feedback import inbox, suggestions, triage
from board.feedback.suggestions import Draft
from board.meetings import actions, minutes, playbook, review
from board.morale import pulse
from board.org import accounts, audit, calendar, people, personal_data, roster, settings
from board.org.access import ROLES
from board.reporting import dashboard, reports
from board.store import backup

TODAY = date.today()
FAR = date(2031, 1, 6)  # a pulse period nobody has answered yet
EVERYTHING = dashboard.Filters(start=date(2020, 1, 1), end=date(2032, 1, 1))

# --- outcomes, and the context that makes a fresh target for each call ---------------------------------

OK, DENIED, EMPTY, INVALID = "ok", "not allowed", "nothing", "invalid"
LINE = ("staff", "manager", "regional_manager", "leader")
TRIAGERS = ("manager", "regional_manager", "leader")


def only(*roles: str, other: str = DENIED, **special: str) -> dict[str, str]:
    """role -> expected outcome: OK for the named roles, `other` for the rest, with per-role exceptions."""
    return {role: special.get(role, OK if role in roles else other) for role in ROLES}


class Ctx:
    """One private copy of the demo database and helpers that make a fresh target for each call."""

    def __init__(self, store: db.Database, known: dict):
        self.store, self.known = store, known
        manager = known["manager"]
        self.colleague = next(p for p in people.list_people(store, manager)
                              if p["role"] == "staff" and p["email"] != "staff@demo.board")
        self.categories = settings.load(store).categories

    # suggestions of the Billing team, Kuala Lumpur (in scope for staff, manager, regional manager, leader)
    def suggestion(self, *, author=None, anonymous: bool = False, days_ago: int = 0):
        author = author or people.get_person(self.store, self.colleague["id"])
        draft = Draft(kind="improvement", category=self.categories[0], title=f"Matrix target {secrets.token_hex(4)}",
                      description="A suggestion made by the access matrix test.", anonymous=anonymous)
        return suggestions.submit(self.store, author, draft, categories=self.categories,
                                  submission_key=secrets.token_hex(16),
                                  now=datetime.utcnow() - timedelta(days=days_ago))

    def draft(self) -> int:
        manager = self.known["manager"]
        return minutes.start_draft(self.store, manager, team_id=manager.team_id, office_id=manager.office_id,
                                   today=TODAY)

    def doc(self) -> dict:
        manager, staff = self.known["manager"], self.known["staff"]
        return {"meeting_date": TODAY.isoformat(), "chair_id": manager.id, "attendee_ids": [manager.id, staff.id],
                "items": [{"id": None, "kind": "real_problem", "category": None, "discussed": "Queues at lunch.",
                           "solution": "Stagger breaks.", "suggestion_ids": [],
                           "actions": [{"id": None, "description": "Draft the rota", "owner_id": staff.id,
                                        "due_date": (TODAY + timedelta(days=7)).isoformat(), "status": "open"}]}]}

    def meeting(self) -> int:
        """Published minutes of the Billing team, recorded by the manager, with an action owned by staff."""
        meeting_id = self.draft()
        minutes.publish(self.store, self.known["manager"], meeting_id, self.doc(), today=TODAY,
                        categories=self.categories)
        return meeting_id

    def action(self) -> int:
        meeting = minutes.get_meeting(self.store, self.known["manager"], self.meeting())
        return meeting["items"][0]["actions"][0]["id"]

    def comment_group(self) -> dict:
        """A team-level pulse group of the Billing team, Kuala Lumpur, shown (k reached) and with comments."""
        if not hasattr(self, "_group"):
            k = settings.load(self.store).anonymity_k
            team = self.known["manager"].team_id
            for row in reversed(reports.morale(self.store, self.known["leader"], k=k, level="team")):
                if row["team_id"] == team and not row["suppressed"] and reports.pulse_comments(
                        self.store, self.known["leader"], k=k, period_id=row["period_id"], level="team",
                        group_id=team):
                    self._group = {"k": k, "period_id": row["period_id"], "level": "team", "group_id": team}
                    break
            else:
                raise AssertionError("the demo has no shown pulse group with comments for the Billing team")
        return self._group


@dataclass(frozen=True)
class Action:
    name: str  # module.function, as the meta-test finds it
    call: Callable[[Ctx, object], object]
    expect: dict[str, str]


def _escalation_target(c: Ctx, p) -> int:
    """A suggestion the role could escalate if anyone may: team level, or region level for a regional manager."""
    receipt = c.suggestion()
    if p.role == "regional_manager":
        triage.escalate(c.store, c.known["manager"], receipt.id)
    return receipt.id


def _own_unit(c: Ctx, p) -> dict:
    """Where the person would record minutes: the first unit offered, else their own team."""
    units = minutes.recordable_units(c.store, p)
    unit = units[0] if units else {"team_id": p.team_id, "office_id": p.office_id}
    return {"team_id": unit["team_id"], "office_id": unit["office_id"]}


def _roster_row(c: Ctx) -> bytes:
    """A roster file adding one new staff member to the admin's own team (Billing, Dublin)."""
    return (",".join(roster.ROSTER_COLUMNS) + f"\nmatrix-{secrets.token_hex(4)}@example.com,Matrix Person,staff,"
            "Europe,Dublin,Billing,\n").encode()


def _holiday_row(c: Ctx, person) -> bytes:
    """A holiday file naming the person's own office, a day far ahead (no figure depends on it)."""
    return f"office,date,name\n{person.office},2031-06-02,Matrix day\n".encode()


def _org_row() -> bytes:
    """An organisation file adding one new team to the Dublin office."""
    return f"region,office,team\nEurope,Dublin,Matrix {secrets.token_hex(4)}\n".encode()


def _settings_now(c: Ctx) -> dict:
    s = settings.load(c.store)
    return {"anonymity_k": s.anonymity_k, "ack_sla_days": s.ack_sla_days, "categories": list(s.categories),
            "pulse_period_days": s.pulse_period_days}


ANSWER = pulse.Answer(mood=4, enps=8, empowered=4, tools=3, acted_on=3, workload=3, proud=4, comment="")

ACTIONS = [
    # suggestions: everyone raises and reads within their scope (admin's scope is Dublin, not Kuala Lumpur)
    Action("suggestions.submit", lambda c, p: c.suggestion(author=p), only(*ROLES)),
    Action("suggestions.browse", lambda c, p: suggestions.browse(c.store, p), only(*ROLES)),
    Action("suggestions.get", lambda c, p: suggestions.get(c.store, p, c.suggestion().id), only(*LINE)),
    Action("suggestions.discussed_in", lambda c, p: suggestions.discussed_in(c.store, p, c.suggestion().id),
           only(*ROLES)),
    Action("suggestions.similar", lambda c, p: suggestions.similar(c.store, p, "billing screens", "slow"),
           only(*ROLES)),
    Action("suggestions.mine", lambda c, p: suggestions.mine(c.store, p), only(*ROLES)),
    Action("suggestions.vote", lambda c, p: suggestions.vote(c.store, p, c.suggestion().id), only(*LINE)),
    Action("suggestions.comment", lambda c, p: suggestions.comment(c.store, p, c.suggestion().id, "Same here."),
           only(*LINE)),
    Action("suggestions.anonymity_at_risk", lambda c, p: suggestions.anonymity_at_risk(c.store, p, 5), only(*ROLES)),
    # the code is the only key to an anonymous suggestion: whoever holds it follows, answers and escalates
    Action("suggestions.follow", lambda c, p: suggestions.follow(c.store, p, c.suggestion(anonymous=True).code),
           only(*ROLES)),
    Action("suggestions.author_reply",
           lambda c, p: suggestions.author_reply(c.store, p, c.suggestion(anonymous=True).code, "More detail."),
           only(*ROLES)),
    Action("triage.escalate_with_code",
           lambda c, p: triage.escalate_with_code(c.store, p, c.suggestion(anonymous=True, days_ago=30).code,
                                                  today=TODAY, sla_days=5), only(*ROLES)),
    Action("triage.escalate_as_author",
           lambda c, p: triage.escalate_as_author(c.store, p, c.suggestion(author=c.known["staff"], days_ago=30).id,
                                                  today=TODAY, sla_days=5), only("staff")),
    # triage: managers and up, each within the suggestion's team, region or the whole organisation
    Action("triage.queue", lambda c, p: triage.queue(c.store, p, today=TODAY, sla_days=5), only(*TRIAGERS)),
    Action("triage.queue_counts", lambda c, p: triage.queue_counts(c.store, p, today=TODAY, sla_days=5),
           only(*TRIAGERS)),
    Action("triage.queue_total", lambda c, p: triage.queue_total(c.store, p, today=TODAY, sla_days=5),
           only(*TRIAGERS)),
    Action("triage.queue_owners", lambda c, p: triage.queue_owners(c.store, p), only(*TRIAGERS)),
    Action("triage.plan", lambda c, p: triage.plan(c.store, p, c.suggestion().id, to="planned", today=TODAY),
           only(*TRIAGERS)),
    Action("triage.act", lambda c, p: triage.act(c.store, p, c.suggestion().id, to="planned",
                                                 reply="Planned for January.", today=TODAY), only(*TRIAGERS)),
    Action("triage.change_status",
           lambda c, p: triage.change_status(c.store, p, c.suggestion().id, "acknowledged"), only(*TRIAGERS)),
    Action("triage.assign", lambda c, p: triage.assign(c.store, p, c.suggestion().id, c.known["staff"].id),
           only(*TRIAGERS)),
    Action("triage.set_due", lambda c, p: triage.set_due(c.store, p, c.suggestion().id, TODAY + timedelta(days=7),
                                                         today=TODAY), only(*TRIAGERS)),
    Action("triage.reply", lambda c, p: triage.reply(c.store, p, c.suggestion().id, "We are on it."),
           only(*TRIAGERS)),
    # a manager escalates to the region, a regional manager to leadership; leadership is the top
    Action("triage.escalate", lambda c, p: triage.escalate(c.store, p, _escalation_target(c, p)),
           only("manager", "regional_manager", leader=INVALID)),
    # minutes: managers record their team's, regional managers any office's of their region; the author edits
    Action("minutes.carried_actions", lambda c, p: minutes.carried_actions(c.store, p, c.draft(), today=TODAY),
           only("manager")),
    Action("minutes.recordable_units", lambda c, p: minutes.recordable_units(c.store, p),
           only("manager", "regional_manager", other=EMPTY)),
    Action("minutes.start_draft", lambda c, p: minutes.start_draft(c.store, p, **_own_unit(c, p), today=TODAY),
           only("manager", "regional_manager")),
    Action("minutes.my_drafts", lambda c, p: minutes.my_drafts(c.store, p), only(*ROLES)),
    Action("minutes.save_draft", lambda c, p: minutes.save_draft(c.store, p, c.draft(), c.doc()), only("manager")),
    Action("minutes.load_for_editing", lambda c, p: minutes.load_for_editing(c.store, p, c.draft()),
           only("manager")),
    Action("minutes.publish", lambda c, p: minutes.publish(c.store, p, c.draft(), c.doc(), today=TODAY,
                                                           categories=c.categories), only("manager")),
    Action("minutes.amend", lambda c, p: minutes.amend(c.store, p, c.meeting(), c.doc(), today=TODAY,
                                                       categories=c.categories), only("manager")),
    Action("minutes.list_minutes", lambda c, p: minutes.list_minutes(c.store, p), only(*ROLES)),
    Action("minutes.get_meeting", lambda c, p: minutes.get_meeting(c.store, p, c.meeting()), only(*LINE)),
    Action("minutes.version_content", lambda c, p: minutes.version_content(c.store, p, c.meeting(), 1),
           only(*LINE)),
    # actions: the owner or the minutes' author closes one; managers and up see their unit's open ones
    Action("actions.mine", lambda c, p: actions.mine(c.store, p, today=TODAY), only(*ROLES)),
    Action("actions.team_open", lambda c, p: actions.team_open(c.store, p, today=TODAY), only(*TRIAGERS)),
    Action("actions.close", lambda c, p: actions.close(c.store, p, c.action(), "done"), only("staff", "manager")),
    Action("actions.get", lambda c, p: actions.get(c.store, p, c.action(), today=TODAY), only(*LINE)),
    Action("actions.team_units", lambda c, p: actions.team_units(c.store, p, today=TODAY), only(*TRIAGERS)),
    Action("actions.team_owners", lambda c, p: actions.team_owners(c.store, p, today=TODAY), only(*TRIAGERS)),
    # review: regional managers only, their region's minutes
    Action("review.queue", lambda c, p: review.queue(c.store, p), only("regional_manager")),
    Action("review.review", lambda c, p: review.review(c.store, p, c.meeting(), "reviewed"),
           only("regional_manager")),
    Action("review.verdicts_for_author", lambda c, p: review.verdicts_for_author(c.store, p), only(*ROLES)),
    # pulse: everyone answers; results for managers and up, only for their groups
    Action("pulse.submit", lambda c, p: pulse.submit(c.store, p, ANSWER, today=FAR, length_days=14), only(*ROLES)),
    Action("pulse.has_answered", lambda c, p: pulse.has_answered(c.store, p, today=TODAY, length_days=14),
           only(*ROLES)),
    # pulse results (figures, comments, participation): staff see none, an admin is refused them outright
    Action("reports.morale", lambda c, p: reports.morale(c.store, p, k=5, level="team"),
           only(*TRIAGERS, staff=EMPTY)),
    Action("reports.participation", lambda c, p: reports.participation(c.store, p), only(*TRIAGERS)),
    Action("reports.pulse_comments", lambda c, p: reports.pulse_comments(c.store, p, **c.comment_group()),
           only(*TRIAGERS, staff=EMPTY)),
    # office overview: regional managers and leaders, every office's minutes figures: not the admin's
    Action("reports.minutes_overview",
           lambda c, p: reports.minutes_overview(c.store, p, months=[TODAY.replace(day=1)], today=TODAY),
           only("regional_manager", "leader")),
    Action("reports.admin_attention", lambda c, p: reports.admin_attention(c.store, p), only("admin")),
    Action("reports.team_summary", lambda c, p: reports.team_summary(c.store, p), only(*ROLES)),
    Action("reports.own_team_morale", lambda c, p: reports.own_team_morale(c.store, p, k=5), only(*LINE)),
    Action("reports.you_said_we_did", lambda c, p: reports.you_said_we_did(c.store, p), only(*ROLES)),
    Action("reports.teams_without_manager", lambda c, p: reports.teams_without_manager(c.store, p),
           only(*TRIAGERS, "admin")),
    Action("reports.offices_in_scope", lambda c, p: reports.offices_in_scope(c.store, p), only(*TRIAGERS, "admin")),
    # people and administration: roster reads for the line managers in their scope, the whole roster for admins
    Action("people.list_people", lambda c, p: people.list_people(c.store, p), only(*TRIAGERS, "admin")),
    Action("people.change_person",
           lambda c, p: people.change_person(c.store, p, c.colleague["id"], role="staff", active=True), only("admin")),
    Action("accounts.admin_set_password",
           lambda c, p: accounts.admin_set_password(c.store, p, c.colleague["id"], "a-long-enough-password"),
           only("admin")),
    # everyone changes their own password, with the current one
    Action("accounts.change_own_password",
           lambda c, p: (accounts.set_password(c.store, p.id, "the matrix's current password"),
                         accounts.change_own_password(c.store, p, "the matrix's current password", "a new passphrase")),
           only(*ROLES)),
    Action("settings.save", lambda c, p: settings.save(c.store, p, **_settings_now(c)), only("admin")),
    Action("settings.save_languages",
           lambda c, p: settings.save_languages(c.store, p, default_locale="es", category_names={}), only("admin")),
    # everyone chooses their own language
    Action("people.set_locale", lambda c, p: people.set_locale(c.store, p, "pl"), only(*ROLES)),
    # office calendars and holidays: the admin's; a person's own zone and day: anyone's
    Action("calendar.offices", lambda c, p: calendar.offices(c.store, p), only("admin")),
    Action("calendar.admin_save", lambda c, p: calendar.admin_save(c.store, p, p.office_id, time_zone=None,
                                                                   working_days=[0, 1, 2, 3, 4]), only("admin")),
    Action("calendar.admin_plan_holidays",
           lambda c, p: calendar.admin_plan_holidays(c.store, p, _holiday_row(c, p)), only("admin")),
    Action("calendar.admin_import_holidays",
           lambda c, p: calendar.admin_import_holidays(c.store, p, _holiday_row(c, p)), only("admin")),
    Action("calendar.coming_holidays", lambda c, p: calendar.coming_holidays(c.store, p, today=TODAY),
           only("admin")),
    Action("calendar.person_zone", lambda c, p: calendar.person_zone(c.store, p), only(*ROLES)),
    Action("calendar.person_today", lambda c, p: calendar.person_today(c.store, p, datetime(2026, 12, 2, 12)),
           only(*ROLES)),
    Action("audit.recent", lambda c, p: audit.recent(c.store, p, 5), only("admin")),
    Action("personal_data.export", lambda c, p: personal_data.export(c.store, p, p.id), only(*ROLES)),  # their own
    Action("personal_data.export", lambda c, p: personal_data.export(c.store, p, c.colleague["id"]), only("admin")),
    # an admin may erase a leaver only: the colleague is active, so the admin is told to deactivate them first
    Action("personal_data.erase", lambda c, p: personal_data.erase(c.store, p, c.colleague["id"]),
           only(admin=INVALID)),
    Action("roster.admin_plan_roster", lambda c, p: roster.admin_plan_roster(c.store, p, _roster_row(c)),
           only("admin")),
    Action("roster.admin_import_roster", lambda c, p: roster.admin_import_roster(c.store, p, _roster_row(c)),
           only("admin")),
    Action("roster.admin_import_org", lambda c, p: roster.admin_import_org(c.store, p, _org_row()), only("admin")),
    # no backup here: a copy of every table is the server operator's, on the command line (test_backup.py)
    # dashboards: managers and up within their scope; the unfiltered newest feed is the leader's
    *[Action(f"dashboard.{name}", (lambda fn: lambda c, p: fn(c.store, p, EVERYTHING))(getattr(dashboard, name)),
             only(*TRIAGERS))
      for name in ("funnel", "monthly", "response_times", "categories", "escalations", "minutes_monthly",
                   "ack_days", "versus_level")],
    Action("dashboard.ageing", lambda c, p: dashboard.ageing(c.store, p, EVERYTHING, today=TODAY,
                                                             sla_cutoff=TODAY - timedelta(days=7)), only(*TRIAGERS)),
    Action("dashboard.drill", lambda c, p: dashboard.drill(c.store, p, EVERYTHING, status="new"), only(*TRIAGERS)),
    Action("dashboard.drill_meetings",
           lambda c, p: dashboard.drill_meetings(c.store, p, EVERYTHING, month=TODAY.replace(day=1)), only(*TRIAGERS)),
    Action("dashboard.drill_actions",
           lambda c, p: dashboard.drill_actions(c.store, p, EVERYTHING, month=TODAY.replace(day=1), today=TODAY),
           only(*TRIAGERS)),
    Action("dashboard.units_in_scope", lambda c, p: dashboard.units_in_scope(c.store, p), only(*TRIAGERS)),
    Action("dashboard.minutes_coverage", lambda c, p: dashboard.minutes_coverage(c.store, p, EVERYTHING),
           only(*TRIAGERS)),
    Action("dashboard.morale_view", lambda c, p: dashboard.morale_view(c.store, p, EVERYTHING, k=5, level="team"),
           only(*TRIAGERS)),
    Action("dashboard.tab_tables",
           lambda c, p: dashboard.tab_tables(c.store, p, EVERYTHING, today=TODAY, sla_cutoff=TODAY - timedelta(days=7),
                                             k=5), only(*TRIAGERS)),
    Action("dashboard.moods", lambda c, p: dashboard.moods(c.store, p, EVERYTHING, k=5), only(*TRIAGERS)),
    Action("dashboard.newest", lambda c, p: dashboard.newest(c.store, p, EVERYTHING), only("leader")),
    # everyone's own inbox and the shared playbook
    Action("inbox.unread_count", lambda c, p: inbox.unread_count(c.store, p), only(*ROLES)),
    Action("inbox.updates", lambda c, p: inbox.updates(c.store, p), only(*ROLES)),
    Action("inbox.count", lambda c, p: inbox.count(c.store, p), only(*ROLES)),
    Action("inbox.mark_all_read", lambda c, p: inbox.mark_all_read(c.store, p), only(*ROLES)),
    Action("playbook.search", lambda c, p: playbook.search(c.store, p, text="billing"), only(*ROLES)),
    Action("playbook.groups", lambda c, p: playbook.groups(c.store, p, text="billing"), only(*ROLES)),
    Action("playbook.entry", lambda c, p: playbook.entry(c.store, p, playbook.search(c.store, p, limit=1)[0]["key"]),
           only(*ROLES)),
]

# Functions taking a Person that are not actions: pure predicates and SQL builders, checked through the actions
# above that use them.
NOT_ACTIONS = {
    "triage.can_escalate", "triage.queue_scope", "minutes.visible", "dashboard.scope_sql",
}
MODULES = (suggestions, triage, minutes, actions, review, pulse, people, settings, reports, dashboard, inbox,
           playbook, accounts, backup, audit, roster, personal_data, calendar)


def outcome(action: Action, ctx: Ctx, person) -> str:
    try:
        result = action.call(ctx, person)
    except NotAllowed:
        return DENIED
    except Invalid:
        return INVALID
    # Only where the table uses EMPTY is an empty answer the refusal; elsewhere empty is a fine answer.
    return EMPTY if EMPTY in action.expect.values() and result in ([], {}, ()) else OK
