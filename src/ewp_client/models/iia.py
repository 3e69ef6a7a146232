"""Interinstitutional Agreements API v7: the agreement (``iia``) of the ``get`` endpoint.

An :class:`Iia` names its two :class:`IiaPartner` (the first is the HEI the
serving host speaks for) and its :class:`CooperationConditions`: the
mobilities of four kinds both partners agreed on.

Values kept verbatim
--------------------
The ``iia-hash`` both partners must agree on is computed from the *text* of
the cooperation conditions, so ``<blended>0</blended>`` and
``<blended>false</blended>`` give different hashes, and so do ``5`` and
``5.0`` months. To let a decoded agreement be written back with the hash it
arrived with, every value inside a mobility is kept as the ``str`` the partner
wrote (white space included); typed readings are properties
(:attr:`StudentMobilitySpecification.is_blended`,
:attr:`MobilitiesPerYear.count`, ...). Values outside the hashed part
(``in-effect``, ``signing-date``, the boolean markers) are typed.

Markers
-------
``not-yet-defined`` (on ``mobilities-per-year`` and
``recommended-language-skill``) and ``v6-value`` (on ``isced-f-code``) carry
values over from a v6 agreement; a document holding either is not valid for
approval. ``terminated-as-a-whole`` on the cooperation conditions ends an
approved agreement early. See :mod:`ewp_client.iia.hash` for how each one
changes the hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..namespaces import IIAS_V7_GET_NS
from ._meta import attribute, element, text
from .contact import Contact


@dataclass(frozen=True, kw_only=True, slots=True)
class IscedFCode:
    """A four-digit ISCED-F 2013 code; ``v6_value`` keeps the shorter code of a v6 agreement."""

    value: str = field(metadata=text())
    v6_value: str | None = field(default=None, metadata=attribute("v6-value"))

    class Meta:
        namespace = IIAS_V7_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class SubjectArea:
    """A field of education: its ISCED-F code and an optional clarification (may be empty)."""

    isced_f_code: IscedFCode = field(metadata=element("isced-f-code"))
    isced_clarification: str | None = field(default=None, metadata=element("isced-clarification"))

    class Meta:
        namespace = IIAS_V7_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class RecommendedLanguageSkill:
    """A language (with an optional CEFR level) recommended for the mobility."""

    language: str = field(metadata=element("language"))
    cefr_level: str | None = field(default=None, metadata=element("cefr-level"))
    subject_area: SubjectArea | None = field(default=None, metadata=element("subject-area"))
    not_yet_defined: bool | None = field(default=None, metadata=attribute("not-yet-defined"))

    class Meta:
        name = "recommended-language-skill"
        namespace = IIAS_V7_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class MobilitiesPerYear:
    """The number of mobilities per academic year, as written (a positive integer)."""

    value: str = field(metadata=text())
    not_yet_defined: bool | None = field(default=None, metadata=attribute("not-yet-defined"))

    class Meta:
        namespace = IIAS_V7_GET_NS

    @property
    def count(self) -> int:
        return int(self.value.strip())


@dataclass(frozen=True, kw_only=True, slots=True)
class MobilitySpecification:
    """What all four kinds of cooperation conditions have in common: one direction of mobility.

    Academic years are ``"2024/2025"``; the last must not precede the first.
    """

    sending_hei_id: str = field(metadata=element("sending-hei-id"))
    sending_ounit_id: str | None = field(default=None, metadata=element("sending-ounit-id"))
    sending_contacts: tuple[Contact, ...] = field(default=(), metadata=element("sending-contact"))
    receiving_hei_id: str = field(metadata=element("receiving-hei-id"))
    receiving_ounit_id: str | None = field(default=None, metadata=element("receiving-ounit-id"))
    receiving_contacts: tuple[Contact, ...] = field(
        default=(), metadata=element("receiving-contact")
    )
    receiving_first_academic_year_id: str = field(
        metadata=element("receiving-first-academic-year-id")
    )
    receiving_last_academic_year_id: str = field(
        metadata=element("receiving-last-academic-year-id")
    )
    mobilities_per_year: MobilitiesPerYear = field(metadata=element("mobilities-per-year"))
    recommended_language_skills: tuple[RecommendedLanguageSkill, ...] = field(
        default=(), metadata=element()
    )
    subject_areas: tuple[SubjectArea, ...] = field(default=(), metadata=element("subject-area"))
    other_info_terms: str | None = field(default=None, metadata=element("other-info-terms"))

    class Meta:
        namespace = IIAS_V7_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class StudentMobilitySpecification(MobilitySpecification):
    """A student mobility: months per year, blended or not, and the EQF levels it is open to."""

    total_months_per_year: str | None = field(
        default=None, metadata=element("total-months-per-year")
    )
    blended: str = field(metadata=element("blended"))
    eqf_levels: tuple[str, ...] = field(default=(), metadata=element("eqf-level"))

    @property
    def is_blended(self) -> bool:
        """``blended`` read as an ``xs:boolean`` (``true``/``1``)."""
        return self.blended.strip() in ("true", "1")

    @property
    def months_per_year(self) -> Decimal | None:
        if self.total_months_per_year is None:
            return None
        return Decimal(self.total_months_per_year.strip())

    @property
    def eqf_level_numbers(self) -> tuple[int, ...]:
        return tuple(int(level.strip()) for level in self.eqf_levels)


@dataclass(frozen=True, kw_only=True, slots=True)
class StaffMobilitySpecification(MobilitySpecification):
    """A staff mobility: days per year."""

    total_days_per_year: str | None = field(default=None, metadata=element("total-days-per-year"))

    @property
    def days_per_year(self) -> Decimal | None:
        if self.total_days_per_year is None:
            return None
        return Decimal(self.total_days_per_year.strip())


@dataclass(frozen=True, kw_only=True, slots=True)
class StudentStudiesMobilitySpec(StudentMobilitySpecification):
    """Student mobility for studies (at least one recommended language skill)."""

    class Meta:
        name = "student-studies-mobility-spec"
        namespace = IIAS_V7_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class StudentTraineeshipMobilitySpec(StudentMobilitySpecification):
    """Student mobility for traineeships."""

    class Meta:
        name = "student-traineeship-mobility-spec"
        namespace = IIAS_V7_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class StaffTeacherMobilitySpec(StaffMobilitySpecification):
    """Staff mobility for teaching (at least one recommended language skill)."""

    class Meta:
        name = "staff-teacher-mobility-spec"
        namespace = IIAS_V7_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class StaffTrainingMobilitySpec(StaffMobilitySpecification):
    """Staff mobility for training."""

    class Meta:
        name = "staff-training-mobility-spec"
        namespace = IIAS_V7_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class CooperationConditions:
    """The mobilities of the agreement, grouped by kind; their order feeds the iia-hash."""

    student_studies: tuple[StudentStudiesMobilitySpec, ...] = field(default=(), metadata=element())
    student_traineeships: tuple[StudentTraineeshipMobilitySpec, ...] = field(
        default=(), metadata=element()
    )
    staff_teachers: tuple[StaffTeacherMobilitySpec, ...] = field(default=(), metadata=element())
    staff_trainings: tuple[StaffTrainingMobilitySpec, ...] = field(default=(), metadata=element())
    terminated_as_a_whole: bool | None = field(
        default=None, metadata=attribute("terminated-as-a-whole")
    )

    class Meta:
        namespace = IIAS_V7_GET_NS

    @property
    def mobilities(self) -> tuple[MobilitySpecification, ...]:
        """All mobilities in document order (studies, traineeships, teaching, training)."""
        return (
            *self.student_studies,
            *self.student_traineeships,
            *self.staff_teachers,
            *self.staff_trainings,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class IiaPartner:
    """One side of the agreement: its HEI, its own id of the agreement and who signed it.

    ``iia_id`` is missing only once the partner has deleted its copy.
    """

    hei_id: str = field(metadata=element("hei-id"))
    ounit_id: str | None = field(default=None, metadata=element("ounit-id"))
    iia_id: str | None = field(default=None, metadata=element("iia-id"))
    iia_code: str | None = field(default=None, metadata=element("iia-code"))
    signing_contact: Contact | None = field(default=None, metadata=element("signing-contact"))
    signing_date: date | None = field(default=None, metadata=element("signing-date"))
    contacts: tuple[Contact, ...] = field(default=(), metadata=element())

    class Meta:
        namespace = IIAS_V7_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class Iia:
    """One interinstitutional agreement as its serving partner sees it.

    ``partners`` has exactly two entries, the serving HEI first; ``iia_hash``
    is the SHA-256 (lower-case hex) of the agreement's text-to-hash.
    """

    partners: tuple[IiaPartner, ...] = field(metadata=element("partner"))
    in_effect: bool = field(metadata=element("in-effect"))
    cooperation_conditions: CooperationConditions = field(
        metadata=element("cooperation-conditions")
    )
    iia_hash: str = field(metadata=element("iia-hash"))
    pdf_file: str | None = field(default=None, metadata=element("pdf-file"))

    class Meta:
        namespace = IIAS_V7_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiasGetResponse:
    """The answer of the IIAs v7 ``get`` endpoint: the agreements found."""

    iias: tuple[Iia, ...] = field(default=(), metadata=element("iia"))

    class Meta:
        name = "iias-get-response"
        namespace = IIAS_V7_GET_NS
