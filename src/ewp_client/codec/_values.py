"""Text <-> Python value conversions for leaf elements and attributes.

Strings are kept exactly as written (white space included); numbers, dates,
booleans and enumerations are read from their whitespace-collapsed text, as XML
Schema does for those types.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ..models.common import UnknownEnumValue

# xs:date may carry a time zone, which datetime.date cannot hold; it says
# nothing about the day itself, so it is dropped.
_DATE_ZONE = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def from_text(text: str, target: type, *, growable: bool = False) -> Any:
    """The value of type ``target`` that ``text`` denotes (``ValueError`` when none)."""
    if target is str:
        return text
    value = text.strip()
    if issubclass(target, Enum):
        for member in target:
            if str(member.value) == value:
                return member
        if growable:
            return UnknownEnumValue(value)
        raise ValueError(f"{value!r} is not one of {[str(m.value) for m in target]}")
    if target is bool:
        if value not in ("true", "false", "1", "0"):
            raise ValueError(f"{value!r} is not an xs:boolean")
        return value in ("true", "1")
    if target is int:
        return int(value)
    if target is Decimal:
        return Decimal(value)
    if target is datetime:
        return datetime.fromisoformat(value)
    if target is date:
        return date.fromisoformat(_DATE_ZONE.sub("", value))
    raise TypeError(f"no XML conversion for {target!r}")


def to_text(value: object) -> str:
    """The canonical XML text of ``value``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    raise TypeError(f"no XML text for {type(value).__name__}")
