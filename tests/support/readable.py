"""Everything a person reads on a page run in AppTest, and the rules that text keeps (issue 15, "Raw values"):
no raw enum value, no None / nan / NaT / null, no snake_case word, no count printed as a float ("11.0"), no table
header left as a lower-case column name ("kind"),
no time of day printed to the second or a midnight "00:00". Also the real items of the demo organisation that
each role may open, for the pages that show one item (/suggestion?id=N, /minutes?id=N, /action?id=N).

    found = problems(pieces(at))   # [] when the page reads as written for people

Text is collected from the element tree, not from a list of known element kinds, so a new kind of element is
read too: every string field of an element that a person sees (label, body, title, help, placeholder, options,
captions, delta...), the cells and headers of tables as Streamlit's grid draws them (a null cell reads "None",
a timestamp "2026-11-01 00:00:00"), expander, tab and popover labels, and plotly charts' titles, axis titles,
legend names, categories and hover templates."""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from board.feedback import suggestions as feedback
from board.feedback import workflow
from board.meetings import minutes, review
from board.morale import pulse
from board.notify import kinds, outbox
from board.org import access
from board.reporting import reports

# --- the raw values the code knows, built from its own tables so the list stays true ------------------------------

# source -> {key: the label a person should read instead, or "" where the code has no label}
SOURCES: dict[str, dict[str, str]] = {
    "suggestion status (board.feedback.workflow.STATUSES)": dict(workflow.STATUS_LABELS),
    "suggestion kind (board.feedback.workflow.KINDS)": dict(workflow.KINDS),
    "how real (board.feedback.workflow.LIKELIHOODS)": dict(workflow.LIKELIHOODS),
    "level (board.feedback.workflow.LEVELS)": dict(workflow.LEVEL_LABELS),
    "role (board.org.access.ROLES)": dict(access.ROLE_LABELS),
    "review verdict (board.meetings.review.VERDICTS)": dict(review.VERDICTS),
    "minutes item kind (board.meetings.minutes.ITEM_KINDS)": dict(minutes.ITEM_KINDS),
    "notification kind (board.feedback.suggestions.NOTIFY_KINDS)": {key: "" for key in feedback.NOTIFY_KINDS},
    "pulse statement key (board.morale.pulse.STATEMENTS)": {key: "" for key in pulse.STATEMENTS},
    "pulse level (board.reporting.reports.MORALE_LEVELS)": {key: "" for key in reports.MORALE_LEVELS},
    "access reach (board.org.access.REACHES)": {key: "" for key in access.REACHES},
    "message kind (board.notify.kinds.SHORT)": dict(kinds.SHORT),
    "delivery mode (board.notify.kinds.MODES)": dict(kinds.MODES),
    "outbox state (board.notify.outbox.STATE_LABELS)": dict(outbox.STATE_LABELS),
}


def _raw_tokens() -> dict[str, str]:
    """Keys that are never a word of English (they hold an underscore): anywhere in any text they are a raw value."""
    tokens: dict[str, list[str]] = {}
    for source, table in SOURCES.items():
        for key in table:
            if "_" in key:
                tokens.setdefault(key, []).append(source)
    return {key: " or ".join(sources) for key, sources in tokens.items()}


def _raw_alone() -> dict[str, str]:
    """Single-word keys ("new", "planned", "staff", "org") are also words, so inside a sentence they may be meant as
    words; a value standing alone (a table cell, an option, a metric) equal to the key, where the code has a label
    that differs (New, Staff, Whole organisation) or none at all for a word that is not English ("org"), is raw."""
    alone = {}
    for source, table in SOURCES.items():
        for key, label in table.items():
            if "_" not in key and ((label and label != key) or key in NOT_WORDS):
                alone[key] = source
    return alone


NOT_WORDS = {"org"}  # single-word keys that are abbreviations, not words a person writes
RAW_TOKENS = _raw_tokens()
RAW_ALONE = _raw_alone()

# --- the rules -----------------------------------------------------------------------------------------------------

URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")  # addresses and e-mails are not prose
SNAKE = re.compile(r"(?<![\w/.\\-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/\\-])")
RAW_TOKEN = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, RAW_TOKENS), key=len, reverse=True))
                       + r")(?![\w-])", re.IGNORECASE)
# Python's None printed into text; "None of ...", "None yet" (None followed by a lower-case word) is English.
NONE = re.compile(r"(?<![\w-])None(?![\w-])(?! [a-z])")
MISSING = re.compile(r"(?<![\w-])(nan|NaN|NaT|null|<NA>)(?![\w-])")
# A count printed as a float: "11.0" standing alone (a cell, a metric), or beside what it counts ("from 11.0 answers",
# "Responses: 11.0"). An average printed to one decimal ("Mood 4.0 out of 5", "50.0%") is a measure, not a count.
COUNTED = (r"(?:answers?|responses?|people|persons?|suggestions?|votes?|\+1s?|actions?|meetings?|items?|members?"
           r"|replies|reply|comments?|problems?|solutions?|teams?|offices?|staff|managers?|minutes|reviews?)")
FLOAT_NUMBER = r"(?<![\w.])[+-]?\d+\.0(?![\d.%\w])"
FLOAT_ALONE = re.compile(rf"^\s*{FLOAT_NUMBER}\s*$")
FLOAT_COUNT = re.compile(rf"{FLOAT_NUMBER}(?=\s+{COUNTED}\b)|\b{COUNTED}:\s*{FLOAT_NUMBER}", re.IGNORECASE)
SECONDS = re.compile(r"(?<!\d)\d{2}:\d{2}:\d{2}(?:\.\d+)?(?!\d)")  # a time to the second: a raw datetime printed
# A day-only time printed as a time ("2026-11-01 00:00"). A time the app shows names its zone ("00:05 UTC+8"): a
# real midnight in the viewer's zone is a time like any other (a day-only moment is never converted to a zone).
MIDNIGHT = re.compile(r"(?<![\d:])00:00(?![:\d])(?! UTC)")


@dataclass(frozen=True)
class Piece:
    """One thing a person reads: where it is on the page, and its text as shown."""

    where: str
    text: str
    alone: bool = False  # a value standing alone (cell, option, metric value) rather than prose
    header: bool = False  # a table's column header


@dataclass
class Problem:
    """One break of a rule at one place (a table column counts once, with the number of its cells that break it)."""

    rule: str
    where: str
    text: str
    times: int = 1

    def __str__(self) -> str:
        return f"{self.rule}: {self.where}: {self.text!r}" + (f" (and {self.times - 1} more)" if self.times > 1 else "")


def _excerpt(text: str, start: int, end: int, width: int = 40) -> str:
    left, right = max(0, start - width), min(len(text), end + width)
    return ("..." if left else "") + text[left:right] + ("..." if right < len(text) else "")


def breaks(piece: Piece) -> Iterator[tuple[str, str, str]]:
    """(rule, the text that breaks it, an excerpt around it) for each break in one piece."""
    text = URL.sub(" ", piece.text)
    raw = set()
    for match in RAW_TOKEN.finditer(text):
        raw.add(match.group(0).lower())
        yield (f"raw value {match.group(0)!r} ({RAW_TOKENS[match.group(0).lower()]})", match.group(0),
               _excerpt(text, match.start(), match.end()))
    for match in SNAKE.finditer(text):
        if match.group(0).lower() not in raw:
            yield f"snake_case word {match.group(0)!r}", match.group(0), _excerpt(text, match.start(), match.end())
    if piece.alone and piece.text.strip() in RAW_ALONE:
        value = piece.text.strip()
        yield f"raw value {value!r} ({RAW_ALONE[value]})", value, value
    if piece.header and piece.text[:1].islower() and piece.text == piece.text.lower():  # "eNPS" is written so
        yield "header written as a column name (lower case)", piece.text, piece.text
    count = FLOAT_ALONE if piece.alone else FLOAT_COUNT
    for rule, pattern in (("None shown", NONE), ("missing value shown", MISSING),
                          ("count printed as a float", count),
                          ("time printed to the second", SECONDS), ("midnight time (a day-only moment)", MIDNIGHT)):
        for match in pattern.finditer(text):
            yield rule, match.group(0).strip(), _excerpt(text, match.start(), match.end())


def problems(found: list[Piece]) -> list[Problem]:
    """Every break of the rules in the pieces, once per rule, place and offending text, in page order."""
    out: dict[tuple[str, str, str], Problem] = {}
    for piece in found:
        for rule, offending, excerpt in breaks(piece):
            key = (rule, piece.where, offending)
            if key in out:
                out[key].times += 1
            else:
                out[key] = Problem(rule, piece.where, excerpt)
    return list(out.values())


# --- what a page shows ---------------------------------------------------------------------------------------------

# String fields of an element's proto that a person reads (or a screen reader says). Ids, keys, icons, formats, page
# paths and raw values (a selectbox's raw_value) are not read.
READ_FIELDS = ("title", "label", "body", "help", "placeholder", "options", "captions", "delta", "delta_description",
               "alt", "validate_message", "code_text", "message")
TYPED_VALUE_FIELDS = ("default", "value")  # what a text input or text area shows in its box
LITERAL = {"text", "code", "text_input", "text_area"}  # elements whose text is shown as it is (no markdown)
SHORTCODE = re.compile(r":(?:material/)?[a-z0-9_+-]+:")  # :material/open_in_new: and emoji shortcodes are icons
MD_LINK_TARGET = re.compile(r"\]\([^)]*\)")
MD_ESCAPE = re.compile(r"\\(.)")
TAG = re.compile(r"<[^>]+>")
SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.DOTALL | re.IGNORECASE)


def _markdown_text(text: str) -> str:
    """What a markdown string shows: no link targets, no icon shortcodes, escapes resolved, no tags."""
    text = MD_LINK_TARGET.sub("]", text)
    text = SHORTCODE.sub(" ", text)
    text = MD_ESCAPE.sub(r"\1", text)
    return TAG.sub(" ", SCRIPT.sub(" ", text))


def pieces(at) -> list[Piece]:
    """Everything the page shows a person, in page order (main area, then sidebar)."""
    out: list[Piece] = []
    for exception in at.exception:
        out.append(Piece("exception", f"an error reached the page: {exception.value}"))
    for name, block in (("main", at.main), ("sidebar", at.sidebar)):
        out.extend(_walk(block, name))
    return out


def _walk(node, where: str) -> Iterator[Piece]:
    kind = getattr(node, "type", "")
    children = getattr(node, "children", None)
    if children is not None:  # a block: its own label (expander, tab, popover, dialog), then its children
        proto = node.proto
        sub = proto
        if proto is not None and hasattr(proto, "WhichOneof") and proto.DESCRIPTOR.name == "Block":
            one = proto.WhichOneof("type")
            sub = getattr(proto, one) if one else None
        label = _proto_strings(sub, kind) if sub is not None else []
        inner = where
        for field, text in label:
            yield Piece(f"{where} > {kind} {field}", _markdown_text(text))
            inner = f"{where} > {kind} {text[:30]!r}"
        for child in children.values():
            yield from _walk(child, inner)
        return
    if kind in ("dataframe", "table"):
        yield from _table(node, where)
        return
    if kind == "plotly_chart":
        yield from _plotly(node.proto.spec, where)
        return
    if kind == "exception":  # listed once, by pieces()
        return
    for field, text in _proto_strings(getattr(node, "proto", None), kind):
        shown = text if kind in LITERAL else _markdown_text(text)
        name = getattr(node, "label", "") if field != "label" else ""
        at = f"{where} > {kind}" + (f" {name[:40]!r}" if name else "") + f" {field}"
        yield Piece(at, shown, alone=field == "options" or (kind == "metric" and field == "body"))


def _proto_strings(proto, kind: str) -> list[tuple[str, str]]:
    """The read fields of a proto message: (field, text), repeated fields one by one."""
    if proto is None or not hasattr(proto, "ListFields"):
        return []
    wanted = READ_FIELDS + (TYPED_VALUE_FIELDS if kind in ("text_input", "text_area") else ())
    out = []
    for field, value in proto.ListFields():
        if field.name not in wanted:
            continue
        if field.type == field.TYPE_STRING:
            values = list(value) if field.is_repeated else [value]
            out += [(field.name, v) for v in values if v]
        elif field.type == field.TYPE_MESSAGE and field.name == "options":  # button groups: options with content
            out += [(field.name, getattr(o, "content", "")) for o in value if getattr(o, "content", "")]
    return out


# --- tables: as Streamlit's grid draws them --------------------------------------------------------------------------

def _table(node, where: str) -> Iterator[Piece]:
    frame: pd.DataFrame = node.value
    config = json.loads(node.proto.columns) if getattr(node.proto, "columns", "") else {}
    order = list(getattr(node.proto, "column_order", []) or [])
    index_shown = not config.get("_index", {}).get("hidden", False) and node.type == "dataframe"
    title = f"{where} > {node.type}"
    columns = [c for c in frame.columns if not config.get(str(c), {}).get("hidden")]
    if order:
        columns = [c for c in columns if str(c) in order]
    if index_shown and any(name is not None for name in frame.index.names):
        for name in frame.index.names:
            if name is not None:
                yield Piece(f"{title} header", str(name), header=True)
    for column in columns:
        settings = config.get(str(column), {})
        header = settings.get("label") or str(column)
        yield Piece(f"{title} header", header, header=True)
        cells = frame[column]
        boolean = cells.dtype == bool or pd.api.types.is_bool_dtype(cells.dtype)
        formatted = bool(settings.get("type_config", {}).get("format"))
        for value in cells.tolist():
            shown = _cell(value, boolean=boolean, formatted=formatted)
            if shown is not None:
                yield Piece(f"{title} column {header!r}", shown, alone=True)


def _cell(value, *, boolean: bool, formatted: bool) -> str | None:
    """A cell as the grid draws it (checked in chromium with Streamlit 1.67): null -> "None" (a boolean column: an
    empty box), a float -> without ".0" when whole, a timestamp -> "YYYY-MM-DD HH:MM:SS" unless the column has a
    format. None is returned for what draws no text (booleans)."""
    if boolean or isinstance(value, bool):
        return None
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "None"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (pd.Timestamp, datetime.datetime)):
        return None if formatted else f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, datetime.date):
        return None if formatted else f"{value:%Y-%m-%d}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


# --- plotly charts ---------------------------------------------------------------------------------------------------

HOVER_FIELD = re.compile(r"%\{[^}]*\}")


def _plotly(spec: str, where: str) -> Iterator[Piece]:
    figure = json.loads(spec)
    layout, title = figure.get("layout", {}), f"{where} > chart"

    def text_of(value) -> str:
        return value.get("text", "") if isinstance(value, dict) else value if isinstance(value, str) else ""

    for key, value in layout.items():
        if key == "title" or key.startswith(("xaxis", "yaxis")) or key == "legend":
            if isinstance(value, dict):
                shown = text_of(value.get("title")) if key != "title" else text_of(value)
                if shown:
                    yield Piece(f"{title} {key} title", TAG.sub(" ", shown))
                for tick in value.get("ticktext", []) or []:
                    yield Piece(f"{title} {key} tick", str(tick), alone=True)
    for note in layout.get("annotations", []) or []:
        if note.get("text"):
            yield Piece(f"{title} annotation", TAG.sub(" ", note["text"]))
    for number, trace in enumerate(figure.get("data", []), start=1):
        name = trace.get("name")
        if isinstance(name, str) and name and trace.get("showlegend", True) is not False:
            yield Piece(f"{title} trace {number} name", name, alone=True)
        if trace.get("hovertemplate"):
            yield Piece(f"{title} trace {number} hover", TAG.sub(" ", HOVER_FIELD.sub(" ", trace["hovertemplate"])))
        for axis in ("x", "y", "labels", "text"):
            values = trace.get(axis)
            if isinstance(values, list):
                for value in values:
                    if isinstance(value, str):
                        yield Piece(f"{title} trace {number} {axis}", value, alone=True)


# --- the demo's items that a person may open ---------------------------------------------------------------------

@dataclass(frozen=True)
class Items:
    """Real ids, within the person's scope, of the richest items of each kind in the demo data."""

    suggestion: int  # named, with the most events (replies, comments, status changes)
    anonymous: int | None  # an anonymous one with the most events, if any is in scope
    meeting: int  # published minutes with the most items, links and actions
    action: int  # an action the person may open (their own first)
    entry: str | None  # a playbook entry ("m12": a minutes item with a solution)


def demo_items(store, person: access.Person) -> Items:
    """The richest items of each kind that the person may open, chosen with the same scope rules the pages use."""
    suggestions, s_params = access.where(person, "read_suggestions", "s")
    meetings, m_params = access.where(person, "read_minutes", "m")
    events = "(SELECT count(*) FROM suggestion_events e WHERE e.suggestion_id = s.id)"
    with store.read() as con:
        def richest(anonymous: bool) -> int | None:
            return con.scalar(f"SELECT s.id FROM suggestions s WHERE s.anonymous = {'TRUE' if anonymous else 'FALSE'}"
                              f" AND {suggestions} ORDER BY {events} DESC, s.id LIMIT 1", s_params)

        meeting = con.scalar(
            "SELECT m.id FROM meetings m WHERE m.status = 'published' AND " + meetings
            + " ORDER BY (SELECT count(*) FROM meeting_items i WHERE i.meeting_id = m.id AND NOT i.removed)"
            " + (SELECT count(*) FROM item_links l JOIN meeting_items i ON i.id = l.item_id WHERE i.meeting_id = m.id)"
            " + (SELECT count(*) FROM action_items a WHERE a.meeting_id = m.id AND NOT a.removed) DESC, m.id LIMIT 1",
            m_params)
        action = con.scalar(
            "SELECT a.id FROM action_items a JOIN meetings m ON m.id = a.meeting_id WHERE NOT a.removed"
            f" AND m.status = 'published' AND (a.owner_id = ? OR {meetings})"
            " ORDER BY a.owner_id = ? DESC, a.status = 'open' DESC, a.id LIMIT 1", (person.id, *m_params, person.id))
        entry = con.scalar(
            "SELECT i.id FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id WHERE NOT i.removed"
            f" AND i.solution <> '' AND m.status = 'published' AND {meetings} ORDER BY i.id LIMIT 1", m_params)
        named, anonymous = richest(False), richest(True)
    assert named is not None and meeting is not None and action is not None, (
        f"the demo data has no suggestion, minutes or action that {person.email} may open")
    return Items(suggestion=named, anonymous=anonymous, meeting=meeting, action=action,
                 entry=f"m{entry}" if entry is not None else None)


def visits(role: str, items: Items) -> list[tuple[str, str, dict]]:
    """(name, page key, query) of every page the role may open, and the item pages opened on a real item."""
    out = [(page, page, {}) for page, roles in access.PAGE_ROLES.items() if role in roles]
    out += [("suggestion?id", "suggestion", {"id": items.suggestion}),
            ("minutes?id", "minutes", {"id": items.meeting}),
            ("action?id", "action", {"id": items.action})]
    if items.anonymous is not None:
        out.append(("suggestion?id (anonymous)", "suggestion", {"id": items.anonymous}))
    if items.entry is not None:
        out.append(("playbook?entry", "playbook", {"entry": items.entry}))
    return [visit for visit in out if access.can_open(role, visit[1])]
