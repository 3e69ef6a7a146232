"""Outgoing Mobility Learning Agreements v1 (release 1.2): the learning agreement itself.

A :class:`LearningAgreement` holds up to three snapshots of its component
tables: ``first_version`` (approved by all three parties), ``approved_changes``
(the latest approved amendment) and ``changes_proposal`` (not yet approved by
the receiving HEI, identified by its ``id``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final, Literal

from ..namespaces import LAS_GET_NS, PHONE_NS
from ._meta import attribute, element
from .common import Gender, PhoneNumber, TermId, UnknownEnumValue

#: The name of a component table of a snapshot (a field of :class:`ListOfComponents`).
TableName = Literal[
    "components_studied",
    "components_recognized",
    "virtual_components",
    "blended_mobility_components",
    "short_term_doctoral_components",
]

#: The component tables of a snapshot, in XSD order (Tables A, B, C, blended, doctoral).
TABLE_FIELDS: Final[tuple[TableName, ...]] = (
    "components_studied",
    "components_recognized",
    "virtual_components",
    "blended_mobility_components",
    "short_term_doctoral_components",
)


class MobilityType(StrEnum):
    """The type of mobility an LA is for: the ``index`` filter, and what amendment rules apply.

    A document does not state it; :func:`ewp_client.ola.mobility_type` derives
    it from the component lists present (blended, short-term doctoral).
    """

    SEMESTER = "semester"
    BLENDED = "blended"
    DOCTORAL = "doctoral"


class ComponentStatus(StrEnum):
    """How a component of a proposal changes the previous version."""

    INSERTED = "inserted"
    DELETED = "deleted"


class ReasonCode(StrEnum):
    """Why a component was inserted or deleted.

    A growable enumeration: the spec allows new values in later releases and
    tells clients to treat a value they do not know as if no code were given.
    Decoding keeps such a value as :class:`~ewp_client.models.UnknownEnumValue`.
    """

    NOT_AVAILABLE = "not-available"
    LANGUAGE_MISMATCH = "language-mismatch"
    TIMETABLE_CONFLICT = "timetable-conflict"
    SUBSTITUTING_DELETED = "substituting-deleted"
    EXTENDING_MOBILITY = "extending-mobility"
    ADDING_VIRTUAL_COMPONENT = "adding-virtual-component"


@dataclass(frozen=True, kw_only=True, slots=True)
class Credit:
    """Credits of a component in one scheme (``ects`` in practice)."""

    scheme: str = field(metadata=element("scheme"))
    value: Decimal = field(metadata=element("value"))

    class Meta:
        namespace = LAS_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class LaComponent:
    """One row of a component table (studied, recognized, virtual, ...)."""

    los_id: str | None = field(default=None, metadata=element("los-id"))
    los_code: str | None = field(default=None, metadata=element("los-code"))
    title: str = field(metadata=element("title"))
    loi_id: str | None = field(default=None, metadata=element("loi-id"))
    term_id: TermId | None = field(default=None, metadata=element("term-id"))
    credits: tuple[Credit, ...] = field(default=(), metadata=element("credit"))
    recognition_conditions: str | None = field(
        default=None, metadata=element("recognition-conditions")
    )
    short_description: str | None = field(default=None, metadata=element("short-description"))
    status: ComponentStatus | None = field(default=None, metadata=attribute("status"))
    reason_code: ReasonCode | UnknownEnumValue | None = field(
        default=None, metadata=attribute("reason-code")
    )
    reason_text: str | None = field(default=None, metadata=attribute("reason-text"))

    class Meta:
        name = "component"
        namespace = LAS_GET_NS

    @property
    def known_reason_code(self) -> ReasonCode | None:
        """The reason code, or ``None`` when absent or unknown (as the spec requires)."""
        return self.reason_code if isinstance(self.reason_code, ReasonCode) else None


@dataclass(frozen=True, kw_only=True, slots=True)
class ComponentList:
    """The components of one table, in document order; iterating it gives them."""

    components: tuple[LaComponent, ...] = field(default=(), metadata=element())

    class Meta:
        namespace = LAS_GET_NS

    def __iter__(self) -> Iterator[LaComponent]:
        return iter(self.components)

    def __len__(self) -> int:
        return len(self.components)


@dataclass(frozen=True, kw_only=True, slots=True)
class Signature:
    """Who approved a version of the LA, when, and with which application."""

    signer_name: str | None = field(default=None, metadata=element("signer-name"))
    signer_position: str | None = field(default=None, metadata=element("signer-position"))
    signer_email: str | None = field(default=None, metadata=element("signer-email"))
    timestamp: datetime = field(metadata=element("timestamp"))
    signer_app: str | None = field(default=None, metadata=element("signer-app"))

    class Meta:
        namespace = LAS_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class ListOfComponents:
    """The component tables of one LA snapshot and the signatures on it.

    The receiving HEI's signature is optional in the schema; outside a
    changes proposal the business rules require it. A table the snapshot does
    not list is ``None``; :meth:`table` reads any table as a tuple (empty when
    absent), as :class:`~ewp_client.ola.ComponentTables` holds them.
    """

    components_studied: ComponentList | None = field(
        default=None, metadata=element("components-studied")
    )
    components_recognized: ComponentList | None = field(
        default=None, metadata=element("components-recognized")
    )
    virtual_components: ComponentList | None = field(
        default=None, metadata=element("virtual-components")
    )
    blended_mobility_components: ComponentList | None = field(
        default=None, metadata=element("blended-mobility-components")
    )
    short_term_doctoral_components: ComponentList | None = field(
        default=None, metadata=element("short-term-doctoral-components")
    )
    student_signature: Signature = field(metadata=element("student-signature"))
    sending_hei_signature: Signature = field(metadata=element("sending-hei-signature"))
    receiving_hei_signature: Signature | None = field(
        default=None, metadata=element("receiving-hei-signature")
    )

    class Meta:
        namespace = LAS_GET_NS

    def table(self, name: TableName) -> tuple[LaComponent, ...]:
        """The components of table ``name`` in document order (empty when not listed)."""
        listed: ComponentList | None = getattr(self, name)
        return () if listed is None else listed.components

    def tables(self) -> Iterator[tuple[TableName, tuple[LaComponent, ...]]]:
        """``(name, components)`` of every table the snapshot lists, in XSD order."""
        for name in TABLE_FIELDS:
            if getattr(self, name) is not None:
                yield name, self.table(name)


@dataclass(frozen=True, kw_only=True, slots=True)
class Student:
    """The student; in a changes proposal only the fields changed since the last approval."""

    given_names: str | None = field(default=None, metadata=element("given-names"))
    family_name: str | None = field(default=None, metadata=element("family-name"))
    global_id: str | None = field(default=None, metadata=element("global-id"))
    birth_date: date | None = field(default=None, metadata=element("birth-date"))
    citizenship: str | None = field(default=None, metadata=element("citizenship"))
    gender: Gender | None = field(default=None, metadata=element("gender"))
    email: str | None = field(default=None, metadata=element("email"))

    class Meta:
        name = "student"
        namespace = LAS_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class ChangesProposal(ListOfComponents):
    """A proposed new version, awaiting the receiving HEI; ``id`` changes with its content."""

    student: Student | None = field(default=None, metadata=element("student"))
    id: str = field(metadata=attribute("id"))


@dataclass(frozen=True, kw_only=True, slots=True)
class ContactPerson:
    """The person a HEI names as responsible for the LA."""

    given_names: str = field(metadata=element("given-names"))
    family_name: str = field(metadata=element("family-name"))
    email: str = field(metadata=element("email"))
    phone_number: PhoneNumber | None = field(
        default=None, metadata=element("phone-number", namespace=PHONE_NS)
    )

    class Meta:
        namespace = LAS_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class MobilityInstitution:
    """The sending or receiving HEI of the mobility, with its unit and contact person."""

    hei_id: str = field(metadata=element("hei-id"))
    ounit_name: str | None = field(default=None, metadata=element("ounit-name"))
    ounit_id: str | None = field(default=None, metadata=element("ounit-id"))
    contact_person: ContactPerson = field(metadata=element("contact-person"))

    class Meta:
        namespace = LAS_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class LanguageSkill:
    """The language of instruction and the student's CEFR level in it (``NS``: native)."""

    language: str = field(metadata=element("language"))
    cefr_level: str = field(metadata=element("cefr-level"))

    class Meta:
        namespace = LAS_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class LearningAgreement:
    """The learning agreement of one outgoing mobility.

    Start and end are given either as a full date or as a year and month
    (``"2019-02"``); exactly one of each pair is set.
    """

    omobility_id: str = field(metadata=element("omobility-id"))
    sending_hei: MobilityInstitution = field(metadata=element("sending-hei"))
    receiving_hei: MobilityInstitution = field(metadata=element("receiving-hei"))
    receiving_academic_year_id: str = field(metadata=element("receiving-academic-year-id"))
    student: Student = field(metadata=element("student"))
    start_date: date | None = field(default=None, metadata=element("start-date"))
    start_year_month: str | None = field(default=None, metadata=element("start-year-month"))
    end_date: date | None = field(default=None, metadata=element("end-date"))
    end_year_month: str | None = field(default=None, metadata=element("end-year-month"))
    eqf_level_studied_at_departure: int = field(metadata=element("eqf-level-studied-at-departure"))
    isced_f_code: str = field(metadata=element("isced-f-code"))
    isced_clarification: str | None = field(default=None, metadata=element("isced-clarification"))
    student_language_skill: LanguageSkill = field(metadata=element("student-language-skill"))
    first_version: ListOfComponents | None = field(default=None, metadata=element("first-version"))
    approved_changes: ListOfComponents | None = field(
        default=None, metadata=element("approved-changes")
    )
    changes_proposal: ChangesProposal | None = field(
        default=None, metadata=element("changes-proposal")
    )
    learning_outcomes_url: str | None = field(
        default=None, metadata=element("learning-outcomes-url")
    )
    provisions_url: str | None = field(default=None, metadata=element("provisions-url"))

    class Meta:
        namespace = LAS_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class LasGetResponse:
    """The answer of the LAs ``get`` endpoint: the LAs found, in any order."""

    las: tuple[LearningAgreement, ...] = field(default=(), metadata=element("la"))

    class Meta:
        name = "omobility-las-get-response"
        namespace = LAS_GET_NS
