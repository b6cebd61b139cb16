"""Server configuration stays safe: XSRF protection and CORS on, bound to 127.0.0.1, no error details for users.

The settings are read from .streamlit/config.toml and from the Makefile's run command, and then checked on a
running server (Streamlit 1.67 serves through Starlette): it hands out the XSRF cookie, refuses a cross-site
upload without the matching token, and grants no other origin CORS access.
"""

from __future__ import annotations

import http.client
import re
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.paths import REPO

CONFIG = REPO / ".streamlit" / "config.toml"
EVIL = "http://evil.example"


def config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def run_recipe() -> str:
    """The shell lines of the Makefile's `run` target, joined (continuations folded)."""
    text = (REPO / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(r"^run:.*\n((?:\t.*\n)+)", text, re.M)
    assert match, "the Makefile has no run target"
    return match.group(1)


def test_config_toml_keeps_xsrf_and_cors_on_local_binding_and_hides_error_details():
    server, client = config()["server"], config()["client"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert "corsAllowedOrigins" not in server  # no extra origin is trusted
    assert server["address"] == "127.0.0.1"
    assert client["showErrorDetails"] in ("none", False)


def test_make_run_binds_to_loopback_and_overrides_no_safety_setting():
    recipe = run_recipe()
    assert "streamlit run board/web/server.py" in recipe
    assert re.search(r"--server\.address[ =]127\.0\.0\.1\b", recipe)
    for risky in ("enableXsrfProtection", "enableCORS", "showErrorDetails", "corsAllowedOrigins"):
        assert risky not in recipe, f"make run overrides {risky}"


def test_an_exception_shows_users_no_details():
    """With the project's config (pytest runs from the repository), an error's message stays in the log."""
    at = AppTest.from_string("raise RuntimeError('secret detail 4711')", default_timeout=30).run()
    assert len(at.exception) == 1
    shown = at.exception[0]
    assert "secret detail 4711" not in shown.message and not shown.stack_trace


# --- the running server -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    """The app served with a copy of the project's config.toml (tests/browser/conftest.py's live_app)."""
    from tests.browser.conftest import live_app
    with live_app(tmp_path_factory.mktemp("config_app"), demo_template) as app:
        yield app


def request(server, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def header(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name.lower()]


def test_server_sets_the_xsrf_cookie(server):
    status, headers, _ = request(server, "GET", "/_stcore/health")
    assert status == 200
    assert any(cookie.startswith("_streamlit_xsrf=") for cookie in header(headers, "Set-Cookie"))


def test_server_refuses_a_cross_site_upload_without_the_xsrf_token(server):
    body = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\na,b\r\n--x--\r\n"
    form = {"Origin": EVIL, "Content-Type": "multipart/form-data; boundary=x"}
    status, _, _ = request(server, "PUT", "/_stcore/upload_file/some-session/some-file", form, body)
    assert status == 403
    # A token that does not match the cookie is refused the same way.
    cookie = next(c for c in header(request(server, "GET", "/_stcore/health")[1], "Set-Cookie")
                  if c.startswith("_streamlit_xsrf=")).split(";")[0]
    forged = {**form, "Cookie": cookie, "X-Xsrftoken": "2|00000000|" + "22" * 16 + "|1"}
    status, _, _ = request(server, "PUT", "/_stcore/upload_file/some-session/some-file", forged, body)
    assert status == 403
    # With the cookie's own token the XSRF check passes and the request fails later, on the unknown session:
    # so the 403s above came from the XSRF check.
    matching = {**form, "Cookie": cookie, "X-Xsrftoken": cookie.split("=", 1)[1]}
    status, _, text = request(server, "PUT", "/_stcore/upload_file/some-session/some-file", matching, body)
    assert status == 400 and b"session" in text.lower()


def test_server_grants_no_other_origin_cors_access(server):
    status, headers, _ = request(server, "GET", "/_stcore/health", {"Origin": EVIL})
    assert status == 200
    assert header(headers, "Access-Control-Allow-Origin") == []
    status, headers, _ = request(server, "OPTIONS", "/_stcore/upload_file/s/f",
                                 {"Origin": EVIL, "Access-Control-Request-Method": "PUT"})
    assert EVIL not in header(headers, "Access-Control-Allow-Origin")
    assert "*" not in header(headers, "Access-Control-Allow-Origin")


def test_server_sends_the_security_headers_on_every_page_and_route(server):
    """Issue 13, finding 6: no framing (clickjacking), a content security policy, no sniffing, no referrer out."""
    for path in ("/", "/triage", "/_stcore/health", "/session/end", "/static/no-such-file.js"):
        _, headers, _ = request(server, "GET", path)
        assert header(headers, "X-Frame-Options") == ["DENY"], path
        [policy] = header(headers, "Content-Security-Policy")
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, path
        assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert header(headers, "X-Content-Type-Options") == ["nosniff"], path
        assert header(headers, "Referrer-Policy") == ["same-origin"], path


def test_server_ignores_a_made_up_sign_in_code(server):
    status, headers, _ = request(server, "GET", "/session/begin?code=made-up&next=triage")
    assert status == 303 and header(headers, "Location") == ["/"]
    assert not any(c.startswith("board_session=") for c in header(headers, "Set-Cookie"))


def test_the_default_database_and_pulse_key_live_in_the_repositorys_data_folder():
    """Moving a module must not move where the data lives (data/board.duckdb and data/secret_pulse.key)."""
    from board.morale.pulse import KEY_FILE
    from board.store import DEFAULT_PATH

    assert DEFAULT_PATH == REPO / "data" / "board.duckdb"
    assert KEY_FILE == REPO / "data" / "secret_pulse.key"
