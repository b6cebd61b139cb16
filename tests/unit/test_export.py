"""CSV exports neutralise spreadsheet formulas and keep everything else verbatim."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from board.reporting.export import to_csv


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "=HYPERLINK(\"http://x\")"])
def test_formula_prefixes_are_neutralised(cell):
    text = to_csv(pd.DataFrame({"title": [cell], "n": [-5]})).decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["title"] == "'" + cell and row["n"] == "-5"  # numbers stay numbers


def test_plain_text_and_unicode_stay_verbatim():
    cell = "Refunds <script> \u202e and \u200b émojis 🙂"
    row = next(csv.DictReader(io.StringIO(to_csv(pd.DataFrame({"title": [cell]})).decode())))
    assert row["title"] == cell
