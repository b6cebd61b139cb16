"""Attachments: up to five screenshots or PDFs on a suggestion or a published minutes item, recognised by their
content, images re-encoded without their metadata, kept in the database, read within the scope of what they are
attached to.

- Accepted: PNG, JPEG, GIF and WEBP images and PDF files up to 5 MB, judged by their first bytes and (images) by
  decoding them whole with Pillow; never by the name or the type the browser claims. SVG, HTML and anything
  else are refused.
- Every image is decoded and written again (the same format): no EXIF (GPS, camera serial, author), no ICC
  profile, no text chunks or comments survive, and nothing appended to the file (a polyglot) either. PDFs are
  kept as sent and only ever offered as a download.
- The name is cleaned, shortened, given the extension of what the file really is, and never used as a path.
- The anonymous author (through their follow-up code) adds attachments that say nothing about them: a neutral
  name (attachment-2.png), the day only, no person, no PDF (its properties can carry the author's name), and
  hidden until the next day, as the release does with what they write. On a suggestion still held for release
  they come out with it, since both are named by the suggestion's submission key.
- Who may add: on a suggestion its named author, its anonymous author through the code, and whoever may act on
  it (access.SCOPES["act_on_suggestion"]); on a minutes item the person who recorded the minutes, once they
  are published (a draft's items have no lasting identity yet). The person who added one, and those who may act
  on its suggestion or recorded its minutes, may remove it.
- Who may read: whoever may read the suggestion (SCOPES["read_suggestions"]) or the published minutes
  (SCOPES["read_minutes"]); an id outside that scope is NotFound, exactly as one that does not exist.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from PIL import Image, ImageOps, ImageSequence

from board.clock import day_only, utcnow
from board.errors import Invalid, NotAllowed, NotFound
from board.feedback import receipts
from board.i18n import N_, _
from board.meetings.minutes import visible
from board.org.access import Person, in_scope, where
from board.store import Conn, Database
from board.text import clean

MAX_BYTES = 5 * 1024 * 1024
MAX_MB = MAX_BYTES // (1024 * 1024)
MAX_FILES = 5
MAX_STORED = 2 * MAX_BYTES  # written again without loss, a picture may grow a little; never beyond this
MAX_PIXELS = 40_000_000  # all frames together: a small file must not decode into gigabytes
MAX_FRAMES = 200
NAME_CHARS = 60
FIELD = "attachments"
# What a person is told, translated where raised (the numbers are MAX_MB and MAX_FILES written out for the
# translators: change them together).
REFUSED = N_("Only PNG, JPEG, GIF, WEBP images and PDF files up to 5 MB can be attached.")
TOO_MANY = N_("At most 5 files can be attached here.")
ANONYMOUS_PDF = N_("A PDF cannot be attached anonymously: its properties can carry the author's name. Attach a"
                   " screenshot (PNG, JPEG, GIF or WEBP) instead.")
OWNER_COLUMNS = {"suggestion": "suggestion_key", "minutes_item": "item_id"}  # what an attachment names its owner by
NOT_FOUND = N_("There is no such attachment, or you may not see it.")
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
              "application/pdf": "pdf"}
LABELS = {"image/png": N_("PNG image"), "image/jpeg": N_("JPEG image"), "image/gif": N_("GIF image"),
          "image/webp": N_("WEBP image"), "application/pdf": N_("PDF")}
FILE_TYPES = ("png", "jpg", "jpeg", "gif", "webp", "pdf")  # for the browser's file picker only; content decides
SUMMARY = ("a.id, a.name, a.media_type, a.size, a.created_at, a.actor_id, a.actor_id IS NULL AS anonymous,"
           " coalesce(p.name, 'the anonymous author') AS added_by")
# The anonymous author's files sit at their day's midnight, so their place in a list says nothing about the time.
ORDER = " ORDER BY a.created_at, a.position"


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it: its name and bytes (its claimed type is ignored)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    """A file that passed the checks, as it will be stored (images re-encoded)."""

    name: str
    media_type: str
    data: bytes


# --- checking (pure) --------------------------------------------------------------------------------------------

def sniff(data: bytes) -> str | None:
    """The media type the first bytes declare, among the accepted ones; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if re.match(rb"%PDF-[12]\.\d", data[:8]) and b"%%EOF" in data[-2048:]:
        return "application/pdf"
    return None


def check(upload: Upload, *, anonymous: bool, number: int = 1) -> Checked:
    """The file as it will be stored, or Invalid({"attachments": why}): type by content, size, and for the
    anonymous author no PDF and a neutral name. `number` is its place among the owner's attachments."""
    media_type = sniff(upload.data) if len(upload.data) <= MAX_BYTES else None
    if media_type is None:
        raise Invalid({FIELD: refused()})
    if media_type == "application/pdf":
        if anonymous:
            raise Invalid({FIELD: _(ANONYMOUS_PDF)})
        data = upload.data
    else:
        data = _reencoded(upload.data, IMAGE_FORMATS[media_type])
        if len(data) > MAX_STORED:
            raise Invalid({FIELD: refused()})
    return Checked(file_name(upload.name, media_type, anonymous=anonymous, number=number), media_type, data)


def check_all(uploads: list[Upload], *, anonymous: bool, present: int = 0) -> list[Checked]:
    """Every file checked (see check), numbered after the `present` ones; Invalid when there would be more than
    MAX_FILES, or for the first file refused (named by its place, never by its name)."""
    if present + len(uploads) > MAX_FILES:
        too_many = _(TOO_MANY)
        raise Invalid({FIELD: too_many if not present else _("{too_many} There are {present} already.",
                                                             too_many=too_many, present=present)})
    done = []
    for place, upload in enumerate(uploads, start=1):
        try:
            done.append(check(upload, anonymous=anonymous, number=present + place))
        except Invalid as error:
            if len(uploads) == 1:
                raise
            raise Invalid({FIELD: _("File {place} of {files}: {problem}", place=place, files=len(uploads),
                                    problem=error.errors[FIELD])}) from None
    return done


def refused() -> str:
    """Why a file was refused, in the current language: what can be attached."""
    return _(REFUSED)


def file_name(name: str, media_type: str, *, anonymous: bool, number: int) -> str:
    """A name safe to offer as a download: letters, digits, spaces and -_.() only, at most NAME_CHARS before the
    extension of what the file really is. The anonymous author's files are attachment-N, whatever they were."""
    extension = EXTENSIONS[media_type]
    if anonymous:
        return f"attachment-{number}.{extension}"
    base = re.split(r"[/\\]", clean(name))[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = re.sub(r"\s+", " ", re.sub(r"[^\w .()-]", "", stem)).strip(" .-")[:NAME_CHARS].strip(" .-")
    return f"{stem or f'attachment-{number}'}.{extension}"


def _reencoded(data: bytes, image_format: str) -> bytes:
    """The picture alone, written again in its own format: every frame decoded whole, no metadata carried over."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                frames = getattr(image, "n_frames", 1)
                if image.width * image.height * frames > MAX_PIXELS or frames > MAX_FRAMES:
                    raise Invalid({FIELD: refused()})
                if frames == 1:
                    return _save([_bare(ImageOps.exif_transpose(image))], image_format, image)
                return _save([_bare(frame) for frame in ImageSequence.Iterator(image)], image_format, image)
    except Invalid:
        raise
    except Exception:  # noqa: BLE001 - whatever a damaged or hostile file makes Pillow raise, it is refused
        raise Invalid({FIELD: refused()}) from None


def _bare(frame: Image.Image) -> Image.Image:
    """A new image holding only the frame's pixels (RGB, or RGBA when it may be transparent): no info, no exif."""
    frame.load()
    transparent = frame.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in frame.info
    pixels = frame.convert("RGBA" if transparent else "RGB")
    return Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())


def _save(frames: list[Image.Image], image_format: str, source: Image.Image) -> bytes:
    out = io.BytesIO()
    first = frames[0]
    if image_format == "JPEG":
        first.convert("RGB").save(out, "JPEG", quality=90)
    elif len(frames) == 1:
        first.save(out, image_format, **({"quality": 90} if image_format == "WEBP" else {}))
    else:  # an animation keeps its timing and looping, nothing else
        durations = [int(f.info.get("duration", 100)) for f in ImageSequence.Iterator(source)]
        first.save(out, image_format, save_all=True, append_images=frames[1:], duration=durations,
                   loop=int(source.info.get("loop", 0)))
    return out.getvalue()


# --- adding ------------------------------------------------------------------------------------------------------

def attach_to_suggestion(db: Database, person: Person, suggestion_id: int, uploads: list[Upload], *,
                         now: datetime | None = None) -> list[str]:
    """Add files to a suggestion as its named author or as someone who may act on it; their ids."""
    now = now or utcnow()
    acting, params = where(person, "act_on_suggestion", refuse=False)

    def target(con: Conn) -> str:
        key = con.scalar(f"SELECT s.submission_key FROM suggestions s WHERE s.id = ? AND (s.author_id = ? OR"
                         f" {acting})", (suggestion_id, person.id, *params))
        if key is None:
            raise NotAllowed(_("Only the suggestion's author, or someone who may act on it, may attach files."))
        return key

    return _add(db, uploads, target, "suggestion", actor=person, now=now)


def attach_with_code(db: Database, person: Person, code: str, uploads: list[Upload], *,
                     now: datetime | None = None, tried: list[datetime] | None = None) -> list[str]:
    """The anonymous author adds files through their follow-up code (also right after raising, while the
    suggestion is held): neutral names, the day only, no person, no PDF, shown from the next day."""
    now = now or utcnow()
    opened = receipts.open_code(db, code, now=now, tried=tried)

    known: list[str] = []

    def target(con: Conn) -> str:
        key = con.scalar("SELECT submission_key FROM suggestions WHERE id = ? UNION ALL"
                         " SELECT submission_key FROM held_suggestions WHERE id = ?",
                         (opened.suggestion_id, opened.held_id))
        if key is None and known:  # released since the code was opened: the same key, now on a suggestion
            key = con.scalar("SELECT submission_key FROM suggestions WHERE submission_key = ?", (known[0],))
        if key is None:
            raise NotFound(_(receipts.WRONG))
        known.append(key)
        return key

    return _add(db, uploads, target, "suggestion", actor=None, now=now)


def attach_to_item(db: Database, author: Person, item_id: int, uploads: list[Upload], *,
                   now: datetime | None = None) -> list[str]:
    """Add files to an item of published minutes the person recorded; their ids."""
    def target(con: Conn) -> int:
        found = con.scalar("SELECT i.id FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id"
                           " WHERE i.id = ? AND NOT i.removed AND m.status = 'published' AND m.author_id = ?",
                           (item_id, author.id))
        if found is None:
            raise NotAllowed(_("Only the person who recorded these minutes may attach files, once they are"
                               " published."))
        return found

    return _add(db, uploads, target, "minutes_item", actor=author, now=now or utcnow())


def _add(db: Database, uploads: list[Upload], target: Callable[[Conn], Any], owner_kind: str, *,
         actor: Person | None, now: datetime) -> list[str]:
    """Check the files (before any transaction: decoding is slow), then, in one transaction serialised per owner,
    find the owner again (`target` refuses what the person may not add to), count what it has, and insert them
    all or none."""
    if not uploads:
        return []
    column = OWNER_COLUMNS[owner_kind]
    anonymous = actor is None
    check_all(uploads, anonymous=anonymous)  # refuse early; numbered again below, after the count
    with db.read() as con:
        owner = target(con)

    def apply(con: Conn) -> list[str]:
        if target(con) != owner:  # a held suggestion released meanwhile keeps its key; anything else is refused
            raise NotAllowed()
        present = con.scalar(f"SELECT count(*) FROM attachments WHERE {column} = ?", (owner,))
        checked = check_all(uploads, anonymous=anonymous, present=present)
        created, shown_on = (day_only(now), now.date() + timedelta(days=1)) if anonymous else (now, now.date())
        ids = []
        for position, file in enumerate(checked, start=present + 1):
            ids.append(secrets.token_hex(16))
            con.execute(f"INSERT INTO attachments (id, {column}, position, name, media_type, size, sha256, content,"
                        " actor_id, created_at, shown_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (ids[-1], owner, position, file.name, file.media_type, len(file.data),
                         hashlib.sha256(file.data).hexdigest(), file.data, None if actor is None else actor.id,
                         created, shown_on))
        return ids

    return db.write(apply, lock=("attachments", owner_kind, owner))


# --- reading, within the scope of what they are attached to ----------------------------------------------------

def may_attach(viewer: Person, suggestion: dict) -> bool:
    """Whether the viewer may add files to a suggestion read with suggestions.get (its author by name, or someone
    who may act on it): for showing the form; attach_to_suggestion checks again."""
    return suggestion["author_id"] == viewer.id or in_scope(viewer, "act_on_suggestion", suggestion)


def for_suggestion(db: Database, viewer: Person, suggestion_id: int, *, today: date | None = None) -> list[dict]:
    """The attachments of a suggestion the viewer may read (without their bytes), oldest first; `removable` says
    whether the viewer may remove each."""
    condition, params = where(viewer, "read_suggestions")
    acting, acting_params = where(viewer, "act_on_suggestion", refuse=False)
    with db.read() as con:
        if con.scalar(f"SELECT count(*) FROM suggestions s WHERE s.id = ? AND {condition}",
                      (suggestion_id, *params)) == 0:
            raise NotAllowed(_("You are not allowed to see this suggestion, or it does not exist."))
        return con.rows(f"SELECT {SUMMARY}, coalesce(a.actor_id = ?, FALSE) OR {acting} AS removable"
                        " FROM attachments a JOIN suggestions s ON s.submission_key = a.suggestion_key"
                        " LEFT JOIN people p ON p.id = a.actor_id WHERE s.id = ? AND a.shown_on <= ?" + ORDER,
                        (viewer.id, *acting_params, suggestion_id, today or utcnow().date()))


def for_meeting(db: Database, viewer: Person, meeting_id: int) -> dict[int, list[dict]]:
    """The attachments of each item of published minutes the viewer may read: {item id: [attachment, ...]};
    `removable` says whether the viewer may remove each (who added it, or who recorded the minutes)."""
    condition, params = visible(viewer)
    with db.read() as con:
        rows = con.rows(f"SELECT i.id AS item_id, {SUMMARY}, coalesce(a.actor_id = ?, FALSE) OR m.author_id = ?"
                        " AS removable FROM attachments a JOIN meeting_items i ON i.id = a.item_id"
                        " JOIN meetings m ON m.id = i.meeting_id LEFT JOIN people p ON p.id = a.actor_id"
                        f" WHERE m.id = ? AND NOT i.removed AND {condition}" + ORDER,
                        (viewer.id, viewer.id, meeting_id, *params))
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row.pop("item_id"), []).append(row)
    return found


def content(db: Database, viewer: Person, attachment_id: str, *, today: date | None = None) -> dict:
    """One attachment with its bytes (`content`), if the viewer may read what it is attached to; NotFound
    otherwise, the same as for an id that does not exist."""
    suggestion_scope, s_params = where(viewer, "read_suggestions", refuse=False)
    minutes_scope, m_params = visible(viewer)
    with db.read() as con:
        row = con.one(
            f"SELECT {SUMMARY}, a.content FROM attachments a LEFT JOIN people p ON p.id = a.actor_id"
            " WHERE a.id = ? AND ("
            f" EXISTS (SELECT 1 FROM suggestions s WHERE s.submission_key = a.suggestion_key AND a.shown_on <= ?"
            f"   AND {suggestion_scope})"
            " OR EXISTS (SELECT 1 FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id"
            f"   WHERE i.id = a.item_id AND NOT i.removed AND {minutes_scope}))",
            (attachment_id, today or utcnow().date(), *s_params, *m_params))
    if row is None:
        raise NotFound(_(NOT_FOUND))
    return row


def with_code(db: Database, person: Person, code: str, *, now: datetime | None = None,
              tried: list[datetime] | None = None) -> list[dict]:
    """What the anonymous author sees through their code: every attachment of their suggestion with its bytes,
    including those still waiting for the next day (`waiting`)."""
    now = now or utcnow()
    opened = receipts.open_code(db, code, now=now, tried=tried)
    with db.read() as con:
        return con.rows(
            f"SELECT {SUMMARY}, a.content, a.shown_on > ? AS waiting FROM attachments a"
            " LEFT JOIN people p ON p.id = a.actor_id WHERE a.suggestion_key IN ("
            " SELECT submission_key FROM suggestions WHERE id = ? UNION ALL"
            " SELECT submission_key FROM held_suggestions WHERE id = ?)" + ORDER,
            (now.date(), opened.suggestion_id, opened.held_id))


# --- removing ----------------------------------------------------------------------------------------------------

def remove(db: Database, person: Person, attachment_id: str) -> None:
    """Remove an attachment: as the person who added it, someone who may act on its suggestion, or the person
    who recorded its minutes."""
    acting, params = where(person, "act_on_suggestion", refuse=False)

    def apply(con: Conn) -> None:
        allowed = con.scalar(
            "SELECT count(*) FROM attachments a WHERE a.id = ? AND (a.actor_id = ?"
            f" OR EXISTS (SELECT 1 FROM suggestions s WHERE s.submission_key = a.suggestion_key AND {acting})"
            " OR EXISTS (SELECT 1 FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id"
            "   WHERE i.id = a.item_id AND m.author_id = ?))", (attachment_id, person.id, *params, person.id))
        if not allowed:
            raise NotFound(_(NOT_FOUND))
        con.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,))

    db.write(apply, lock=("attachment", attachment_id))
