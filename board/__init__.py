"""Frontline Board: staff feedback and process improvement for customer-service organisations."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # the database file and the pulse key, by default
