"""Where things are, wherever a test file sits: the repository root and what tests read from it."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]  # tests/support/paths.py -> the repository root
BOARD = REPO / "board"
APP = REPO / "board" / "web" / "app.py"  # the Streamlit script and its PAGES table
TESTS = REPO / "tests"
ARTIFACTS = TESTS / "artifacts"  # screenshots of the golden path, load test reports
