"""One browser session of the app, spoken over its websocket (`/_stcore/stream`) with Streamlit's own protobuf
messages, as the browser's frontend speaks them: a `rerun_script` BackMsg with the page, its query string and the
widget states, then ForwardMsgs until the run has finished. Signing in is the app's own round trip: fill the form,
follow the one-time link to `/session/begin`, keep the HttpOnly cookie it sets and reconnect with it (the app reads
the cookie from the websocket's handshake, as it does a browser's).

No XSRF token is needed: Streamlit checks it on the websocket only before reading its own st.login cookie, which
built-in accounts do not use; the app's session cookie is read from the handshake either way. /session/begin takes
the code only from a same-origin request (Sec-Fetch-Site), which the page's own redirect is."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.typing import Subprotocol

COOKIE = "board_session"  # board.web.ui.edge.COOKIE: read from the HTTP answer, never made up here
LOCALE = "en-US"  # the browser's language: the labels the sessions look for are the English ones
VIEW_TIMEOUT = 120.0  # seconds a page view may take before it is counted as an error, not a time
# A run that stops for st.rerun() is followed by the real one in the same view; the others end the view.
RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
HANDOFF = re.compile(r'href="(/session/begin\?[^"]+)"')
CACHE_LIMIT = 500  # hashes of large messages remembered, as the browser's message cache does


class SessionError(Exception):
    """The session could not go on: the reason, in words, for the report."""


@dataclass(frozen=True)
class Link:
    """A link drawn by a page (st.page_link): the page it opens and its query string."""

    page: str
    query: str


@dataclass
class View:
    """One page view: what the person waited for and what the app drew."""

    page: str
    started: float  # time.monotonic() when the request was sent
    seconds: float = 0.0  # until the final script_finished
    elements: list[tuple[str, Any]] = field(default_factory=list)  # (element type, its proto) in order
    problems: list[str] = field(default_factory=list)  # exceptions and error messages shown, lost answers
    received_bytes: int = 0

    def has(self, kind: str, label: str) -> bool:
        """Whether the page drew a widget of this type and label."""
        return any(element_kind == kind and element.label == label for element_kind, element in self.elements)

    def widget_id(self, kind: str, label: str) -> str:
        """The id of the widget of this type and label (the page must have drawn it)."""
        for element_kind, element in self.elements:
            if element_kind == kind and element.label == label:
                return element.id
        raise SessionError(f"{self.page}: no {kind} labelled {label!r} was drawn")

    def links(self, page: str) -> list[Link]:
        """The links to one page (for example "suggestion") that this view drew."""
        return [Link(e.page, e.query_string) for kind, e in self.elements if kind == "page_link" and e.page == page]

    def texts(self) -> Iterator[str]:
        """Every text, markdown and alert body drawn, for checks of what the person read."""
        for kind, element in self.elements:
            if kind in ("text", "markdown", "alert", "heading"):
                yield element.body


def problem_in(kind: str, element: Any) -> str | None:
    """What a person would see go wrong in this element: an exception, or an error message (a refusal the page
    shows with st.error, such as a busy database). None for everything else."""
    if kind == "exception":
        return f"exception {element.type}: {element.message}"[:300]
    if kind == "alert" and element.format == Alert.ERROR:
        return f"error shown: {element.body}"[:300]
    return None


class Session:
    """A browser tab on the app: its websocket, the pages its navigation offers, the values its widgets hold."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookie: str | None = None
        self.ws: Any = None
        self.pages: dict[str, str] = {}  # url path -> page script hash, from the last navigation message
        self.current = ""  # the url path of the page shown
        self.widgets: dict[str, WidgetState] = {}  # the values the page's widgets hold, sent with every rerun
        self.cached: dict[str, None] = {}  # hashes of large messages received (insertion-ordered, bounded)
        self.busy_since: float | None = None  # when the view in flight was asked for

    async def connect(self) -> None:
        """Open the websocket, with the session cookie once signed in (a new tab, or the reload after sign-in)."""
        headers = {"Origin": f"http://{self.host}:{self.port}"}  # same-origin, as the app's own page
        if self.cookie:
            headers["Cookie"] = f"{COOKIE}={self.cookie}"
        self.ws = await websockets.connect(f"ws://{self.host}:{self.port}/_stcore/stream",
                                           subprotocols=[Subprotocol("streamlit")], additional_headers=headers,
                                           max_size=None, open_timeout=60, close_timeout=5)
        self.pages, self.widgets, self.current = {}, {}, ""

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def view(self, page: str, query: str = "", widgets: Iterable[WidgetState] = ()) -> View:
        """Open a page (or rerun the one shown, with new widget values) and wait until its run has finished. Widget
        values persist on the page, as the browser keeps them; a button press (trigger) is sent once."""
        if self.ws is None:
            raise SessionError("the session's websocket is closed")
        if page != self.current:
            self.widgets = {}
        sent = {w.id: w for w in widgets}
        self.widgets.update({key: w for key, w in sent.items() if w.WhichOneof("value") != "trigger_value"})
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query
        if page in self.pages:
            state.page_script_hash = self.pages[page]
        else:  # the first view after connecting: the URL's path, as a browser opening it sends
            state.page_name = page
        state.widget_states.widgets.extend({**self.widgets, **sent}.values())
        state.cached_message_hashes.extend(self.cached)
        state.context_info.locale = LOCALE
        state.context_info.timezone = "UTC"
        state.context_info.url = f"http://{self.host}:{self.port}/{page}" + (f"?{query}" if query else "")
        self.current = page
        shown = View(page, time.monotonic())
        self.busy_since = shown.started
        try:
            await self.ws.send(msg.SerializeToString())
            await asyncio.wait_for(self._receive(shown), VIEW_TIMEOUT)
        except TimeoutError:
            shown.problems.append(f"no answer within {VIEW_TIMEOUT:.0f} s")
        finally:
            self.busy_since = None
        shown.seconds = time.monotonic() - shown.started
        return shown

    async def _receive(self, shown: View) -> None:
        """Read ForwardMsgs into the view until the run has finished (not merely stopped for a rerun)."""
        while True:
            data = await self.ws.recv()
            shown.received_bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "script_finished":
                if msg.script_finished != RERUN:
                    return
                shown.elements = []  # st.rerun(): the person sees what the next run draws (problems stay counted)
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "page_not_found":
                shown.problems.append(f"page not found: {msg.page_not_found.page_name!r}")
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._remember(msg)
                element_kind = str(msg.delta.new_element.WhichOneof("type"))
                element = getattr(msg.delta.new_element, element_kind)
                shown.elements.append((element_kind, element))
                if problem := problem_in(element_kind, element):
                    shown.problems.append(problem)

    def _remember(self, msg: ForwardMsg) -> None:
        """Keep the hash of a large message, so the server may send a reference to it next time."""
        if msg.metadata.cacheable and msg.hash:
            self.cached[msg.hash] = None
            while len(self.cached) > CACHE_LIMIT:
                del self.cached[next(iter(self.cached))]

    async def sign_in(self, email: str, password: str) -> None:
        """Sign in through the form, follow the page's link to /session/begin for the cookie and reconnect with it
        (the browser's reload): afterwards the session is on the home page, signed in."""
        await self.connect()
        form = await self.view("")
        require_clean(form)
        filled = [WidgetState(id=form.widget_id("text_input", "Email"), string_value=email),
                  WidgetState(id=form.widget_id("text_input", "Password"), string_value=password),
                  WidgetState(id=form.widget_id("button", "Sign in"), trigger_value=True)]
        answer = await self.view("", widgets=filled)
        require_clean(answer)
        link = next((HANDOFF.search(e.body) for kind, e in answer.elements if kind == "html"
                     and HANDOFF.search(e.body)), None)
        if link is None:
            raise SessionError(f"{email}: signing in drew no link to /session/begin: {' | '.join(answer.texts())}")
        self.cookie = await self._redeem(html.unescape(link.group(1)))
        await self.close()
        await self.connect()

    async def _redeem(self, path: str) -> str:
        """GET the one-time link as the browser does and return the session cookie the server set."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nSec-Fetch-Site: same-origin\r\n"
                         "Connection: close\r\n\r\n".encode())
            await writer.drain()
            head = (await asyncio.wait_for(reader.read(), 60)).split(b"\r\n\r\n", 1)[0].decode("latin-1")
        finally:
            writer.close()
        cookie = re.search(rf"^set-cookie: {COOKIE}=([^;\r\n]+)", head, re.I | re.M)
        if cookie is None:
            status = head.split("\r\n", 1)[0]
            raise SessionError(f"{urlsplit(path).path} set no {COOKIE} cookie ({status})")
        return cookie.group(1)


def require_clean(shown: View) -> None:
    """Stop the session when a view it depends on went wrong (signing in cannot go on after an error)."""
    if shown.problems:
        raise SessionError(f"{shown.page or 'home'}: {shown.problems[0]}")
