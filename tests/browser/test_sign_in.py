"""Built-in sign-in in a real browser: the form, role-based navigation, reload and sign-out (forbidden URLs
for every role: test_access_urls.py)."""

import time

from playwright.sync_api import expect

from .conftest import (
    expect_nav,
    nav_titles,
    open_page,
    session_cookie,
    sidebar,
    sign_in,
    submit_sign_in,
    wait_for,
    wait_idle,
)

ADMIN_TITLES = ("Accounts and roles", "Roster import", "Settings")
WRONG = "That email and password do not match an active account."
ROSTER_EMAIL = "@example.com"  # every generated demo person's address; the known five use @demo.board
DATAFRAME = '[data-testid="stDataFrame"]'


def expect_home(page, name: str) -> None:
    """The signed-in Home page of the named person."""
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    expect(sidebar(page).get_by_text(name)).to_be_visible()


def expect_sign_in_form(page) -> None:
    """The signed-out page: the sign-in form and no one's data."""
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_label("Email", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert ROSTER_EMAIL not in page.content()


def test_staff_signs_in_and_sees_only_home(page, app_server):
    """Staff land on Home with their name in the sidebar and no other page in the navigation."""
    sign_in(page, app_server.url, "staff@demo.board")
    expect_home(page, "Sam Staff")
    expect_nav(page, "staff", includes={""})
    for title in ("People", *ADMIN_TITLES):
        expect(sidebar(page).get_by_text(title, exact=True)).to_have_count(0)


def test_leader_sees_home_and_people_but_no_admin_pages(page, app_server):
    """Leaders get Home and People in the navigation, never the admin pages."""
    sign_in(page, app_server.url, "leader@demo.board")
    expect_home(page, "Lena Leader")
    expect_nav(page, "leader", includes={"", "people"})
    expect(sidebar(page).get_by_text("People", exact=True)).to_be_visible()
    for title in ADMIN_TITLES:
        expect(sidebar(page).get_by_text(title, exact=True)).to_have_count(0)


def test_admin_url_signed_out_shows_only_sign_in(page, app_server):
    """Opening an admin URL without signing in shows the sign-in form and nothing else."""
    open_page(page, f"{app_server.url}/admin_people")
    expect_sign_in_form(page)
    expect(page.get_by_role("heading", name="Accounts and roles")).to_have_count(0)
    assert nav_titles(page) == [], nav_titles(page)


def test_reload_and_url_keep_the_leader_signed_in(page, app_server):
    """The session cookie survives a reload and opening another page's URL."""
    sign_in(page, app_server.url, "leader@demo.board")
    page.reload()
    wait_idle(page)
    expect_home(page, "Lena Leader")
    open_page(page, f"{app_server.url}/people")
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    expect(sidebar(page).get_by_text("Lena Leader")).to_be_visible()
    expect(page.locator(DATAFRAME).get_by_text(ROSTER_EMAIL).first).to_be_attached()


def test_sign_out_ends_the_session_on_the_server(page, app_server):
    """After signing out a reload stays signed out, even if the old token is presented again."""
    sign_in(page, app_server.url, "manager@demo.board")
    old = session_cookie(page)
    sidebar(page).get_by_role("button", name="Sign out").click()
    wait_idle(page)
    expect_sign_in_form(page)
    wait_for(page, lambda: session_cookie(page) is None, "signed out, but the board_session cookie is still there")
    page.reload()
    wait_idle(page)
    expect_sign_in_form(page)
    page.context.add_cookies([old])
    page.reload()
    wait_idle(page)
    expect_sign_in_form(page)


def test_wrong_password_is_refused(page, app_server):
    """A wrong password shows one generic message and signs no one in."""
    open_page(page, app_server.url)
    submit_sign_in(page, "regional@demo.board", "not-the-password")
    expect(page.get_by_text(WRONG)).to_be_visible()
    expect_sign_in_form(page)
    assert session_cookie(page) is None


# --- issue 13, findings 1 and 6: the cookie, the return to a deep link, and the content security policy --------

CSP_WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation',"
             " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI))")


def test_the_session_cookie_is_set_by_the_server_httponly_strict_for_seven_days(page, app_server):
    """Scripts in the page cannot read it, other sites' requests do not carry it, and it ends with the session."""
    sign_in(page, app_server.url, "staff@demo.board")
    cookie = session_cookie(page)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["secure"] is False  # plain HTTP on localhost; over HTTPS it is Secure (security/test_sessions.py)
    assert 6.9 * 86400 < cookie["expires"] - time.time() <= 7 * 86400
    assert "board_session" not in page.evaluate("document.cookie")


def test_signing_in_from_a_deep_link_returns_to_that_page(page, app_server):
    open_page(page, f"{app_server.url}/pulse")
    expect_sign_in_form(page)
    submit_sign_in(page, "staff@demo.board", "demo")
    # signing in reloads the app through /session/begin: as patient as conftest's sign_in on a busy machine
    expect(page.get_by_role("heading", name="Morale pulse", exact=True)).to_be_visible(timeout=60_000)
    assert page.url == f"{app_server.url}/pulse"
    expect(sidebar(page).get_by_text("Sam Staff")).to_be_visible()


def test_the_pages_run_within_the_content_security_policy(page, app_server):
    """No page breaks the policy the server sends: sign-in (with its redirect script), tables, charts, forms."""
    page.add_init_script(CSP_WATCH)
    seen = {}
    open_page(page, app_server.url)
    submit_sign_in(page, "leader@demo.board", "demo")
    # signing in reloads the app through /session/begin: as patient as conftest's sign_in on a busy machine
    expect(sidebar(page).get_by_text("Lena Leader")).to_be_visible(timeout=60_000)
    seen["sign-in"] = page.evaluate("window.__csp")
    for path in ("", "dashboard", "minutes", "raise"):  # charts and tables, forms, a data grid on Home
        response = page.goto(f"{app_server.url}/{path}")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        wait_idle(page)
        page.wait_for_timeout(800)  # charts and tables draw after the run ends
        seen[path or "home"] = page.evaluate("window.__csp")
    assert not any(seen.values()), seen
    # The policy is enforced and the watch works: a script injected into the page is refused and reported.
    page.evaluate("const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
                  " document.body.appendChild(s)")
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
