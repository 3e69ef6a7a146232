"""``X-Request-Id``: a fresh lower-case canonical UUID per request."""

from __future__ import annotations

import re
import uuid
from typing import Final

from ..errors import RequestIdError

__all__ = ["check_request_id", "new_request_id"]

_CANONICAL: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def new_request_id() -> str:
    """An unpredictable version-4 UUID in canonical lower-case form."""
    return str(uuid.uuid4())


def check_request_id(value: str | None) -> str:
    """Return ``value`` if it is a lower-case canonical UUID; :class:`RequestIdError` otherwise."""
    if value is None:
        raise RequestIdError("the X-Request-Id header is missing")
    if _CANONICAL.fullmatch(value) is None:
        raise RequestIdError(f"X-Request-Id {value!r} is not a lower-case canonical UUID")
    return value
