"""Types shared by many EWP messages (architecture common types, phone number, academic term)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from ..namespaces import ACADEMIC_TERM_V2_NS, COMMON_NS, PHONE_NS, XML_NS
from ._meta import attribute, element, text


class UnknownEnumValue(str):
    """A value of a growable enumeration that this library does not know (yet).

    Some EWP enumerations may gain values in later releases, and the spec tells
    clients to treat an unknown value as if it were absent. Models keep the raw
    value in this ``str`` subclass (so it survives a round trip) and offer a
    ``known_*`` accessor that returns ``None`` for it.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"UnknownEnumValue({str.__repr__(self)})"


@dataclass(frozen=True, kw_only=True, slots=True)
class AnyElement:
    """An element in an ``xs:any`` wildcard that no model describes, kept verbatim.

    ``tag`` is its qualified name (``{namespace}local``), ``xml`` its exclusive
    canonical XML (C14N), so that two copies compare equal whatever prefixes
    or white space between attributes the documents used.
    """

    tag: str
    xml: bytes


class Gender(IntEnum):
    """ISO/IEC 5218 sex codes (``ewp:Gender``)."""

    NOT_KNOWN = 0
    MALE = 1
    FEMALE = 2
    NOT_APPLICABLE = 9


@dataclass(frozen=True, kw_only=True, slots=True)
class StringWithOptionalLang:
    """A one-line text with an optional ``xml:lang`` (``ewp:StringWithOptionalLang``)."""

    value: str = field(metadata=text())
    lang: str | None = field(default=None, metadata=attribute("lang", namespace=XML_NS))

    class Meta:
        namespace = COMMON_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class MultilineStringWithOptionalLang(StringWithOptionalLang):
    """A text whose line breaks are meaningful, with an optional ``xml:lang``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PhoneNumber:
    """A phone number: E.164 form, extension, or free text when E.164 cannot express it."""

    e164: str | None = field(default=None, metadata=element("e164"))
    ext: str | None = field(default=None, metadata=element("ext"))
    other_format: str | None = field(default=None, metadata=element("other-format"))

    class Meta:
        name = "phone-number"
        namespace = PHONE_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class TermId:
    """Which term of the academic year: ``term_number`` of ``total_terms`` (2 of 2 = summer)."""

    term_number: int = field(metadata=element("term-number"))
    total_terms: int = field(metadata=element("total-terms"))

    class Meta:
        namespace = ACADEMIC_TERM_V2_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class ErrorResponse:
    """The body of any EWP error answer (``ewp:error-response``)."""

    developer_message: str = field(metadata=element("developer-message"))
    user_messages: tuple[MultilineStringWithOptionalLang, ...] = field(
        default=(), metadata=element("user-message")
    )

    class Meta:
        name = "error-response"
        namespace = COMMON_NS
