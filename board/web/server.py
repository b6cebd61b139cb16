"""The web server: `make run` serves this file (`streamlit run board/web/server.py` finds `app` and runs it on
uvicorn). It is the Streamlit app (board/web/app.py) with the server's own routes and headers (board/web/ui/edge.py),
and, for as long as it serves, the notification worker (board/notify/worker.py) in a thread of its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from board import store as db
from board.notify import worker
from board.web.ui import edge


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    """Deliver notifications while the server runs (on PostgreSQL one server at a time delivers: the worker
    takes the store's leadership lock each run); stop the worker, letting its run in progress end, on shutdown."""
    running = worker.start(db.open_store)
    try:
        yield None
    finally:
        if running is not None:
            await asyncio.to_thread(running.stop)


app = st.App("app.py", routes=edge.routes(), middleware=[Middleware(edge.SecurityHeaders)], lifespan=lifespan)
