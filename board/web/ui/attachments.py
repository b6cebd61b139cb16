"""Attachments on a page: an uploader that hands the service the files as sent (the service judges them by their
content), a small form to add them, and a viewer. Images are shown with st.image(bytes), which Streamlit serves
from its media endpoint as image/png, jpeg or gif, never as HTML; PDFs only as a download (application/pdf,
fetched when clicked). A file's name and who added it are shown with st.text only; labels hold fixed words."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st
from babel.numbers import format_decimal

from board.clock import shown
from board.feedback import attachments
from board.feedback.attachments import Upload
from board.i18n import N_, _, babel_locale, format_day, format_number, ngettext
from board.web.ui import forms

HELP = N_("Up to {files} PNG, JPEG, GIF or WEBP images or PDF files, {megabytes} MB each. "
          "Photos are saved without their hidden details (such as where they were taken).")
HELP_ANONYMOUS = N_("Up to {files} PNG, JPEG, GIF or WEBP images, {megabytes} MB each. "
                    "They are saved without their name or hidden details, and no PDF: its properties can carry your "
                    "name. They are passed on the next day, with the day's other anonymous messages.")


def uploader(key: str, *, anonymous: bool = False, label: str | None = None) -> list[Upload]:
    """A file picker for up to five files; the files as sent (the picker's type filter is only a convenience).
    The label is "Screenshots or files (optional)" unless one is given (translated)."""
    types = [t for t in attachments.FILE_TYPES if not (anonymous and t == "pdf")]
    files = st.file_uploader(label or _("Screenshots or files (optional)"), type=types, accept_multiple_files=True,
                             max_upload_size=attachments.MAX_MB, key=key,
                             help=_(HELP_ANONYMOUS if anonymous else HELP, files=attachments.MAX_FILES,
                                    megabytes=attachments.MAX_MB))
    return [Upload(f.name, f.getvalue()) for f in files or []]


def add_form(key: str, attach: Callable[[list[Upload]], Any], *, anonymous: bool = False) -> bool:
    """A form to add files with `attach` (a service call taking the uploads); True when they were added (the page
    then reruns to show them). Refusals appear under the picker, one line, naming no file by its name."""
    form = forms.Form(key)
    with st.form(key, clear_on_submit=True, border=False):
        files = uploader(f"{key}_files", anonymous=anonymous, label=_("Add screenshots or files"))
        form.field_error(attachments.FIELD)
        sent = st.form_submit_button(_("Attach"))
    if sent and not files:
        st.error(_("Choose at least one file to attach."))
        return False
    return bool(sent and form.attempt(lambda: attach(files)))


def size_text(size: int) -> str:
    """1.2 MB, 340 KB, 12 bytes."""
    if size >= 1024 * 1024:
        return _("{size} MB", size=format_decimal(size / (1024 * 1024), format="#,##0.0", locale=babel_locale()))
    if size >= 1024:
        return _("{size} KB", size=format_number(max(1, round(size / 1024))))
    return ngettext("{n} byte", "{n} bytes", size)


def caption(row: dict) -> str:
    """What a file is, how big, and who added it when (the anonymous author's: the day only)."""
    when = format_day(row["created_at"]) if row["anonymous"] else shown(row["created_at"], day_only=False)
    kind = attachments.LABELS.get(row["media_type"], row["media_type"])
    return (f"{row['name']} · {_(kind)}, {size_text(row['size'])} · "
            + _("added by {name} on {when}", name=_added_by(row), when=when))


def _added_by(row: dict) -> str:
    """Who added a file: their name, or "the anonymous author" (no person is stored with their files)."""
    return _("the anonymous author") if row["anonymous"] else row["added_by"]


def gallery(rows: list[dict], open_file: Callable[[str], bytes], *, key: str,
            remove: Callable[[str], Any] | None = None) -> bool:
    """Each attachment in a card: its caption, the picture (or a PDF's download button), and with `remove` a Remove
    button on those the viewer may remove (`removable`). `open_file(id)` reads the bytes within the viewer's
    scope. True after a removal (the page then reruns)."""
    removed = False
    for row in rows:
        with st.container(border=True):
            st.text(caption(row))
            if row.get("waiting"):
                st.caption(_("Passed on tomorrow, with the day's other anonymous messages."))
            if row["media_type"] in attachments.IMAGE_FORMATS:
                st.image(open_file(row["id"]))  # bytes: served as an image, never as HTML or SVG
            else:
                st.download_button(_("Download PDF"), data=partial(open_file, row["id"]), file_name=row["name"],
                                   mime="application/pdf", key=f"{key}_get_{row['id']}", on_click="ignore")
            if remove is not None and row.get("removable") and st.button(_("Remove"), key=f"{key}_remove_{row['id']}"):
                removed = bool(forms.attempt(partial(remove, row["id"])))
    return removed


def reader(db: Any, viewer: Any) -> Callable[[str], bytes]:
    """open_file for gallery: an attachment's bytes, read again within the viewer's scope (NotFound outside it)."""
    return lambda attachment_id: bytes(attachments.content(db, viewer, attachment_id)["content"])


def held(rows: list[dict], *, key: str) -> None:
    """The anonymous author's view through their code: the rows carry their bytes already (attachments.with_code)."""
    contents = {row["id"]: bytes(row["content"]) for row in rows}
    gallery(rows, contents.__getitem__, key=key)
