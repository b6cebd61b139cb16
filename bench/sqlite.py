"""The dashboards' DuckDB SQL translated minimally for SQLite, for the comparison: grouping sets as UNION ALL,
GROUP BY ALL spelled out, percentiles finished in Python, dates and times as SQLite's functions of ISO text."""

from __future__ import annotations

import json
import math
import re
import sqlite3
from datetime import date, datetime


class Untranslated(Exception):
    """A DuckDB construct the translation does not know (the SQLite column then says n/a)."""


AGGREGATE = re.compile(r"\b(count|sum|min|max|avg|quantile_cont|percentile_cont|median|arg_max)\s*\(", re.I)
DUCKDB_ONLY = ("quantile", "percentile", "WITHIN GROUP", "median(", "epoch", "extract(", "date_trunc", "date_diff",
               "AS TIMESTAMP", "::", "GROUP BY ALL", "GROUPING SETS", "unnest", "least(", "greatest(", "current_date",
               "arg_max", "list_", "QUALIFY")


def _top_level(sql: str, word: str) -> list[int]:
    """Where `word` occurs outside parentheses and string literals."""
    found, depth, quoted, i = [], 0, False, 0
    while i < len(sql):
        c = sql[i]
        if c == "'":
            quoted = not quoted
        elif not quoted and c == "(":
            depth += 1
        elif not quoted and c == ")":
            depth -= 1
        elif not quoted and depth == 0 and sql.startswith(word, i) and (
                i == 0 or not (word[0].isalnum() and sql[i - 1].isalnum())):
            found.append(i)
        i += 1
    return found


def _split(text: str) -> list[str]:
    cuts = [-1] + _top_level(text, ",") + [len(text)]
    return [text[a + 1:b].strip() for a, b in zip(cuts, cuts[1:], strict=False)]


def _final_select(sql: str) -> tuple[str, list[str], str]:
    """(what precedes the statement's final top-level SELECT, that SELECT's items, everything after its FROM)"""
    at = _top_level(sql, "SELECT")[-1]
    body = sql[at + len("SELECT"):]
    cut = _top_level(body, " FROM ")[0]
    return sql[:at], _split(body[:cut]), body[cut + len(" FROM "):]


def _alias(item: str) -> str:
    match = re.search(r"\s+AS\s+(\w+)$", item, re.I)
    return match.group(1) if match else item.split(".")[-1]


def _expression(item: str) -> str:
    return re.sub(r"\s+AS\s+\w+$", "", item, flags=re.I)


def _tail(rest: str) -> tuple[str, str, str]:
    """Split the FROM part into (from/where, GROUP BY clause, ORDER BY clause) at top level."""
    group = _top_level(rest, " GROUP BY ")
    order = _top_level(rest, " ORDER BY ")
    end = group[0] if group else order[0] if order else len(rest)
    grouped = rest[group[0] + len(" GROUP BY "):order[0] if order else len(rest)] if group else ""
    return rest[:end], grouped.strip(), rest[order[0] + len(" ORDER BY "):].strip() if order else ""


def _grouping_sets(sql: str) -> str:
    """GROUP BY GROUPING SETS (...) as a UNION ALL of plain GROUP BYs, absent keys as NULL."""
    head, items, rest = _final_select(sql)
    source, grouped, order = _tail(rest)
    sets = [_split(s.strip()[1:-1]) for s in _split(grouped[len("GROUPING SETS"):].strip()[1:-1])]
    parts = []
    for keys in sets:
        chosen = [item if AGGREGATE.search(item) or _expression(item) in keys else f"NULL AS {_alias(item)}"
                  for item in items]
        parts.append(f"SELECT {', '.join(chosen)} FROM {source} GROUP BY {', '.join(keys)}")
    return head + " UNION ALL ".join(parts) + (f" ORDER BY {order}" if order else "")


def _group_by_all(sql: str) -> str:
    _, items, _ = _final_select(sql)
    keys = [_expression(item) for item in items if not AGGREGATE.search(item)]
    return sql.replace("GROUP BY ALL", "GROUP BY " + ", ".join(keys))


def _quantiles(sql: str) -> tuple[str, list, int]:
    """The values behind percentile_cont(q) WITHIN GROUP (ORDER BY value), fetched with their group keys
    (Python sorts them per group and computes the percentile):
    (SQL, [(output name, value column, q) or (output name, key column)], number of key columns)."""
    head, items, rest = _final_select(sql)
    source, _, _ = _tail(rest)
    keys: list[str] = []
    values: list[str] = []
    plan: list[tuple] = []
    for item in items:
        match = re.fullmatch(r"percentile_cont\(([0-9.]+)\) WITHIN GROUP \(ORDER BY (.*)\) AS (\w+)", item, re.S)
        if match:
            expr = match.group(2)
            if expr not in values:
                values.append(expr)
            plan.append((match.group(3), values.index(expr), float(match.group(1))))
        else:
            keys.append(item)
            plan.append((_alias(item), len(keys) - 1))
    columns = keys + [f"{v} AS v{n}" for n, v in enumerate(values)]
    return f"{head}SELECT {', '.join(columns)} FROM {source}", plan, len(keys)


def translate(sql: str) -> tuple[str, tuple | None]:
    """DuckDB SQL of the reports layer -> SQLite SQL, and the quantile plan when Python must finish it."""
    plan = None
    if "GROUPING SETS" in sql:
        sql = _grouping_sets(sql)
    if "GROUP BY ALL" in sql:
        sql = _group_by_all(sql)
    if "percentile_cont" in sql:
        sql, *plan = _quantiles(sql)
    sql = re.sub(r"CAST\(extract\(epoch FROM ([\w.]+) - ([\w.]+)\) AS DOUBLE(?: PRECISION)?\)"  # seconds between
                 r"|date_part\('epoch', ([\w.]+) - ([\w.]+)\)",
                 lambda m: f"((julianday({m[1] or m[3]}) - julianday({m[2] or m[4]})) * 86400)", sql)
    sql = re.sub(r"extract\((year|month) FROM ([\w.]+)\)",  # a date's year or month as a number
                 lambda m: f"CAST(strftime('{'%Y' if m[1] == 'year' else '%m'}', {m[2]}) AS INTEGER)", sql)
    sql = re.sub(r"CAST\(([\w.]+|coalesce\([\w., ]+\)) AS TIMESTAMP\)", r"datetime(\1)", sql)
    sql = re.sub(r"CAST\(([^()]+?) AS DATE\) - CAST\(([^()]+?) AS DATE\)",  # days between two dates
                 r"CAST(julianday(date(\1)) - julianday(date(\2)) AS INTEGER)", sql)
    sql = re.sub(r"CAST\(([^()]+?) AS DATE\)", r"date(\1)", sql)
    month = r"date_trunc\('month', ([\w.]+|datetime\([\w.]+\))\)"  # of a timestamp, or of a date as a timestamp
    sql = re.sub(rf"CAST\({month} AS DATE\)", r"strftime('%Y-%m-01', \1)", sql)
    sql = re.sub(month, r"strftime('%Y-%m-01', \1)", sql)
    sql = re.sub(r"SELECT unnest\(\?::DATE\[\]\) AS (\w+)", r"SELECT value AS \1 FROM json_each(?)", sql)
    sql = sql.replace("least(", "min(").replace("greatest(", "max(").replace("current_date", "date('now')")
    left = [word for word in DUCKDB_ONLY if word.lower() in sql.lower()]
    if left:
        raise Untranslated(", ".join(left))
    return sql, (tuple(plan) if plan else None)


def sqlite_param(value):
    """A bound value as the SQLite copy stores it: dates and times as ISO text, lists as JSON, booleans as 0/1."""
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return json.dumps([sqlite_param(v) for v in value])
    if isinstance(value, bool):
        return int(value)
    return value


def repeat_params(params: list, sql: str) -> list:
    """Parameters for SQL whose source was repeated (grouping sets as UNION ALL): each copy takes them all."""
    holes = sql.count("?")
    return params * (holes // len(params)) if params and holes != len(params) and holes % len(params) == 0 else params


def translate_statements(recorded: list) -> list[tuple[str, list, tuple | None]]:
    """Recorded (DuckDB SQL, parameters, fetched as arrays) -> (SQLite SQL, parameters, quantile plan);
    raises Untranslated."""
    statements = []
    for sql, params, _ in recorded:
        translated, plan = translate(sql)
        statements.append((translated, repeat_params([sqlite_param(p) for p in params], translated), plan))
    return statements


def quantile_cont(ordered: list[float], q: float) -> float | None:
    """percentile_cont (DuckDB's quantile_cont): linear interpolation between the closest ranks."""
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def finish_quantiles(rows: list[tuple], plan: list, key_count: int) -> list[tuple]:
    """Group the fetched (keys..., values...) rows by key and compute each percentile over sorted values."""
    groups: dict[tuple, list[list]] = {}
    for row in rows:
        bucket = groups.setdefault(row[:key_count], [[] for _ in range(len(row) - key_count)])
        for n, value in enumerate(row[key_count:]):
            if value is not None:
                bucket[n].append(value)
    out = []
    for key, columns in sorted(groups.items(), key=lambda item: tuple((v is None, v) for v in item[0])):
        ordered = [sorted(c) for c in columns]
        out.append(tuple(key[step[1]] if len(step) == 2 else quantile_cont(ordered[step[1]], step[2])
                         for step in plan))
    return out


def run_sqlite(sq: sqlite3.Connection, statements: list) -> list[int]:
    """Run translated (SQL, parameters, quantile plan) statements; return the row count of each."""
    counts = []
    for sql, params, quantiles in statements:
        rows = sq.execute(sql, params).fetchall()
        if quantiles:
            rows = finish_quantiles(rows, quantiles[0], quantiles[1])
        counts.append(len(rows))
    return counts
