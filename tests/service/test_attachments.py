"""Attachments on suggestions and minutes items: what is accepted (by content), how many, who may add, who may
read, and what the anonymous author's files keep of them (nothing). Every file is made here, in code."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, timedelta

import pytest
from PIL import ExifTags, Image

from board.clock import utcnow
from board.errors import Invalid, NotAllowed, NotFound
from board.feedback import attachments as at
from board.feedback import release
from board.feedback import suggestions as sg
from board.feedback.attachments import Upload
from board.meetings import minutes
from board.org import people
from tests.support import minutes as mn
from tests.support.suggestions import CATEGORIES, draft, submit

ARTIST, SERIAL = "Jane Q Author", "CAM-SERIAL-99812"


# --- files made in code ------------------------------------------------------------------------------------------

def image(fmt: str = "PNG", size=(8, 6), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    """A photo as a phone takes it: the author's name, the camera's serial and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = ARTIST
    exif[ExifTags.Base.BodySerialNumber] = SERIAL
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.0),
                                  ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0)}
    return image("JPEG", exif=exif.tobytes())


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (6, 6), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=[50, 60, 70], loop=0,
                   comment=ARTIST.encode())
    return out.getvalue()


def pdf(author: str = ARTIST) -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"3 0 obj << /Author (" + author.encode() + b") >> endobj\n"
            b"trailer << /Root 1 0 R /Info 3 0 R >>\n%%EOF\n")


def person_in(store, role: str, office: str, *, besides=None):
    """Someone of a role in an office (other than `besides`)."""
    with store.read() as con:
        person_id = con.scalar("SELECT p.id FROM people p JOIN team_members tm ON tm.person_id = p.id"
                               " JOIN teams t ON t.id = tm.team_id JOIN offices o ON o.id = t.office_id"
                               " WHERE p.role = ? AND o.name = ? AND p.id <> ? ORDER BY p.id LIMIT 1",
                               (role, office, besides.id if besides else -1))
    return people.get_person(store, person_id)


def stored(store, attachment_id: str) -> dict:
    with store.read() as con:
        row = con.one("SELECT * FROM attachments WHERE id = ?", (attachment_id,))
    assert row is not None
    return row


# --- what is accepted: by content, never by name -----------------------------------------------------------------

@pytest.mark.parametrize("fmt, media_type", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"),
                                             ("WEBP", "image/webp")])
def test_each_image_type_is_recognised_by_its_content_and_written_again_in_its_own_format(fmt, media_type):
    checked = at.check(Upload("screen.bin", image(fmt)), anonymous=False)
    assert (checked.media_type, checked.name) == (media_type, f"screen.{at.EXTENSIONS[media_type]}")
    assert Image.open(io.BytesIO(checked.data)).format == fmt


def test_a_png_named_pdf_is_judged_by_its_content_and_named_for_what_it_is():
    checked = at.check(Upload("report.pdf", image("PNG")), anonymous=False)
    assert (checked.media_type, checked.name) == ("image/png", "report.png")


def test_a_pdf_is_kept_as_sent():
    checked = at.check(Upload("Minutes scan.PDF", pdf()), anonymous=False)
    assert (checked.media_type, checked.name, checked.data) == ("application/pdf", "Minutes scan.pdf", pdf())


@pytest.mark.parametrize("data", [
    b"<html><body><script>alert(document.cookie)</script></body></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>',
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
    b"GIF89a<script>alert(1)</script>",  # the right first bytes, no picture behind them
    image("PNG")[:40],  # a truncated picture
    image("BMP"), image("TIFF"),  # real pictures of types not accepted
    b"%PDF-1.4 no end of file marker",
    b"", b"MZ\x90\x00 an executable",
], ids=["html", "svg", "svg-xml", "fake-gif", "truncated-png", "bmp", "tiff", "pdf-without-eof", "empty", "exe"])
def test_anything_else_is_refused_whatever_it_is_called(data):
    with pytest.raises(Invalid) as refused:
        at.check(Upload("screenshot.png", data), anonymous=False)
    assert refused.value.errors == {"attachments": at.REFUSED}


def test_a_file_over_five_megabytes_is_refused_before_it_is_decoded():
    big = image("PNG") + b"\0" * at.MAX_BYTES
    with pytest.raises(Invalid) as refused:
        at.check(Upload("big.png", big), anonymous=False)
    assert refused.value.errors == {"attachments": at.REFUSED}


def test_a_small_file_that_would_decode_into_a_huge_picture_is_refused():
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, "PNG")  # 50 megapixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    with pytest.raises(Invalid):
        at.check(Upload("bomb.png", out.getvalue()), anonymous=False)


def test_what_is_appended_to_a_picture_does_not_survive():
    polyglot = image("PNG") + b"<html><script>alert(1)</script></html>"
    checked = at.check(Upload("x.png", polyglot), anonymous=False)
    assert b"<html>" not in checked.data and b"script" not in checked.data


def test_an_animation_keeps_its_frames_and_timing_but_not_its_comment():
    checked = at.check(Upload("loop.gif", animated_gif()), anonymous=False)
    again = Image.open(io.BytesIO(checked.data))
    assert again.n_frames == 3 and again.info["loop"] == 0 and ARTIST.encode() not in checked.data
    assert [again.seek(n) or again.info["duration"] for n in range(3)] == [50, 60, 70]


@pytest.mark.parametrize("typed, expected", [
    ("../../etc/passwd.png", "passwd.png"),
    ("C:\\Users\\jane\\Desktop\\shot.png", "shot.png"),
    ("invoice\u202eexe.png", "invoiceexe.png"),
    ("<img src=x onerror=alert(1)>.png", "img srcx onerroralert(1).png"),
    ("   ", "attachment-3.png"),
    (".hidden", "hidden.png"),
    ("x" * 300 + ".png", "x" * at.NAME_CHARS + ".png"),
])
def test_a_name_is_cleaned_shortened_and_never_a_path(typed, expected):
    assert at.file_name(typed, "image/png", anonymous=False, number=3) == expected


# --- on a suggestion ---------------------------------------------------------------------------------------------

def test_the_author_attaches_and_readers_in_scope_see_the_file_as_stored(org_store, known):
    staff = known["staff"]
    colleague = person_in(org_store, "staff", "Kuala Lumpur", besides=staff)
    suggestion_id = submit(org_store, staff).id
    ids = at.attach_to_suggestion(org_store, staff, suggestion_id, [Upload("queue.png", image("PNG")),
                                                                   Upload("policy.pdf", pdf())])
    listed = at.for_suggestion(org_store, colleague, suggestion_id)
    assert [(a["name"], a["media_type"], a["added_by"], a["anonymous"]) for a in listed] == [
        ("queue.png", "image/png", staff.name, False), ("policy.pdf", "application/pdf", staff.name, False)]
    opened = at.content(org_store, known["leader"], ids[1])
    assert bytes(opened["content"]) == pdf() and opened["size"] == len(pdf())
    row = stored(org_store, ids[0])
    assert row["sha256"] == hashlib.sha256(bytes(row["content"])).hexdigest() and row["actor_id"] == staff.id


def test_a_sixth_file_is_refused_and_five_at_once_is_the_most(org_store, known):
    staff = known["staff"]
    suggestion_id = submit(org_store, staff).id
    with pytest.raises(Invalid) as refused:
        at.attach_to_suggestion(org_store, staff, suggestion_id, [Upload(f"{i}.png", image()) for i in range(6)])
    assert refused.value.errors == {"attachments": at.TOO_MANY}
    at.attach_to_suggestion(org_store, staff, suggestion_id, [Upload(f"{i}.png", image()) for i in range(3)])
    at.attach_to_suggestion(org_store, known["manager"], suggestion_id, [Upload("4.png", image()),
                                                                        Upload("5.png", image())])
    with pytest.raises(Invalid) as refused:
        at.attach_to_suggestion(org_store, staff, suggestion_id, [Upload("6.png", image())])
    assert "There are 5 already" in refused.value.errors["attachments"]
    assert len(at.for_suggestion(org_store, staff, suggestion_id)) == 5


def test_one_refused_file_stops_the_whole_upload_and_says_which(org_store, known):
    staff = known["staff"]
    suggestion_id = submit(org_store, staff).id
    with pytest.raises(Invalid) as refused:
        at.attach_to_suggestion(org_store, staff, suggestion_id, [Upload("a.png", image()),
                                                                 Upload("b.png", b"<html></html>")])
    assert refused.value.errors == {"attachments": f"File 2 of 2: {at.REFUSED}"}
    assert at.for_suggestion(org_store, staff, suggestion_id) == []


def test_only_the_author_and_those_who_may_act_on_it_add_files(org_store, known):
    staff = known["staff"]
    suggestion_id = submit(org_store, staff).id
    colleague = person_in(org_store, "staff", "Kuala Lumpur", besides=staff)
    for outsider in (colleague, person_in(org_store, "manager", "Dublin"), known["admin"]):
        with pytest.raises(NotAllowed):
            at.attach_to_suggestion(org_store, outsider, suggestion_id, [Upload("x.png", image())])
    for insider in (known["manager"], known["regional_manager"], known["leader"]):
        at.attach_to_suggestion(org_store, insider, suggestion_id, [Upload("x.png", image())])
    assert len(at.for_suggestion(org_store, staff, suggestion_id)) == 3


def test_another_office_cannot_list_or_open_them_and_a_forged_id_is_not_found(org_store, known):
    staff = known["staff"]
    suggestion_id = submit(org_store, staff).id
    [attachment] = at.attach_to_suggestion(org_store, staff, suggestion_id, [Upload("x.png", image())])
    for outsider in (person_in(org_store, "staff", "Dublin"), person_in(org_store, "manager", "Dublin"),
                     person_in(org_store, "manager", "Sydney")):
        with pytest.raises(NotAllowed):
            at.for_suggestion(org_store, outsider, suggestion_id)
        with pytest.raises(NotFound) as outside:
            at.content(org_store, outsider, attachment)
        with pytest.raises(NotFound) as made_up:
            at.content(org_store, outsider, "0" * 32)
        assert str(outside.value) == str(made_up.value) == at.NOT_FOUND
    assert at.content(org_store, known["regional_manager"], attachment)["name"] == "x.png"


def test_who_added_a_file_or_may_act_on_it_removes_it_and_nobody_else(org_store, known):
    staff = known["staff"]
    suggestion_id = submit(org_store, staff).id
    first, second = at.attach_to_suggestion(org_store, staff, suggestion_id, [Upload("a.png", image()),
                                                                             Upload("b.png", image())])
    colleague = person_in(org_store, "staff", "Kuala Lumpur", besides=staff)
    assert [(p.role, [a["removable"] for a in at.for_suggestion(org_store, p, suggestion_id)])
            for p in (staff, colleague, known["manager"])] == [
        ("staff", [True, True]), ("staff", [False, False]), ("manager", [True, True])]
    row = sg.get(org_store, colleague, suggestion_id)
    assert [at.may_attach(p, row) for p in (staff, colleague, known["manager"], known["admin"])] == [
        True, False, True, False]
    with pytest.raises(NotFound):
        at.remove(org_store, colleague, first)
    with pytest.raises(NotFound):
        at.remove(org_store, person_in(org_store, "staff", "Dublin"), first)
    at.remove(org_store, staff, first)
    at.remove(org_store, known["manager"], second)
    assert at.for_suggestion(org_store, staff, suggestion_id) == []


# --- the anonymous author --------------------------------------------------------------------------------------

def anonymous(store, person, key="anon", *, now: datetime | None = None):
    return sg.submit(store, person, draft(anonymous=True), categories=CATEGORIES, submission_key=key,
                     now=now or utcnow())


def released_id(store, key="anon") -> int:
    with store.read() as con:
        return con.scalar("SELECT id FROM suggestions WHERE submission_key = ?", (key,))


def test_a_held_suggestions_files_come_out_with_it_and_keep_nothing_of_the_author(org_store, known):
    author, manager = known["staff"], known["manager"]
    yesterday = utcnow() - timedelta(days=1)
    receipt = anonymous(org_store, author, now=yesterday)
    [attachment] = at.attach_with_code(org_store, author, receipt.code,
                                       [Upload(f"{author.name} desk photo.jpg", jpeg_with_exif())], now=yesterday)
    with pytest.raises(NotFound):  # held: nobody sees it, as nobody sees the suggestion
        at.content(org_store, manager, attachment)
    assert [a["name"] for a in at.with_code(org_store, author, receipt.code)] == ["attachment-1.jpg"]

    release.release_anonymous(org_store, utcnow().date())
    suggestion_id = released_id(org_store)
    [listed] = at.for_suggestion(org_store, manager, suggestion_id)
    assert (listed["name"], listed["added_by"], listed["anonymous"]) == ("attachment-1.jpg", "the anonymous author",
                                                                          True)
    row = stored(org_store, attachment)
    assert row["actor_id"] is None and row["created_at"] == datetime.combine(yesterday.date(), datetime.min.time())
    data = bytes(row["content"])
    assert not any(secret.encode() in data for secret in (ARTIST, SERIAL, author.name))
    again = Image.open(io.BytesIO(data))
    assert dict(again.getexif()) == {} and "exif" not in again.info and again.format == "JPEG"
    assert all(author.name not in str(value) for value in row.values() if not isinstance(value, bytes))


def test_what_the_anonymous_author_adds_later_waits_for_the_next_day(org_store, known):
    author, manager = known["staff"], known["manager"]
    yesterday = utcnow() - timedelta(days=1)
    receipt = anonymous(org_store, author, now=yesterday)
    release.release_anonymous(org_store, utcnow().date())
    suggestion_id = released_id(org_store)
    at.attach_with_code(org_store, author, receipt.code, [Upload("shot.png", image())])
    today = utcnow().date()
    assert at.for_suggestion(org_store, manager, suggestion_id, today=today) == []
    assert [a["waiting"] for a in at.with_code(org_store, author, receipt.code)] == [True]
    assert [a["name"] for a in at.for_suggestion(org_store, manager, suggestion_id, today=today + timedelta(days=1))
            ] == ["attachment-1.png"]


def test_the_anonymous_author_cannot_attach_a_pdf_and_is_told_why(org_store, known):
    receipt = anonymous(org_store, known["staff"])
    with pytest.raises(Invalid) as refused:
        at.attach_with_code(org_store, known["staff"], receipt.code, [Upload("notes.pdf", pdf())])
    assert refused.value.errors == {"attachments": at.ANONYMOUS_PDF}


def test_a_wrong_code_attaches_nothing(org_store, known):
    anonymous(org_store, known["staff"])
    with pytest.raises(Exception) as wrong:
        at.attach_with_code(org_store, known["staff"], "AAAAAA-BBBB-CCCC-DDDD-EEEE", [Upload("x.png", image())])
    assert "code" in str(wrong.value)
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM attachments") == 0


def test_named_authors_photos_lose_their_location_too(org_store, known):
    staff = known["staff"]
    suggestion_id = submit(org_store, staff).id
    [attachment] = at.attach_to_suggestion(org_store, staff, suggestion_id, [Upload("desk.jpg", jpeg_with_exif())])
    data = bytes(stored(org_store, attachment)["content"])
    assert SERIAL.encode() not in data and dict(Image.open(io.BytesIO(data)).getexif()) == {}


# --- on a minutes item -------------------------------------------------------------------------------------------

def published_item(store, manager) -> tuple[int, int]:
    meeting_id = mn.draft(store, manager)
    mn.publish(store, manager, meeting_id, mn.document(manager, mn.item()))
    meeting = minutes.get_meeting(store, manager, meeting_id)
    return meeting_id, meeting["items"][0]["id"]


def test_the_minutes_author_attaches_to_an_item_and_readers_of_the_minutes_see_it(org_store, known):
    manager = known["manager"]
    meeting_id, item_id = published_item(org_store, manager)
    [attachment] = at.attach_to_item(org_store, manager, item_id, [Upload("whiteboard.webp", image("WEBP"))])
    assert [a["name"] for a in at.for_meeting(org_store, known["staff"], meeting_id)[item_id]] == ["whiteboard.webp"]
    assert [at.for_meeting(org_store, p, meeting_id)[item_id][0]["removable"] for p in (manager, known["staff"])] == [
        True, False]
    assert at.content(org_store, known["regional_manager"], attachment)["media_type"] == "image/webp"
    outsider = person_in(org_store, "staff", "Dublin")
    assert at.for_meeting(org_store, outsider, meeting_id) == {}
    with pytest.raises(NotFound):
        at.content(org_store, outsider, attachment)


def test_only_the_minutes_author_attaches_and_only_once_published(org_store, known):
    manager = known["manager"]
    meeting_id, item_id = published_item(org_store, manager)
    for other in (known["staff"], known["regional_manager"], person_in(org_store, "manager", "Dublin")):
        with pytest.raises(NotAllowed):
            at.attach_to_item(org_store, other, item_id, [Upload("x.png", image())])
    at.attach_to_item(org_store, manager, item_id, [Upload(f"{i}.png", image()) for i in range(5)])
    with pytest.raises(Invalid):
        at.attach_to_item(org_store, manager, item_id, [Upload("6.png", image())])


def test_an_item_removed_by_an_amendment_takes_its_files_out_of_sight(org_store, known):
    manager = known["manager"]
    meeting_id, item_id = published_item(org_store, manager)
    [attachment] = at.attach_to_item(org_store, manager, item_id, [Upload("x.png", image())])
    mn.publish(org_store, manager, meeting_id, mn.document(manager, mn.item("Something else entirely.")),
               how=minutes.amend)
    assert at.for_meeting(org_store, known["staff"], meeting_id) == {}
    with pytest.raises(NotFound):
        at.content(org_store, known["staff"], attachment)


def test_dates_are_stored_as_the_service_was_told(org_store, known):
    staff = known["staff"]
    suggestion_id = submit(org_store, staff).id
    when = datetime(2026, 3, 4, 10, 15)
    [attachment] = at.attach_to_suggestion(org_store, staff, suggestion_id, [Upload("x.png", image())], now=when)
    row = stored(org_store, attachment)
    assert (row["created_at"], row["shown_on"]) == (when, date(2026, 3, 4))
