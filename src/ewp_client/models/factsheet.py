"""Mobility Factsheet API v1: what incoming students need to know about a HEI."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..namespaces import FACTSHEET_NS, PHONE_NS
from ._meta import element
from .common import PhoneNumber
from .contact import HttpWithOptionalLang


class AccessibilityType(StrEnum):
    """Whether an accessibility provision is a building feature or a service."""

    INFRASTRUCTURE = "infrastructure"
    SERVICE = "service"


@dataclass(frozen=True, kw_only=True, slots=True)
class InformationEntry:
    """Where to ask: one e-mail address, one phone number, one or more web pages."""

    email: str = field(metadata=element("email"))
    phone_number: PhoneNumber = field(metadata=element("phone-number", namespace=PHONE_NS))
    website_urls: tuple[HttpWithOptionalLang, ...] = field(metadata=element("website-url"))

    class Meta:
        namespace = FACTSHEET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class CalendarEntry:
    """A deadline per term, as ``xs:gMonthDay`` (``"--05-31"``)."""

    autumn_term: str = field(metadata=element("autumn-term"))
    spring_term: str = field(metadata=element("spring-term"))

    class Meta:
        namespace = FACTSHEET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class FactsheetCalendar:
    """Deadlines for nominating students and for their applications."""

    student_nominations: CalendarEntry = field(metadata=element("student-nominations"))
    student_applications: CalendarEntry = field(metadata=element("student-applications"))

    class Meta:
        namespace = FACTSHEET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class AdditionalRequirement:
    """A requirement beyond the agreement (e.g. a minimum number of completed credits)."""

    name: str = field(metadata=element("name"))
    details: str = field(metadata=element("details"))
    information_websites: tuple[HttpWithOptionalLang, ...] = field(
        default=(), metadata=element("information-website")
    )

    class Meta:
        namespace = FACTSHEET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class Accessibility:
    """An accessibility provision for students with disabilities or special needs."""

    type: AccessibilityType = field(metadata=element("type"))
    name: str = field(metadata=element("name"))
    description: str | None = field(default=None, metadata=element("description"))
    information: InformationEntry = field(metadata=element("information"))

    class Meta:
        namespace = FACTSHEET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class AdditionalInfo:
    """Any other information, under a free ``type`` (e.g. ``"culture"``)."""

    type: str = field(metadata=element("type"))
    info: InformationEntry = field(metadata=element("info"))

    class Meta:
        namespace = FACTSHEET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class Factsheet:
    """The factsheet of one HEI; the week limits are for decisions and transcripts of records."""

    hei_id: str = field(metadata=element("hei-id"))
    calendar: FactsheetCalendar = field(metadata=element("calendar"))
    application_info: InformationEntry = field(metadata=element("application-info"))
    additional_requirements: tuple[AdditionalRequirement, ...] = field(
        default=(), metadata=element("additional-requirement")
    )
    decision_weeks_limit: int = field(metadata=element("decision-weeks-limit"))
    tor_weeks_limit: int = field(metadata=element("tor-weeks-limit"))
    accessibility: tuple[Accessibility, ...] = field(default=(), metadata=element("accessibility"))
    housing_info: InformationEntry = field(metadata=element("housing-info"))
    visa_info: InformationEntry = field(metadata=element("visa-info"))
    insurance_info: InformationEntry = field(metadata=element("insurance-info"))
    additional_info: tuple[AdditionalInfo, ...] = field(
        default=(), metadata=element("additional-info")
    )

    class Meta:
        namespace = FACTSHEET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class FactsheetResponse:
    """The answer of the Factsheet API: one factsheet per requested ``hei_id`` it knows."""

    factsheets: tuple[Factsheet, ...] = field(default=(), metadata=element("factsheet"))

    class Meta:
        name = "factsheet-response"
        namespace = FACTSHEET_NS
