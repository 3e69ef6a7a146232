"""HTTP dates as EWP signatures use them: RFC 1123 in GMT, and the clock-skew check."""

from __future__ import annotations

import datetime
import functools
import re
from calendar import timegm
from email.utils import formatdate
from typing import Final

from ..errors import ClockSkewError, InvalidDateHeader

__all__ = ["check_date", "format_http_date", "parse_http_date"]

_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip
_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RFC1123: Final = re.compile(
    r"(?P<wd>Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<d>\d{2}) (?P<mon>[A-Z][a-z]{2}) (?P<y>\d{4}) "
    r"(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2}) GMT"
)


def format_http_date(timestamp: float) -> str:
    """``Sun, 06 Nov 1994 08:49:37 GMT`` for a POSIX timestamp."""
    return _format_second(int(timestamp))


@functools.lru_cache(maxsize=8)
def _format_second(second: int) -> str:
    # Every message of the same second carries the same date: format it once.
    return formatdate(second, usegmt=True)


def parse_http_date(value: str, *, header: str = "Date") -> float:
    """The POSIX timestamp of a strict RFC 1123 GMT date; :class:`InvalidDateHeader` otherwise.

    Strict on purpose: the obsolete RFC 850 and asctime forms, other zones
    (``CEST``, ``GMT+2:00``, ``+0000``) and a wrong weekday are all refused,
    because a partner sending them is what EWP support tickets are about.
    """
    parsed = _parse(value.strip())
    if isinstance(parsed, str):
        raise InvalidDateHeader(f"{header}: {value!r} {parsed}", header=header, value=value)
    return parsed


@functools.lru_cache(maxsize=256)
def _parse(value: str) -> float | str:
    """The timestamp, or why ``value`` is refused (cached: a date repeats within its second)."""
    match = _RFC1123.fullmatch(value)
    if match is None or match["mon"] not in _MONTHS:
        return "is not an RFC 1123 date in GMT"
    fields = (int(match[k]) for k in ("y", "d", "h", "mi", "s"))
    year, day, hour, minute, second = fields
    month = _MONTHS.index(match["mon"]) + 1
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        return f"is not a valid date: {exc}"
    if _DAYS[moment.weekday()] != match["wd"]:
        return "names the wrong day of the week"
    return float(timegm(moment.timetuple()))


def check_date(value: str, *, now: float, limit: float, header: str = "Date") -> float:
    """Parse ``value`` and check it is within ``limit`` seconds of ``now``; return the skew.

    The skew is ``date - now`` (positive: the sender's clock is ahead).
    """
    skew = parse_http_date(value, header=header) - now
    if abs(skew) > limit:
        direction = "ahead of" if skew > 0 else "behind"
        raise ClockSkewError(
            f"{header} is {abs(skew):.0f} s {direction} our clock (allowed: {limit:.0f} s)",
            skew=skew,
            limit=limit,
            header=header,
        )
    return skew
