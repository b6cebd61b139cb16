"""Attachments cannot carry a page into the board or a person out of it: nothing stored is HTML or SVG whatever
it is called, their bytes reach a page only as a picture or a PDF download, each role reads exactly what it may
read of the suggestion or minutes they belong to, and an anonymous author's file adds no trace of them to any
table. Every file is made here, in code."""

from __future__ import annotations

import ast
import io
from datetime import time, timedelta

import pytest
from PIL import Image, PngImagePlugin

from board.clock import utcnow
from board.errors import Invalid, NotAllowed, NotFound
from board.feedback import attachments as at
from board.feedback import release
from board.feedback import suggestions as sg
from board.feedback.attachments import Upload
from board.meetings import minutes
from board.org.access import ROLES
from tests.support import minutes as mn
from tests.support.anonymity import PERSON_COLUMNS, new_rows, snapshot
from tests.support.paths import BOARD
from tests.support.suggestions import CATEGORIES, draft, submit

SCRIPT = b"<script>alert(document.cookie)</script>"
WIDGETS = BOARD / "web" / "ui" / "attachments.py"


def png(**info) -> bytes:
    chunks = PngImagePlugin.PngInfo()
    for key, value in info.items():
        chunks.add_text(key, value)
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(out, "PNG", pnginfo=chunks)
    return out.getvalue()


def jpeg_with_comment() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "JPEG", comment=SCRIPT)
    return out.getvalue()


HOSTILE = {
    "html named png": b"<!doctype html><html><body>" + SCRIPT + b"</body></html>",
    "svg named png": b'<svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>",
    "png then html": png() + b"<html>" + SCRIPT + b"</html>",
    "png with a script in a text chunk": png(Comment=SCRIPT.decode(), Author="Jane Q Author"),
    "jpeg with a script in its comment": jpeg_with_comment(),
    "gif header before html": b"GIF89a" + SCRIPT,
    "pdf header before html": b"%PDF-1.4\n<html>" + SCRIPT,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_nothing_stored_is_html_or_svg_whatever_it_is_called(name):
    """Refused outright, or kept only as a picture written again from its pixels, with nothing else inside."""
    try:
        checked = at.check(Upload("innocent.png", HOSTILE[name]), anonymous=False)
    except Invalid as refused:
        assert refused.errors == {"attachments": at.REFUSED}
        return
    assert checked.media_type in at.IMAGE_FORMATS and at.sniff(checked.data) == checked.media_type
    lowered = checked.data.lower()
    assert not any(tag in lowered for tag in (b"<script", b"<html", b"<svg", b"jane q author"))


def test_the_name_never_decides_the_type():
    for name in ("x.html", "x.svg", "x.htm.png", "x", "x.pdf"):
        checked = at.check(Upload(name, png()), anonymous=False)
        assert (checked.media_type, checked.name.rsplit(".", 1)[-1]) == ("image/png", "png")


def test_an_svg_is_refused_even_with_an_image_name_and_the_right_browser_type():
    with pytest.raises(Invalid):
        at.check(Upload("chart.svg", HOSTILE["svg named png"]), anonymous=False)


# --- how the bytes reach a page -----------------------------------------------------------------------------------

def calls(path) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "st"]


def fixed(node: ast.expr) -> bool:
    """A fixed text: a literal, or one translated (`_("Remove")`, `_(REFUSED)`) with nothing filled into it, so
    no file name or person's text can reach a widget that reads markdown."""
    if isinstance(node, ast.Constant):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
            and len(node.args) == 1 and not node.keywords
            and isinstance(node.args[0], (ast.Constant, ast.Name, ast.Attribute)))


def test_bytes_reach_the_page_only_as_a_picture_or_a_pdf_download():
    """The widgets never hand a file to anything that renders markup (markdown, html, write, components), show a
    name or a person with st.text only, and offer a PDF as application/pdf, never inline."""
    used = {call.func.attr for call in calls(WIDGETS)}  # type: ignore[attr-defined]
    assert not used & {"markdown", "html", "write", "components", "iframe", "pdf", "code", "json"}
    assert {"image", "download_button", "text"} <= used
    for call in calls(WIDGETS):
        name = call.func.attr  # type: ignore[attr-defined]
        if name == "download_button":
            assert {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg == "mime"} == {
                "mime": "application/pdf"}
            assert fixed(call.args[0])  # a fixed label, never the file's name
        if name in ("caption", "button", "error", "success", "info", "warning"):
            assert all(fixed(a) for a in call.args), ast.unparse(call)
    assert "unsafe_allow_html" not in WIDGETS.read_text()


def test_what_a_page_shows_as_an_image_is_a_picture_streamlit_serves_as_an_image(org_store, known):
    """Streamlit decides an image's media type from the bytes it is given (PNG, JPEG or GIF; WEBP becomes one of
    them): given what the service stores, that is always an image type, never text/html or image/svg+xml."""
    from streamlit.elements.lib import image_utils

    staff = known["staff"]
    suggestion_id = submit(org_store, staff).id
    uploads = [Upload(n, HOSTILE[n]) for n in ("png then html", "png with a script in a text chunk")]
    ids = at.attach_to_suggestion(org_store, staff, suggestion_id, uploads)
    for attachment_id in ids:
        data = bytes(at.content(org_store, staff, attachment_id)["content"])
        fmt = image_utils._validate_image_format_string(data, "auto")
        assert image_utils._get_image_format_mimetype(fmt) in ("image/png", "image/jpeg", "image/gif")


# --- who reads what ------------------------------------------------------------------------------------------------

def someone(store, role: str, office: str):
    from board.org import people

    with store.read() as con:
        person_id = con.scalar("SELECT p.id FROM people p JOIN team_members tm ON tm.person_id = p.id"
                               " JOIN teams t ON t.id = tm.team_id JOIN offices o ON o.id = t.office_id"
                               " WHERE p.role = ? AND o.name = ? ORDER BY p.id LIMIT 1", (role, office))
    return people.get_person(store, person_id)


# The known people: staff, manager and regional manager of Kuala Lumpur's Billing team and region, a leader,
# and an admin in Dublin (an admin reads as staff of their own office).
READS_SUGGESTION = {"staff": True, "manager": True, "regional_manager": True, "leader": True, "admin": False}
READS_TEAM_MINUTES = {"staff": True, "manager": True, "regional_manager": True, "leader": True, "admin": False}


def test_each_role_reads_a_suggestions_files_exactly_when_it_reads_the_suggestion(org_store, known):
    author = known["staff"]
    suggestion_id = submit(org_store, author).id
    [attachment] = at.attach_to_suggestion(org_store, author, suggestion_id, [Upload("x.png", png())])
    for role in ROLES:
        reads = READS_SUGGESTION[role]
        assert _reads(lambda p=known[role]: sg.get(org_store, p, suggestion_id)) == reads, role
        assert _reads(lambda p=known[role]: at.content(org_store, p, attachment)) == reads, role
    for office in ("Dublin", "Toronto", "Singapore"):
        for role in ("staff", "manager"):
            with pytest.raises(NotFound):
                at.content(org_store, someone(org_store, role, office), attachment)


def test_each_role_reads_a_minutes_items_files_exactly_when_it_reads_the_minutes(org_store, known):
    manager = known["manager"]
    meeting_id = mn.draft(org_store, manager)
    mn.publish(org_store, manager, meeting_id, mn.document(manager, mn.item()))
    item_id = minutes.get_meeting(org_store, manager, meeting_id)["items"][0]["id"]
    [attachment] = at.attach_to_item(org_store, manager, item_id, [Upload("x.png", png())])
    for role in ROLES:
        reads = READS_TEAM_MINUTES[role]
        assert _reads(lambda p=known[role]: minutes.get_meeting(org_store, p, meeting_id)) == reads, role
        assert _reads(lambda p=known[role]: at.content(org_store, p, attachment)) == reads, role
        assert bool(at.for_meeting(org_store, known[role], meeting_id)) == reads, role
    with pytest.raises(NotFound):
        at.content(org_store, someone(org_store, "manager", "Singapore"), attachment)


def _reads(read) -> bool:
    try:
        read()
    except (NotAllowed, NotFound):  # NotAllowed for the suggestion or minutes, NotFound for their file
        return False
    return True


# --- the anonymous author ------------------------------------------------------------------------------------------

def test_an_anonymous_authors_file_adds_no_trace_of_them_to_any_table(org_store, known):
    author = known["staff"]
    yesterday = utcnow() - timedelta(days=1)
    receipt = sg.submit(org_store, author, draft(anonymous=True), categories=CATEGORIES, submission_key="anon",
                        now=yesterday)
    before = snapshot(org_store)
    at.attach_with_code(org_store, author, receipt.code, [Upload(f"{author.name}.png", png(Author=author.name))],
                        now=yesterday)
    added = new_rows(before, snapshot(org_store))
    assert len(added) == 1
    [row] = added
    assert all(row.get(column) is None for column in PERSON_COLUMNS)
    assert row["created_at"].time() == time() and row["name"] == "attachment-1.png"  # the day only
    text = " ".join(str(v) for k, v in row.items() if k != "content")
    assert author.name not in text and author.email not in text and receipt.code not in text
    assert author.name.encode() not in bytes(row["content"]) and author.email.encode() not in bytes(row["content"])

    release.release_anonymous(org_store, utcnow().date())  # comes out with its suggestion, still saying nothing
    [shown] = at.for_suggestion(org_store, known["manager"], _released(org_store))
    assert (shown["added_by"], shown["anonymous"], shown["actor_id"]) == ("the anonymous author", True, None)


def _released(store) -> int:
    with store.read() as con:
        return con.scalar("SELECT id FROM suggestions WHERE submission_key = 'anon'")
