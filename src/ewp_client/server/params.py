"""Request parameters, read and checked once per endpoint from a declarative rule.

Each endpoint states its rules as an :class:`EndpointRules`: the methods it
takes, and one :class:`Param` per parameter (required or not, repeatable or
not, a value check, the ``max-*`` manifest limit it obeys). Reading a request
is then one call, :meth:`EndpointRules.read`, which refuses what the EWP
error-handling rules say a server must refuse, each with a typed error whose
``status`` is the answer:

* a method the endpoint does not take (PUT, DELETE, a GET on a POST-only
  update or CNR endpoint): :class:`~ewp_client.errors.MethodNotAllowed`, 405;
* a POST body that is not ``application/x-www-form-urlencoded`` (a
  ``charset`` parameter is fine, UTF-8 only):
  :class:`~ewp_client.errors.UnsupportedMediaType`, 415, as the official
  validator's reference servers answer;
* a query string or form body that is not UTF-8, a name or value holding a
  character XML 1.0 cannot carry (a NUL, an ESC, U+FFFE: it could never be
  echoed nor stored in an answer), a required parameter missing, a
  single-valued one repeated, more values than the published ``max-*`` limit
  (duplicates counted, as the validator sends them), a value its check
  refuses: :class:`~ewp_client.errors.InvalidParameter`, 400, naming the
  parameter.

Unknown parameters are ignored, as the specs ask. GET parameters come from
the query string (covered by the signed ``(request-target)``), POST ones from
the form body (covered by the verified ``Digest``). Messages name characters
by code point and never quote more than 40 characters of what was sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final
from urllib.parse import parse_qsl

from ..errors import InvalidParameter, MethodNotAllowed, UnsupportedMediaType
from .xml_text import first_unrepresentable

__all__ = [
    "FORM",
    "READ_METHODS",
    "EndpointRules",
    "Param",
    "Parameters",
    "academic_year_id",
    "date_time_with_offset",
    "one_of",
    "parse_form",
]

FORM: Final = "application/x-www-form-urlencoded"
#: What the read endpoints (get, index, Echo, Institutions...) take.
READ_METHODS: Final = ("GET", "POST")

#: A value check: ``None`` when the value is fine, else what is wrong with it.
Check = Callable[[str], str | None]

_YEAR: Final = re.compile(r"([0-9]{4})/([0-9]{4})")
# xs:dateTime with a mandatory offset (Z or ±hh:mm), optional fractional seconds.
_DATE_TIME: Final = re.compile(
    r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)


def academic_year_id(value: str) -> str | None:
    """An academic year as EWP writes it: ``2024/2025`` in the north, ``2024/2024`` in the south.

    The ``AcademicYearId`` type names a northern-hemisphere year (September to
    summer) by two consecutive years, and a southern-hemisphere one (January to
    December) by the same year twice; any other pair names no academic year.
    """
    found = _YEAR.fullmatch(value)
    if found is None:
        return "is not an academic year written YYYY/YYYY"
    if int(found.group(2)) - int(found.group(1)) not in (0, 1):
        return "does not name an academic year (the same year twice, or two consecutive years)"
    return None


def date_time_with_offset(value: str) -> str | None:
    """An ``xs:dateTime`` with its UTC offset (``2024-02-12T15:19:21+01:00``, or ``Z``)."""
    if _DATE_TIME.fullmatch(value) is None:
        return "is not a date and time with a UTC offset (xs:dateTime)"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return "is not a valid date and time"
    return None


def one_of(*allowed: str) -> Check:
    """A check accepting only the ``allowed`` values (an enumeration such as ``mobility_type``)."""

    def check(value: str) -> str | None:
        return None if value in allowed else f"is not one of {', '.join(allowed)}"

    return check


@dataclass(frozen=True, slots=True)
class Param:
    """The rules of one request parameter.

    ``limit`` names the manifest parameter bounding how many values one
    request may carry (``max-iia-ids``); its number comes from the server's
    configuration at :meth:`EndpointRules.read`. An empty value counts as
    absent for ``required`` and for the limit (``iia_id=`` is no id), and the
    ``check`` of a repeatable parameter skips it; values are kept as sent
    (Echo sends empty values back), :meth:`Parameters.unique` leaves them out.
    """

    name: str
    required: bool = False
    repeatable: bool = False
    check: Check | None = None
    limit: str | None = None


@dataclass(frozen=True, slots=True)
class Parameters:
    """A request's parameters once checked: the known ones, in the order sent."""

    items: tuple[tuple[str, str], ...]

    def all(self, name: str) -> tuple[str, ...]:
        """Every value of ``name`` as sent (repeats kept)."""
        return tuple(value for key, value in self.items if key == name)

    def unique(self, name: str) -> tuple[str, ...]:
        """The non-empty values of ``name`` (ids), each once, in first-seen order."""
        return tuple(dict.fromkeys(v for v in self.all(name) if v))

    def one(self, name: str) -> str | None:
        """The value of a single-valued parameter, ``None`` when absent."""
        values = self.all(name)
        return values[0] if values else None


@dataclass(frozen=True, slots=True)
class EndpointRules:
    """What one endpoint accepts: its ``methods`` and its parameters.

    ``one_of`` lists groups of parameters of which exactly one must be sent
    (OUnits take ``ounit_id`` or ``ounit_code``, never both). ``form`` is
    ``False`` for endpoints whose POST body is not a form (the LA ``update``
    takes XML): :meth:`read` then reads only the query string.
    """

    name: str
    params: tuple[Param, ...] = ()
    methods: tuple[str, ...] = READ_METHODS
    one_of: tuple[tuple[str, ...], ...] = ()
    form: bool = True
    _by_name: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {p.name: p for p in self.params})

    def param(self, name: str) -> Param | None:
        return self._by_name.get(name)

    def check_method(self, method: str) -> None:
        """Raise :class:`MethodNotAllowed` (405) unless the endpoint takes ``method``."""
        if method.upper() not in self.methods:
            allowed = " or ".join(self.methods)
            raise MethodNotAllowed(
                f"the {self.name} endpoint takes {allowed}, not {_shown(method)}",
                method=method,
                allowed=self.methods,
            )

    def read(
        self,
        *,
        method: str,
        query: bytes = b"",
        content_type: str | None = None,
        body: bytes = b"",
        limits: Mapping[str, int] | None = None,
    ) -> Parameters:
        """The request's parameters checked against these rules (see the module docstring).

        ``query`` is the raw query string, ``content_type`` and ``body`` those
        of a POST; ``limits`` the ``max-*`` numbers this server publishes.
        """
        self.check_method(method)
        if method.upper() == "POST" and self.form:
            items = parse_form(content_type, body)
        else:
            items = _parse(query, "the query string")
        return self.check(items, limits)

    def check(
        self, items: list[tuple[str, str]], limits: Mapping[str, int] | None = None
    ) -> Parameters:
        """Check already-decoded parameters against these rules."""
        for number, (name, value) in enumerate(items, start=1):
            _check_xml_text(name, f"the name of parameter {number}", None)
            _check_xml_text(value, f"parameter {number} ({_shown(name)})", name)
        known = [(n, v) for n, v in items if n in self._by_name]
        for param in self.params:
            self._check_param(param, [v for n, v in known if n == param.name], limits or {})
        for group in self.one_of:
            sent = [name for name in group if any(n == name and v for n, v in known)]
            if len(sent) != 1:
                names = " or ".join(group)
                raise InvalidParameter(
                    f"expected exactly one of {names}, got {len(sent)}", parameter=group[0]
                )
        return Parameters(tuple(known))

    def _check_param(self, param: Param, values: list[str], limits: Mapping[str, int]) -> None:
        name = param.name
        present = [v for v in values if v]
        if param.required and not present:
            raise InvalidParameter(f"the required parameter {name} is missing", parameter=name)
        if not param.repeatable and len(values) > 1:
            raise InvalidParameter(
                f"{name} is single-valued, but was sent {len(values)} times", parameter=name
            )
        limit = limits.get(param.limit) if param.limit else None
        if limit is not None and len(present) > limit:
            raise InvalidParameter(
                f"{len(present)} {name} values, more than {param.limit} ({limit})",
                parameter=name,
            )
        if param.check is not None:
            for value in values if not param.repeatable else present:
                problem = param.check(value)
                if problem is not None:
                    raise InvalidParameter(f"{name} {_shown(value)} {problem}", parameter=name)


def parse_form(content_type: str | None, body: bytes) -> list[tuple[str, str]]:
    """The parameters of a POST form body; 415 for a body of another media type.

    An empty body needs no ``Content-Type``. A ``charset`` other than UTF-8
    is refused too (415): EWP parameters are UTF-8.
    """
    media, _, rest = (content_type or "").partition(";")
    media = media.strip().lower()
    if body and media != FORM:
        raise UnsupportedMediaType(
            f"POST parameters must be sent as {FORM}, not {_shown(media or 'no Content-Type')}",
            content_type=content_type or "",
        )
    charset = _charset(rest)
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"POST parameters must be UTF-8, not charset {_shown(charset)}",
            content_type=content_type or "",
        )
    return _parse(body, "the form body")


def _charset(parameters: str) -> str | None:
    for part in parameters.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _parse(raw: bytes, what: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidParameter(f"{what} is not UTF-8 ({exc.reason})", parameter=None) from exc


def _check_xml_text(text: str, what: str, parameter: str | None) -> None:
    found = first_unrepresentable(text)
    if found is not None:
        offset, char = found
        raise InvalidParameter(
            f"{what} holds U+{ord(char):04X} at offset {offset}, a character XML cannot carry",
            parameter=parameter,
        )


def _shown(text: str) -> str:
    """``text`` for a message: ASCII escapes for anything unusual, at most 40 characters."""
    shown = ascii(text[:40])
    return shown if len(text) <= 40 else f"{shown}..."
