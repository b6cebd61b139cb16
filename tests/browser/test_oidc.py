"""OpenID Connect sign-in (st.login) against a local mock provider: round trip, unknown and unverified emails."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import LiveApp, expect_nav, free_port, live_app, nav_titles, open_page, running, sidebar, wait_idle

COMPANY_SIGN_IN = "Sign in with your company account"
NOT_FOUND = "Page not found"
USERS = {  # subject -> claims; the provider's page offers each subject as a button
    "lena": {"email": "leader@demo.board", "email_verified": True, "name": "Lena Leader"},
    "stranger": {"email": "stranger@example.org", "email_verified": True, "name": "A Stranger"},
    "lena-unverified": {"email": "leader@demo.board", "email_verified": False, "name": "Lena Leader"},
}


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory) -> Iterator[str]:
    """oidc-provider-mock on a free port with the USERS predefined; yields its base URL."""
    port, workdir = free_port(), tmp_path_factory.mktemp("oidc")
    cmd = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for sub, claims in USERS.items():
        cmd += ["--user-claims", json.dumps({"sub": sub, **claims})]
    url = f"http://127.0.0.1:{port}"
    with running(cmd, cwd=workdir, env=None, log=workdir / "provider.log",
                 ready_url=f"{url}/.well-known/openid-configuration", ready_text="authorization_endpoint"):
        yield url


def auth_secrets(app_port: int, provider_url: str) -> str:
    """A secrets.toml whose [auth] section points st.login at the mock provider."""
    return "\n".join([
        "[auth]",
        f'redirect_uri = "http://localhost:{app_port}/oauth2callback"',
        f'cookie_secret = "{secrets.token_hex(32)}"',
        'client_id = "frontline-board-tests"',
        'client_secret = "not-a-secret"',
        f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"',
        "",
    ])


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory, demo_db_file: Path, oidc_provider: str) -> Iterator[LiveApp]:
    """The app in OIDC mode; the browser must use localhost, exactly as in redirect_uri."""
    port = free_port()
    with live_app(tmp_path_factory.mktemp("oidc_app"), demo_db_file, port=port, host="localhost",
                  secrets=auth_secrets(port, oidc_provider)) as app:
        yield app


def company_sign_in(page, app: LiveApp, provider_url: str, sub: str) -> None:
    """Start st.login, choose the subject on the provider's page, and wait to be back in the app."""
    open_page(page, app.url)
    page.get_by_role("button", name=COMPANY_SIGN_IN).click()
    page.wait_for_url(f"{provider_url}/oauth2/authorize**")
    page.get_by_role("button", name=sub, exact=True).click()
    page.wait_for_url(f"{app.url}/**")
    wait_idle(page)


def company_sign_out(page, app: LiveApp, provider_url: str) -> None:
    """After st.logout: confirm on the provider's end-session page and land signed out in the app."""
    page.wait_for_url(f"{provider_url}/oauth2/end_session**")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{app.url}/**")
    wait_idle(page)
    expect_signed_out(page)


def expect_signed_out(page) -> None:
    """The signed-out page: only the company sign-in button, no identity cookie."""
    expect(page.get_by_role("button", name=COMPANY_SIGN_IN)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert nav_titles(page) == [], nav_titles(page)
    assert identity_cookies(page) == [], identity_cookies(page)


def identity_cookies(page) -> list[str]:
    """Names of Streamlit's signed identity cookies in the browser."""
    return [c["name"] for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]


def expect_no_access(page, email: str) -> None:
    """The 'No access' page for this email, with no way to the data pages."""
    expect(page.get_by_role("heading", name="No access")).to_be_visible()
    expect(page.get_by_text(f"Signed in as: {email}")).to_be_visible()
    assert nav_titles(page) == [], nav_titles(page)
    expect(page.get_by_role("heading", name="Home", exact=True)).to_have_count(0)
    assert "@example.com" not in page.content()


def test_company_sign_in_and_sign_out_round_trip(page, oidc_app, oidc_provider):
    """A verified roster email signs in through the provider, lands on Home, and signs out again."""
    company_sign_in(page, oidc_app, oidc_provider, "lena")
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    expect(sidebar(page).get_by_text("Lena Leader")).to_be_visible()
    expect_nav(page, "leader", includes={"", "people"})
    assert "_streamlit_user" in identity_cookies(page), identity_cookies(page)
    sidebar(page).get_by_role("button", name="Sign out").click()
    company_sign_out(page, oidc_app, oidc_provider)
    page.reload()
    wait_idle(page)
    expect_signed_out(page)


def test_email_not_in_roster_has_no_access(page, oidc_app, oidc_provider):
    """A verified email that is not in the roster gets 'No access', even on a data page's URL, and can sign out."""
    company_sign_in(page, oidc_app, oidc_provider, "stranger")
    expect_no_access(page, "stranger@example.org")
    open_page(page, f"{oidc_app.url}/people")
    expect(page.get_by_text(NOT_FOUND, exact=True)).to_be_visible()  # Streamlit's modal: not registered
    expect_no_access(page, "stranger@example.org")
    open_page(page, oidc_app.url)
    page.get_by_role("button", name="Sign out").click()
    company_sign_out(page, oidc_app, oidc_provider)


def test_unverified_email_has_no_access(page, oidc_app, oidc_provider):
    """A roster email the provider has not verified is not trusted: 'No access'."""
    company_sign_in(page, oidc_app, oidc_provider, "lena-unverified")
    expect_no_access(page, "leader@demo.board")
    expect(sidebar(page).get_by_text("Lena Leader")).to_have_count(0)
