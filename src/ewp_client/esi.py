"""European Student Identifier (ESI) check for a student's ``global-id``.

The OMobility LA schema asks that ``global-id`` follow the ESI specification
(GÉANT, v1.0): a ``schacPersonalUniqueCode`` URN in one of two forms,

* ``urn:schac:personalUniqueCode:int:esi:<country-code>:<code>`` when the code
  is unique within a country (ISO 3166-1 alpha-2, e.g. ``at``) or one of its
  administrative divisions (ISO 3166-2, e.g. ``es-an``);
* ``urn:schac:personalUniqueCode:int:esi:<sHO>:<code>`` when it is unique only
  within the issuing institution, named by its schacHomeOrganization (a domain
  name, possibly with the issuing unit in front: ``fac.uni.example``);

where ``<code>`` uses only the characters RFC 2141 allows in a URN (letters,
digits, ``()+,-.:=@;$_!*'`` and ``%`` escapes), and the whole value is at most
255 characters long.

SCHAC compares these values case-insensitively, but EWP partners compare
``global-id`` as plain strings, so a value that differs from the spelling of
the specification only by case is usable yet risky: :func:`check_esi` accepts
it and adds a warning, and :attr:`EsiCheck.canonical` gives the spelling to
store. Nothing here raises: a ``global-id`` that is not an ESI is a reason to
warn, never to refuse a learning agreement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Final

#: The prefix as the specification spells it.
ESI_PREFIX: Final = "urn:schac:personalUniqueCode:int:esi:"
#: The SCHAC personalUniqueCode namespace, of which ESI is one registration.
SCHAC_PUC_PREFIX: Final = "urn:schac:personalUniqueCode:"
MAX_LENGTH: Final = 255

# Officially assigned ISO 3166-1 alpha-2 codes.
_ISO_3166_1: Final = frozenset(
    """
    ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq
    br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm
    do dz ec ee eg eh er es et fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs
    gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn
    kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq
    mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm
    pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st sv
    sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug um us uy uz va vc ve vg vi
    vn vu wf ws ye yt za zm zw
    """.split()  # noqa: SIM905 (a list literal of 249 codes would not be more readable)
)

_COUNTRY: Final = re.compile(r"[A-Za-z]{2}")
_SUBDIVISION: Final = re.compile(r"([A-Za-z]{2})-[A-Za-z0-9]{1,3}")
_DOMAIN_LABEL: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# RFC 2141 section 2.2: letters, digits, "other" characters, and %-escapes.
_URN_CHARS: Final = re.compile(r"(?:[A-Za-z0-9()+,\-.:=@;$_!*']|%[0-9A-Fa-f]{2})+")


class EsiScope(Enum):
    """Where the student code is unique."""

    COUNTRY = "country"  # ISO 3166-1 alpha-2
    REGION = "region"  # ISO 3166-2 subdivision
    INSTITUTION = "institution"  # schacHomeOrganization


class EsiProblemKind(StrEnum):
    """What is wrong with a value; each kind is either an error or a warning."""

    # errors: the value is not a usable ESI
    NOT_ESI = "not-esi"
    OTHER_SCHAC_CODE = "other-schac-code"
    WHITESPACE = "whitespace"
    MISSING_ISSUER = "missing-issuer"
    BAD_ISSUER = "bad-issuer"
    MISSING_CODE = "missing-code"
    BAD_CODE_CHARACTERS = "bad-code-characters"
    TOO_LONG = "too-long"
    # warnings: usable, but likely to be compared wrongly or rejected
    PREFIX_CASE = "prefix-case"
    ISSUER_CASE = "issuer-case"
    UNKNOWN_COUNTRY = "unknown-country"


_WARNINGS: Final = frozenset(
    {EsiProblemKind.PREFIX_CASE, EsiProblemKind.ISSUER_CASE, EsiProblemKind.UNKNOWN_COUNTRY}
)


@dataclass(frozen=True, slots=True)
class EsiProblem:
    kind: EsiProblemKind
    message: str

    @property
    def is_warning(self) -> bool:
        return self.kind in _WARNINGS


@dataclass(frozen=True, slots=True)
class EsiCheck:
    """The verdict on one ``global-id`` value."""

    value: str
    scope: EsiScope | None
    #: The country code, subdivision code or schacHomeOrganization, as written.
    issuer: str | None
    #: The student code, as written.
    code: str | None
    problems: tuple[EsiProblem, ...]

    @property
    def errors(self) -> tuple[EsiProblem, ...]:
        return tuple(p for p in self.problems if not p.is_warning)

    @property
    def warnings(self) -> tuple[EsiProblem, ...]:
        return tuple(p for p in self.problems if p.is_warning)

    @property
    def valid(self) -> bool:
        """An ESI per the specification (warnings allowed)."""
        return not self.errors

    @property
    def canonical(self) -> str | None:
        """The value with the prefix as specified and the issuer in lower case, when valid."""
        if not self.valid or self.issuer is None or self.code is None:
            return None
        return f"{ESI_PREFIX}{self.issuer.lower()}:{self.code}"


def _problem(kind: EsiProblemKind, message: str) -> EsiProblem:
    return EsiProblem(kind, message)


def _check_issuer(issuer: str) -> tuple[EsiScope | None, list[EsiProblem]]:
    if _COUNTRY.fullmatch(issuer):
        scope, country = EsiScope.COUNTRY, issuer
    elif m := _SUBDIVISION.fullmatch(issuer):
        scope, country = EsiScope.REGION, m[1]
    elif "." in issuer and all(_DOMAIN_LABEL.fullmatch(label) for label in issuer.split(".")):
        scope, country = EsiScope.INSTITUTION, None
    else:
        return None, [
            _problem(
                EsiProblemKind.BAD_ISSUER,
                f"{issuer!r} is neither an ISO 3166 country or subdivision code nor a "
                "schacHomeOrganization domain name",
            )
        ]
    problems = []
    if country is not None and country.lower() not in _ISO_3166_1:
        problems.append(
            _problem(
                EsiProblemKind.UNKNOWN_COUNTRY,
                f"{country!r} is not an assigned ISO 3166-1 alpha-2 country code",
            )
        )
    if issuer != issuer.lower():
        problems.append(
            _problem(
                EsiProblemKind.ISSUER_CASE,
                f"{issuer!r} has upper-case letters; ESIs are written with {issuer.lower()!r}",
            )
        )
    return scope, problems


def check_esi(value: str) -> EsiCheck:
    """Check a ``global-id`` against the ESI specification (see the module docstring)."""
    if value != value.strip():
        return EsiCheck(
            value,
            None,
            None,
            None,
            (_problem(EsiProblemKind.WHITESPACE, "the value has white space around it"),),
        )
    if value[: len(ESI_PREFIX)].lower() != ESI_PREFIX.lower():
        if value[: len(SCHAC_PUC_PREFIX)].lower() == SCHAC_PUC_PREFIX.lower():
            problem = _problem(
                EsiProblemKind.OTHER_SCHAC_CODE,
                f"a schacPersonalUniqueCode, but not an ESI (which starts {ESI_PREFIX!r})",
            )
        else:
            problem = _problem(EsiProblemKind.NOT_ESI, f"does not start with {ESI_PREFIX!r}")
        return EsiCheck(value, None, None, None, (problem,))

    problems: list[EsiProblem] = []
    if not value.startswith(ESI_PREFIX):
        problems.append(
            _problem(
                EsiProblemKind.PREFIX_CASE,
                f"the prefix {value[: len(ESI_PREFIX)]!r} differs in case from {ESI_PREFIX!r}; "
                "partners comparing strings will not match it",
            )
        )
    if len(value) > MAX_LENGTH:
        problems.append(
            _problem(EsiProblemKind.TOO_LONG, f"{len(value)} characters, more than {MAX_LENGTH}")
        )
    rest = value[len(ESI_PREFIX) :]
    issuer, separator, code = rest.partition(":")
    scope = None
    if not issuer:
        problems.append(_problem(EsiProblemKind.MISSING_ISSUER, "no country code or sHO"))
    else:
        scope, issuer_problems = _check_issuer(issuer)
        problems += issuer_problems
    if not separator or not code:
        problems.append(_problem(EsiProblemKind.MISSING_CODE, "no student code"))
    elif not _URN_CHARS.fullmatch(code) or "%00" in code:
        problems.append(
            _problem(
                EsiProblemKind.BAD_CODE_CHARACTERS,
                f"the code {code!r} has characters a URN does not allow (RFC 2141); "
                "escape them as %XX",
            )
        )
    return EsiCheck(value, scope, issuer or None, code or None, tuple(problems))


def is_esi(value: str) -> bool:
    """Whether ``value`` is a valid ESI (possibly with warnings)."""
    return check_esi(value).valid
