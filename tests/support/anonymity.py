"""Looking for a person in the database: every row of every table before and after, and the columns that name
a person."""

from __future__ import annotations

PERSON_COLUMNS = ("author_id", "actor_id", "person_id", "owner_id")


def snapshot(store) -> dict[str, set]:
    with store.read() as con:
        names = [r["table_name"] for r in con.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        return {name: {tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in r.items()))
                       for r in con.rows(f'SELECT * FROM "{name}"')} for name in names}


def new_rows(before: dict, after: dict) -> list[dict]:
    return [dict(row) for name in after for row in after[name] - before.get(name, set())]
