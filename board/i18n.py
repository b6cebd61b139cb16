"""Languages: every text the app shows goes through gettext catalogues, and dates and numbers through Babel, in
the viewer's locale (pure core, no Streamlit; the web app sets the locale per script run, the notification worker
per recipient).

- `_("Suggestion #{number} is now {status}.", number=n, status=s)`: the text in the current locale, placeholders
  filled after translation (a translator moves them, never drops them: tests/unit/test_catalogues.py checks).
- `ngettext("{n} day", "{n} days", n)`: the plural form the locale's rule picks (Polish has three).
- `N_("...")` marks a constant for extraction where it is defined (at import no locale is set yet); it is
  translated where shown, with `_(CONSTANT)`.

Catalogues live in board/locale/<locale>/LC_MESSAGES/messages.po, extracted and updated with Babel
(`make catalogues`: pybabel extract + update). They are compiled in memory when first used (Babel's own compiler,
fuzzy entries left out), so there is no generated file to keep in step with its source.

The pseudo-locale en-XA needs no catalogue: every text that passes through `_` comes out accented, bracketed and a
third longer ("⟦Šåvéđ·····⟧"), so a text that bypasses the catalogue stands out on a page in plain ASCII, and a
layout that cannot take a longer translation shows it.

User text is never passed through any of this: what people typed is shown as they typed it.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import get_timezone_location
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.numbers import format_percent as _babel_percent

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE = "en"  # the language the code is written in
PSEUDO = "en_XA"  # accented, lengthened English: shows every text that escaped translation
SHIPPED = ("en", "es", "pl")  # complete catalogues (CI fails on a missing or fuzzy entry)
# Each language by its own name (a person looks for their language in its own words).
NAMES = {"en": "English", "es": "Español", "pl": "Polski", PSEUDO: "Pseudo-English (translation check)"}
KNOWN = (*SHIPPED, PSEUDO)

_locale: ContextVar[str | None] = ContextVar("board_locale", default=None)
_zone: ContextVar[str | None] = ContextVar("board_zone", default=None)
# Where the locale and zone come from when nothing set them in this context: the web app registers the person's
# session (a Streamlit button's callback runs before the script sets them for the run).
_fallback: Callable[[], tuple[str | None, str | None]] | None = None
_category_names: ContextVar[Mapping[str, Mapping[str, str]] | None] = ContextVar("board_category_names", default=None)


def N_(message: str) -> str:
    """Marks a constant for the catalogue; it is translated where shown (`_(CONSTANT)`)."""
    return message


# --- which language ------------------------------------------------------------------------------------------------

def known(locale: str | None) -> str | None:
    """The supported locale a setting or a browser's tag names ("es-MX" -> "es", "pl_PL" -> "pl", "en-XA" -> the
    pseudo-locale), or None."""
    if not locale:
        return None
    tag = str(locale).strip().replace("-", "_")
    if tag.lower() == PSEUDO.lower():
        return PSEUDO
    base = tag.split("_")[0].lower()
    return base if base in SHIPPED else None


def choose(setting: str | None, browser: str | None, default: str | None) -> str:
    """The locale a person sees: their own setting, else their browser's language if it is one we speak, else the
    organisation's default, else English."""
    return known(setting) or known(browser) or known(default) or SOURCE


def current() -> str:
    """The locale texts are shown in here: set in this context, else the registered fallback's, else English."""
    locale = _locale.get()
    if locale is None and _fallback is not None:
        locale = _fallback()[0]
    return locale or SOURCE


def _zone_now() -> str:
    zone = _zone.get()
    if zone is None and _fallback is not None:
        zone = _fallback()[1]
    return zone or "UTC"


def register_fallback(read: Callable[[], tuple[str | None, str | None]]) -> None:
    """Where (locale, zone) are read when this context set none (the web app: the person's session)."""
    global _fallback
    _fallback = read


def set_locale(locale: str | None) -> None:
    """Sets the locale for the rest of this context (a Streamlit script run is one)."""
    _locale.set(known(locale) or SOURCE)


@contextmanager
def using(locale: str | None, zone: str | None = None) -> Iterator[None]:
    """The locale (and time zone) for a block, then back: a message written for a recipient in their language."""
    token = _locale.set(known(locale) or SOURCE)
    zone_token = _zone.set(zone) if zone else None
    try:
        yield
    finally:
        _locale.reset(token)
        if zone_token is not None:
            _zone.reset(zone_token)


# --- catalogues ----------------------------------------------------------------------------------------------------

def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(locale: str) -> gettext.NullTranslations:
    """The locale's catalogue, compiled in memory from its .po file (fuzzy entries left out, as pybabel compile
    does); nothing (the English source) when it has none."""
    path = po_path(locale)
    if locale == SOURCE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str, /, **values: object) -> str:
    """The message in the current locale, its {placeholders} filled with values."""
    locale = current()
    text = pseudo(message) if locale == PSEUDO else _translations(locale).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    """The plural form for n in the current locale, with {n} and the other placeholders filled."""
    locale = current()
    if locale == PSEUDO:
        text = pseudo(singular if n == 1 else plural)
    else:
        text = _translations(locale).ngettext(singular, plural, n)
    return text.format(n=format_number(n), **values)


def label(labels: Mapping[str, str], key: str) -> str:
    """A constant label (N_-marked) for a key, translated; the key itself if it has none."""
    return _(labels[key]) if key in labels else key


# --- the pseudo-locale ---------------------------------------------------------------------------------------------

_ACCENTED = dict(zip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                     "åƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ", strict=True))
# Left as they are: {placeholders}, markdown link targets "](...)", HTML entities and escapes (\n is a character).
_KEEP = re.compile(r"\{[^{}]*\}|\]\([^)]*\)|&\w+;|:material/\w+:")
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"


def pseudo(message: str) -> str:
    """The pseudo-locale's text: letters accented, a third longer, bracketed ("Saved" -> "⟦Šåṽéđ··⟧")."""
    if not message.strip():
        return message
    parts, last = [], 0
    for kept in _KEEP.finditer(message):
        parts.append("".join(_ACCENTED.get(ch, ch) for ch in message[last:kept.start()]))
        parts.append(kept.group())
        last = kept.end()
    parts.append("".join(_ACCENTED.get(ch, ch) for ch in message[last:]))
    return f"{PSEUDO_OPEN}{''.join(parts)}{'·' * (len(message) // 3)}{PSEUDO_CLOSE}"


# --- formats -------------------------------------------------------------------------------------------------------

def babel_locale() -> Locale:
    """Babel's locale for formats (the pseudo-locale formats as English)."""
    return _babel(current())


@cache
def _babel(locale: str) -> Locale:
    try:
        return Locale.parse(SOURCE if locale == PSEUDO else locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE)


def format_number(n: float) -> str:
    """A count or amount as the locale writes it ("12,345" in English, "12 345" in Polish)."""
    return format_decimal(n, locale=babel_locale())


def plotly_separators() -> str:
    """Plotly's `separators` for the viewer's locale: its decimal sign, then its grouping sign ("," + "." in
    Spanish), so the axes of a chart write numbers as the rest of the page does."""
    symbols = babel_locale().number_symbols["latn"]
    return symbols["decimal"] + symbols["group"]


def format_percent(fraction: float, digits: int = 0) -> str:
    """A fraction as a percentage in the locale's style (0.25 -> "25%", "25 %" in Spanish and Polish)."""
    if digits == 0:
        return _babel_percent(fraction, locale=babel_locale())
    pattern = re.sub(r"0(\s*%)", lambda found: "0." + "0" * digits + found.group(1),
                     str(babel_locale().percent_formats[None].pattern), count=1)
    return _babel_percent(fraction, format=pattern, locale=babel_locale())


def format_day(day: date) -> str:
    """A date as "02 Dec 2026" in the locale's month names ("02 dic 2026", "02 gru 2026")."""
    return format_date(day)


def viewer_zone() -> str:
    return _zone_now()


def set_zone(zone: str | None) -> None:
    """The viewer's time zone (their office's) for the rest of this context; UTC when unknown."""
    _zone.set(_valid_zone(zone))


def zone_info(name: str | None) -> ZoneInfo:
    """A saved time zone; UTC for none, or for a name tzdata no longer knows (a setting never makes a page or a
    job fail). The one rule for reading a zone the board stored."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _valid_zone(zone: str | None) -> str:
    return zone_info(zone).key


def offset_name(moment: datetime) -> str:
    """The viewer's zone at a moment as an offset people read anywhere: "UTC", "UTC+8", "UTC-6", "UTC+5:30"."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def in_viewer_zone(moment: datetime) -> datetime:
    """A stored time (UTC without a zone) on the viewer's clock (their office's zone)."""
    return moment.replace(tzinfo=UTC).astimezone(zone_info(_zone_now()))


def format_moment(moment: datetime) -> str:
    """A stored time (UTC without a zone) in the viewer's zone, the zone named: "02 Dec 2026 22:05 UTC+8"."""
    local = in_viewer_zone(moment)
    return f"{_babel_datetime(local, 'dd MMM y HH:mm', tzinfo=local.tzinfo, locale=babel_locale())} " \
           f"{offset_name(local)}"


def zone_description(zone: str | None = None) -> str:
    """The viewer's time zone in words, in their language ("Malaysia (Kuala Lumpur) Time")."""
    name = _valid_zone(zone or _zone_now())
    if name == "UTC":
        return _("Coordinated Universal Time (UTC)")
    return get_timezone_location(zone_info(name), locale=babel_locale())


def language_name(locale: str) -> str:
    """A language by its own name, for choosing it."""
    return NAMES.get(locale, locale)


def language_of_text(code: str | None) -> str:
    """The language a text was written in, named in the viewer's language ("Spanish", "español")."""
    if not code:
        return ""
    try:
        return Locale.parse(code).get_display_name(babel_locale()) or code
    except (UnknownLocaleError, ValueError):
        return code


def set_category_names(names: Mapping[str, Mapping[str, str]] | None) -> None:
    """The categories' names per language (settings.category_names) for the rest of this context."""
    _category_names.set(names or {})


def category_name(category: str, names: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """An admin-defined category in the viewer's language, if the admin gave it one (settings.category_names:
    {category: {locale: name}}, by default those set for this context); else as the admin wrote it. The stored
    value is always the category itself."""
    names = _category_names.get() if names is None else names
    if names:
        found = names.get(category, {}).get(current().split("_")[0])
        if found:
            return found
    return category


def today_in_zone(now_utc: datetime | None = None) -> date:
    """The viewer's date now."""
    moment = (now_utc or datetime.now(UTC).replace(tzinfo=None)).replace(tzinfo=UTC)
    return moment.astimezone(zone_info(_zone_now())).date()


def format_date(day: date, pattern: str = "dd MMM y") -> str:
    """A date in a Babel (CLDR) pattern in the viewer's language: "EEEE dd MMM" -> "Monday 07 Dec",
    "lunes 07 dic"; "MMM y" -> "Dec 2026"."""
    return _babel_date(day, pattern, locale=babel_locale())


# A date written out in full, each language's way ("12 March 2026", "12 de marzo de 2026", "12 marca 2026").
LONG_DATE = {"es": "d 'de' MMMM 'de' y"}


def format_long_date(day: date) -> str:
    return _babel_date(day, LONG_DATE.get(current(), "d MMMM y"), locale=babel_locale())


def pgettext(context: str, message: str, /, **values: object) -> str:
    """_() for a text that means two things in English ("Open" a status, "Open" a button): the context tells the
    translator which one this is."""
    locale = current()
    text = pseudo(message) if locale == PSEUDO else _translations(locale).pgettext(context, message)
    return text.format(**values) if values else text

