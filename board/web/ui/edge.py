"""The server's own routes and headers, beside the Streamlit app (served together by board/web/server.py).

- `/session/begin?code=...&next=...`: after a built-in sign-in the page sends the browser here with a one-time
  code; the server redeems it for a fresh session token, sets it as an HttpOnly, SameSite=Strict cookie (Secure
  over HTTPS), ends any session the browser still carried, and redirects to the page that was asked for;
- `/session/end`: ends the cookie's session on the server and clears the cookie;
- `/unsubscribe?token=...`: an email's unsubscribe link, without signing in. GET shows a small page with a button;
  the POST (that button, or a mail program's RFC 8058 one-click POST) stops that kind of message for the token's
  person. The answer never says whose link it was;
- security headers on every HTTP response: no framing, a content security policy the pages satisfy, nosniff,
  no referrer outside the app.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import os
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from board import clock, i18n
from board import store as db
from board.errors import BoardError, Invalid
from board.i18n import N_, _
from board.notify import kinds, tokens
from board.org import accounts
from board.org.access import PAGE_ROLES, Person, can_open

COOKIE = "board_session"  # set and cleared only here, HttpOnly
# The one script the pages run (board.ui.session.follow_redirect): it follows the link drawn before it. It never
# changes, so the content security policy allows it by its hash; what varies is the link, which is data.
REDIRECT_SCRIPT = 'location.replace(document.getElementById("board-continue").href)'
PAGE_KEY = re.compile(r"[a-z_]{1,40}")
QUERY_KEY = re.compile(r"[a-z_]{1,30}")


def landing(next_page: str | None, person: Person) -> str:
    """Where to go after signing in: the page asked for, if it is one of ours and the person may open it, with
    its query (short plain values only); else home. Never another site: the URL is built from our page keys."""
    parts = urlsplit(next_page or "")
    key = parts.path.strip("/")
    if parts.scheme or parts.netloc or not PAGE_KEY.fullmatch(key) or key not in PAGE_ROLES \
            or not can_open(person.role, key) or key == "home":
        return "/"
    query = [(k, v) for k, v in parse_qsl(parts.query)[:5] if QUERY_KEY.fullmatch(k) and len(v) <= 100]
    return f"/{key}" + (f"?{urlencode(query)}" if query else "")


def over_https(request: Request) -> bool:
    """Served over HTTPS (directly, or behind a proxy uvicorn trusts), or BOARD_HTTPS=1 says so."""
    return request.url.scheme == "https" or os.environ.get("BOARD_HTTPS") == "1"


def _no_store(response: RedirectResponse) -> RedirectResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


def routes(open_store: Callable[[], db.Database] = db.open_store) -> list[Route]:
    """The sign-in and sign-out routes, on the process-wide store (or the one a test gives)."""

    async def begin(request: Request) -> RedirectResponse:
        return await begin_session(request, open_store())

    async def end(request: Request) -> RedirectResponse:
        return await end_session(request, open_store())

    async def unsubscribe(request: Request) -> HTMLResponse:
        return await unsubscribe_page(request, open_store())

    return [Route("/session/begin", begin), Route("/session/end", end),
            Route("/unsubscribe", unsubscribe, methods=["GET", "POST"])]


def from_elsewhere(request: Request, *, typed_ok: bool) -> bool:
    """The browser says the request does not come from one of our pages (Sec-Fetch-Site; browsers that do not
    send it are believed). Our pages' redirects are same-origin. A sign-in code in a link from another site, an
    email or a chat (login CSRF: being signed in as someone else) is refused; signing out from a typed or
    bookmarked URL (`typed_ok`) is fine, from another site's page it is not."""
    allowed = ("same-origin", "none") if typed_ok else ("same-origin",)
    return request.headers.get("sec-fetch-site", "same-origin") not in allowed


async def begin_session(request: Request, store: db.Database) -> RedirectResponse:
    code = request.query_params.get("code")
    redeemed = None if from_elsewhere(request, typed_ok=False) else await run_in_threadpool(
        accounts.redeem_handoff, store, code)
    if redeemed is None:  # used, expired, made up or sent from elsewhere: back to the sign-in page
        return _no_store(RedirectResponse("/", status_code=303))
    token, person = redeemed
    await run_in_threadpool(accounts.end_session, store, request.cookies.get(COOKIE))
    lifetime = await run_in_threadpool(accounts.session_lifetime, store)
    response = RedirectResponse(landing(request.query_params.get("next"), person), status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(lifetime.total_seconds()), path="/", httponly=True,
                        samesite="strict", secure=over_https(request))
    return _no_store(response)


async def end_session(request: Request, store: db.Database) -> RedirectResponse:
    response = RedirectResponse("/", status_code=303)
    if from_elsewhere(request, typed_ok=True):
        return _no_store(response)
    await run_in_threadpool(accounts.end_session, store, request.cookies.get(COOKIE))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=over_https(request))
    return _no_store(response)


# --- unsubscribe ------------------------------------------------------------------------------------------------

MAX_TOKEN = 512  # far longer than any token tokens.make writes; a longer one is not ours
MAX_BODY = 4096  # a form with one token field, or "List-Unsubscribe=One-Click"
# The one answer for a forged, used, unknown or missing link (tokens.unsubscribe's own), whoever's it would be.
INVALID_LINK = tokens.NOT_VALID
TRY_AGAIN = N_("That could not be done just now. Please try the link again in a few minutes.")
# The page's markup; its words are filled in, translated and escaped, where it is drawn.
UNSUBSCRIBE_FORM = """<h1>{heading}</h1>
<p>{question}</p>
<form method="post" action="unsubscribe"><input type="hidden" name="token" value="{token}">
<button type="submit">{button}</button></form>"""
PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5;
color:#1f2328}}h1{{font-size:1.5rem}}button{{font:inherit;padding:.5rem 1.25rem;border-radius:.4rem;
border:1px solid #1a5fb4;background:#1a5fb4;color:#fff;cursor:pointer}}</style></head>
<body>{content}</body></html>"""


def _page(content: str, status_code: int = 200) -> HTMLResponse:
    """The unsubscribe page: fixed markup around `content`, in which every value is already escaped. Never
    cached or indexed: the URL carries a token."""
    page = PAGE.format(lang=i18n.current().replace("_", "-"), title=html.escape(_("Unsubscribe · Frontline Board")),
                       content=content)
    response = HTMLResponse(page, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(heading: str, text: str) -> str:
    """A heading and a paragraph, both escaped."""
    return f"<h1>{html.escape(heading)}</h1>\n<p>{html.escape(text)}</p>"


def browser_locale(request: Request) -> str:
    """The first language of the browser's Accept-Language that the board speaks, else English (nobody is signed
    in on this page, so there is no choice of theirs to read)."""
    for entry in request.headers.get("accept-language", "").split(",")[:10]:
        found = i18n.known(entry.split(";")[0].strip())
        if found:
            return found
    return i18n.SOURCE


def _invalid() -> HTMLResponse:
    return _page(_message(_("Unsubscribe"), _(INVALID_LINK)), 400)


async def _posted_token(request: Request) -> str | None:
    """The token of a POST: the form's field, else (RFC 8058 one-click, body "List-Unsubscribe=One-Click") the
    link's own query. A body too large or malformed for either gives none."""
    length = request.headers.get("content-length") or "0"
    if not length.isdigit() or int(length) > MAX_BODY:
        return None
    try:
        async with request.form(max_files=0, max_fields=5, max_part_size=MAX_BODY) as form:
            token = form.get("token")
    except (HTTPException, MultiPartException):
        return None
    return token if isinstance(token, str) else request.query_params.get("token")


async def unsubscribe_page(request: Request, store: db.Database) -> HTMLResponse:
    """GET: the page with the button (nothing changes on a GET: mail scanners open links). POST: unsubscribe, and
    say from what, in words; the same one message for every link that does not work. In the browser's language."""
    with i18n.using(browser_locale(request)):
        return await _unsubscribe_page(request, store)


async def _unsubscribe_page(request: Request, store: db.Database) -> HTMLResponse:
    if request.method == "GET":
        token = request.query_params.get("token")
        if not token or len(token) > MAX_TOKEN:
            return _invalid()
        return _page(UNSUBSCRIBE_FORM.format(
            heading=html.escape(_("Unsubscribe")), button=html.escape(_("Unsubscribe")),
            question=html.escape(_("Stop receiving this kind of email from Frontline Board? The link works once.")),
            token=html.escape(token, quote=True)))
    token = await _posted_token(request)
    if not token or len(token) > MAX_TOKEN:
        return _invalid()
    try:
        _person, kind = await run_in_threadpool(tokens.unsubscribe, store, token, clock.utcnow())
    except Invalid:
        return _invalid()
    except BoardError:  # the store busy or unreachable: nothing was changed, the link still works
        return _page(_message(_("Unsubscribe"), _(TRY_AGAIN)), 503)
    what = kinds.KINDS.get(kind) or kinds.SHORT.get(kind)
    link = f'<a href="account">{html.escape(_("My account"))}</a>'
    sentence = html.escape(_("You will no longer receive: {what}. You can change this under {link}."))
    return _page(f"<h1>{html.escape(_('Unsubscribed'))}</h1>\n<p>"
                 + sentence.format(what=html.escape(_(what) if what else _("these emails")), link=link) + "</p>")


def _script_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def content_security_policy() -> str:
    """Scripts only from the app itself, plus the inline scripts it needs, allowed by hash: the two in
    Streamlit's index.html and the sign-in redirect. Styles may be inline (Streamlit's CSS-in-JS)."""
    spec = importlib.util.find_spec("streamlit")
    assert spec is not None and spec.origin is not None, "Streamlit is installed: this module runs inside it"
    static = Path(spec.origin).parent / "static"
    index = (static / "index.html").read_text(encoding="utf-8")
    inline = re.findall(r"<script>(.*?)</script>", index, re.S) + [REDIRECT_SCRIPT]
    scripts = " ".join(sorted({_script_hash(source) for source in inline}))
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {scripts} 'wasm-unsafe-eval'",  # WebAssembly only (protobuf's fast 64-bit maths)
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class SecurityHeaders:
    """Adds the security headers to every HTTP response (websocket frames have none)."""

    def __init__(self, app, policy: str | None = None):
        self.app = app
        self.headers = {
            "Content-Security-Policy": policy or content_security_policy(),
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
            "Cross-Origin-Opener-Policy": "same-origin",
        }

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https" or os.environ.get("BOARD_HTTPS") == "1"

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                if https:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
            await send(message)

        await self.app(scope, receive, send_with_headers)

