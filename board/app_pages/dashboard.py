"""Dashboards for managers, regional managers and leaders (built out in board/charts.py and this page)."""

import streamlit as st

from board.ui import session

person = session.page_person("dashboard")
st.title("Dashboards")
