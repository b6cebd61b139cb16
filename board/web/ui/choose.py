"""A selectbox whose first option stands for None ("any", "every one", "keep as is", "none"). The box holds a
value of its own for it, not None: after a rerun the browser offers to clear a box whose value is None, and a
cleared box reads "Choose an option" in place of the words people chose from."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

NONE = ""  # what the box holds for None (no option of ours is an empty string)


def select_or_none(container: Any, label: str, options: Iterable, *, none: str,
                   format_func: Callable[[Any], str] = str, value: Any = None, **kwargs: Any) -> Any:
    """st.selectbox (on `container`: st, a column, a form) over None and the options, None shown as `none`,
    starting at `value`; the option chosen, or None."""
    choices = [NONE, *options]
    index = choices.index(value) if value is not None and value in choices else 0
    chosen = container.selectbox(label, choices, index=index,
                                 format_func=lambda v: none if v == NONE else format_func(v), **kwargs)
    return None if chosen in (NONE, None) else chosen
