"""The web server: `make run` serves this file (`streamlit run board/web/server.py` finds `app` and runs it on
uvicorn). It is the Streamlit app (board/web/app.py) with the server's own routes and headers (board/web/ui/edge.py),
and, for as long as it serves, the notification worker (board/notify/worker.py) in a thread of its own."""

from __future__ import annotations

import ast
import asyncio
import importlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from board import store as db
from board.web.ui import edge

WEB = Path(__file__).resolve().parent
FIRST_RUN = (WEB / "app.py", WEB / "app_pages" / "sign_in.py")  # what a visitor's first page runs


def first_run_modules() -> list[str]:
    """The modules the entry script and the sign-in page import, read from their source so that the list follows
    them (for `from a import b`, both a and a.b: b may be a module)."""
    names: list[str] = []
    for path in FIRST_RUN:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return list(dict.fromkeys(names))


def warm(modules: list[str]) -> None:
    """Import `modules`, skipping names that are not modules (`from board.i18n import _`)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # a module that is missing something is the script's error too: say it
                raise


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    """Deliver notifications while the server runs (on PostgreSQL one server at a time delivers: the worker
    takes the store's leadership lock each run); stop the worker, letting its run in progress end, on shutdown.
    Meanwhile a thread imports what the first page runs (pandas and the app's modules take about 0.5 s), while the
    server finishes starting and the first browser loads Streamlit's scripts, so the first person does not wait for
    it. Two threads may import at once: the script's import of a module being imported waits for it.
    The worker is imported and started on a thread too (its modules, mail and templates, take 0.5-0.7 s that the
    health check would otherwise wait for)."""
    threading.Thread(target=warm, args=(first_run_modules(),), name="board-warm-up", daemon=True).start()
    started: dict = {}

    def start_worker() -> None:
        from board.notify import worker
        started["worker"] = worker.start(db.open_store)

    starting = threading.Thread(target=start_worker, name="board-notify-start", daemon=True)
    starting.start()
    try:
        yield None
    finally:
        await asyncio.to_thread(starting.join)
        if started.get("worker") is not None:
            await asyncio.to_thread(started["worker"].stop)


app = st.App("app.py", routes=edge.routes(), middleware=[Middleware(edge.SecurityHeaders)], lifespan=lifespan)
