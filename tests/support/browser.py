"""Browser steps that several browser tests take (the fixtures, the servers and the basic steps such as sign_in
are in tests/browser/conftest.py)."""

from __future__ import annotations

from playwright.sync_api import expect


def download_first_visible_csv(page, tmp_path) -> tuple[str, str]:
    """Click the first visible "Download CSV" button; the file's name and text."""
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").filter(visible=True).first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target.name, target.read_text(encoding="utf-8")


def start_minutes(page) -> None:
    """Open "Record new minutes" and press Start. On a loaded machine a press can be lost while the page is
    still connecting, so if no editor appears within 20 s and Start is still there, press it once more."""
    editor, start = page.get_by_label("What was discussed"), page.get_by_role("button", name="Start")
    page.get_by_text("Record new minutes").click()
    start.click()
    try:
        expect(editor).to_be_visible(timeout=20_000)
        return
    except AssertionError:
        if editor.count() or not page.get_by_text("Record new minutes").count():
            raise
    if not start.is_visible():
        page.get_by_text("Record new minutes").click()
    start.click()
    expect(editor).to_be_visible(timeout=20_000)
