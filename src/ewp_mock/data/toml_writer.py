"""A small TOML writer for ``dataset.toml`` (the standard library only reads TOML).

It writes what the fixture format uses: strings, booleans, integers,
offset date-times, arrays of those and of inline tables, and arrays of tables
(marked by :class:`TableArray`) nested under a table array. Keys are bare
keys. Strings are TOML basic strings (JSON escapes are TOML escapes; the
control character DEL, which JSON leaves as is, is escaped too).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

__all__ = ["TableArray", "dumps"]

#: A value in a TOML document as this writer takes it.
Value = object


class TableArray(list[Mapping[str, Value]]):
    """An array of tables (``[[name]]`` sections) rather than an inline array."""


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _inline(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("TOML date-times are written with their offset")
        return value.isoformat()
    if isinstance(value, Mapping):
        items = ", ".join(f"{k} = {_inline(v)}" for k, v in value.items())
        return f"{{ {items} }}" if items else "{}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} in TOML")


def _table(lines: list[str], table: Mapping[str, Value], prefix: str) -> None:
    for key, value in table.items():
        if value is None or isinstance(value, TableArray):
            continue
        lines.append(f"{key} = {_inline(value)}")
    for key, value in table.items():
        if isinstance(value, TableArray):
            name = f"{prefix}{key}"
            for item in value:
                lines.append("")
                lines.append(f"[[{name}]]")
                _table(lines, item, f"{name}.")


def dumps(document: Mapping[str, Value], *, header: Sequence[str] = ()) -> str:
    """``document`` as TOML text; ``header`` lines are written first as comments.

    ``None`` values are left out (TOML has no null).
    """
    lines = [f"# {line}".rstrip() for line in header]
    _table(lines, document, "")
    return "\n".join(lines).lstrip("\n") + "\n"
