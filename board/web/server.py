"""The web server: `make run` serves this file (`streamlit run board/web/server.py` finds `app` and runs it on
uvicorn). It is the Streamlit app (board/web/app.py) with the server's own routes and headers (board/web/ui/edge.py)."""

import streamlit as st
from starlette.middleware import Middleware

from board.web.ui import edge

app = st.App("app.py", routes=edge.routes(), middleware=[Middleware(edge.SecurityHeaders)])
