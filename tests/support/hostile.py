"""Hostile input: what a careless or malicious person may type into any field or put in an uploaded CSV.

`texts(listener)` gives the typed inputs (name -> text); links and images point at `listener`, a URL on this
machine that a browser test watches. `uploads(header, rows)` gives CSV files built around valid rows.
The counts are reported by the tests (TEXT_COUNT, UPLOAD_COUNT).
"""

from __future__ import annotations

import csv
import io

QUIET = "http://127.0.0.1:9"  # the discard port: nothing listens, for tests that only check storage and display
ONE_MB = 1024 * 1024
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def texts(listener: str = QUIET) -> dict[str, str]:
    """Every typed hostile input, by name."""
    return {
        # HTML and script
        "script_tag": "<script>document.title='pwned'</script>Refunds are slow",
        "img_onerror": f"<img src=x onerror=\"fetch('{listener}/onerror')\">",
        "html_img_listener": f"<img src=\"{listener}/html-img.png\"> printer jams",
        "css_url": f"<div style=\"background:url({listener}/css.png)\">styled</div>",
        "javascript_link_html": "<a href=\"javascript:alert(1)\">click me</a>",
        # Markdown
        "javascript_link_markdown": "[click me](javascript:alert(1))",
        "markdown_image_listener": f"![chart]({listener}/md-image.png)",
        "markdown_link_listener": f"[see the report]({listener}/md-link)",
        # Unicode that changes how text looks
        # (every bidirectional control: overrides, embeddings, isolates, direction marks)
        "rtl_override": "invoice\u202etxt.exe\u202c refund \u202alr\u202c \u202brl\u202c \u202dlo\u202c"
                        " \u2066a\u2069 \u2067b\u2069 \u2068c\u2069 \u200emk\u200f\u061c",
        # (every zero-width character: space, joiners between Latin letters, word joiner, BOM)
        "zero_width": "ref\u200bund\u200d app\ufeff crash \u2060word\u200cjoin",
        # Size
        "one_megabyte": "A" * ONE_MB,
        # SQL metacharacters
        "sql_drop_table": "'; DROP TABLE suggestions; --",
        "sql_or_true": "\" OR 1=1 --",
        "backslashes": "C:\\new\\table \\' \\\" \\\\",
        "nul_byte": "before\x00after the NUL",
        # Spreadsheet formulas
        "formula_equals": "=HYPERLINK(\"http://127.0.0.1:9/f\",\"open\")",
        "formula_plus": "+1+1 cells",
        "formula_minus": "-2+3 cells",
        "formula_at": "@SUM(A1:A9)",
        "formula_tab": "\t=1+1 after a tab",
        "formula_cr": "\r=1+1 after a carriage return",
    }


TEXT_COUNT = len(texts())
LINK_ENTRIES = ("img_onerror", "html_img_listener", "css_url", "markdown_image_listener", "markdown_link_listener")
FORMULA_ENTRIES = tuple(name for name, text in texts().items() if name.startswith("formula_"))


def csv_bytes(header: list[str], rows: list[list[str]], *, line_ending: str = "\r\n") -> bytes:
    """A CSV file as a spreadsheet writes it (quoted where needed), UTF-8."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=line_ending)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def uploads(header: list[str], rows: list[list[str]]) -> dict[str, bytes]:
    """The same valid rows as hostile files: invalid UTF-8 (two ways), a UTF-8 BOM, mixed line endings.
    The first two must be refused with a clear message; the last two hold exactly `rows`."""
    plain = csv_bytes(header, rows)
    name = rows[0][1].encode()
    lines = [csv_bytes(line, []).decode()[:-2] for line in [header, *rows]]  # quoted as in a CRLF file
    return {
        "invalid_utf8_byte": plain.replace(name, name + b"\xff\xfe", 1),  # bytes no UTF-8 text holds
        "latin1_encoded": plain.replace(name, name + " Müller".encode("latin-1"), 1),  # a legacy export
        "utf8_bom": b"\xef\xbb\xbf" + plain,  # what Excel writes for "CSV UTF-8"
        "mixed_line_endings": "".join(line + ("\r\n", "\n", "\r")[i % 3] for i, line in enumerate(lines)).encode(),
    }


UPLOAD_COUNT = 4
REFUSED_UPLOADS = ("invalid_utf8_byte", "latin1_encoded")
