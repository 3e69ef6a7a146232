"""Interinstitutional Agreements API v6: the ``get`` response, kept for the migration to v7.

A v6 agreement differs from v7 in its mobilities (a list of
``receiving-academic-year-id`` instead of a first and last year, optional
``mobilities-per-year``, mandatory totals, ISCED codes of any length, language
skills without markers) and in its hash (``conditions-hash``) and inline
``pdf``. As in :mod:`.iia`, every value inside a mobility is kept verbatim,
since the v6 hash kit reads text; typed readings are properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..namespaces import IIAS_V6_GET_NS
from ._meta import element
from .contact import Contact


@dataclass(frozen=True, kw_only=True, slots=True)
class SubjectAreaV6:
    """A field of education: an ISCED-F code of any length and an optional clarification."""

    isced_f_code: str = field(metadata=element("isced-f-code"))
    isced_clarification: str | None = field(default=None, metadata=element("isced-clarification"))

    class Meta:
        namespace = IIAS_V6_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class RecommendedLanguageSkillV6:
    """A language (with an optional CEFR level) recommended for the mobility."""

    language: str = field(metadata=element("language"))
    cefr_level: str | None = field(default=None, metadata=element("cefr-level"))
    subject_area: SubjectAreaV6 | None = field(default=None, metadata=element("subject-area"))

    class Meta:
        namespace = IIAS_V6_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class MobilitySpecificationV6:
    """What all four kinds of v6 cooperation conditions have in common."""

    sending_hei_id: str = field(metadata=element("sending-hei-id"))
    sending_ounit_id: str | None = field(default=None, metadata=element("sending-ounit-id"))
    sending_contacts: tuple[Contact, ...] = field(default=(), metadata=element("sending-contact"))
    receiving_hei_id: str = field(metadata=element("receiving-hei-id"))
    receiving_ounit_id: str | None = field(default=None, metadata=element("receiving-ounit-id"))
    receiving_contacts: tuple[Contact, ...] = field(
        default=(), metadata=element("receiving-contact")
    )
    receiving_academic_year_ids: tuple[str, ...] = field(
        metadata=element("receiving-academic-year-id")
    )
    mobilities_per_year: str | None = field(default=None, metadata=element("mobilities-per-year"))
    recommended_language_skills: tuple[RecommendedLanguageSkillV6, ...] = field(
        default=(), metadata=element("recommended-language-skill")
    )
    subject_areas: tuple[SubjectAreaV6, ...] = field(default=(), metadata=element("subject-area"))
    other_info_terms: str | None = field(default=None, metadata=element("other-info-terms"))

    class Meta:
        namespace = IIAS_V6_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class StudentMobilitySpecificationV6(MobilitySpecificationV6):
    """A v6 student mobility: months per year, blended or not, EQF levels."""

    total_months_per_year: str = field(metadata=element("total-months-per-year"))
    blended: str = field(metadata=element("blended"))
    eqf_levels: tuple[str, ...] = field(default=(), metadata=element("eqf-level"))

    @property
    def is_blended(self) -> bool:
        """``blended`` read as an ``xs:boolean`` (``true``/``1``)."""
        return self.blended.strip() in ("true", "1")

    @property
    def months_per_year(self) -> Decimal:
        return Decimal(self.total_months_per_year.strip())


@dataclass(frozen=True, kw_only=True, slots=True)
class StaffMobilitySpecificationV6(MobilitySpecificationV6):
    """A v6 staff mobility: days per year."""

    total_days_per_year: str = field(metadata=element("total-days-per-year"))

    @property
    def days_per_year(self) -> Decimal:
        return Decimal(self.total_days_per_year.strip())


@dataclass(frozen=True, kw_only=True, slots=True)
class StudentStudiesMobilitySpecV6(StudentMobilitySpecificationV6):
    """v6 student mobility for studies."""

    class Meta:
        name = "student-studies-mobility-spec"
        namespace = IIAS_V6_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class StudentTraineeshipMobilitySpecV6(StudentMobilitySpecificationV6):
    """v6 student mobility for traineeships."""

    class Meta:
        name = "student-traineeship-mobility-spec"
        namespace = IIAS_V6_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class StaffTeacherMobilitySpecV6(StaffMobilitySpecificationV6):
    """v6 staff mobility for teaching."""

    class Meta:
        name = "staff-teacher-mobility-spec"
        namespace = IIAS_V6_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class StaffTrainingMobilitySpecV6(StaffMobilitySpecificationV6):
    """v6 staff mobility for training."""

    class Meta:
        name = "staff-training-mobility-spec"
        namespace = IIAS_V6_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class CooperationConditionsV6:
    """The mobilities of a v6 agreement, grouped by kind."""

    student_studies: tuple[StudentStudiesMobilitySpecV6, ...] = field(
        default=(), metadata=element()
    )
    student_traineeships: tuple[StudentTraineeshipMobilitySpecV6, ...] = field(
        default=(), metadata=element()
    )
    staff_teachers: tuple[StaffTeacherMobilitySpecV6, ...] = field(default=(), metadata=element())
    staff_trainings: tuple[StaffTrainingMobilitySpecV6, ...] = field(default=(), metadata=element())

    class Meta:
        namespace = IIAS_V6_GET_NS

    @property
    def mobilities(self) -> tuple[MobilitySpecificationV6, ...]:
        """All mobilities in document order (studies, traineeships, teaching, training)."""
        return (
            *self.student_studies,
            *self.student_traineeships,
            *self.staff_teachers,
            *self.staff_trainings,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class IiaPartnerV6:
    """One side of a v6 agreement."""

    hei_id: str = field(metadata=element("hei-id"))
    ounit_id: str | None = field(default=None, metadata=element("ounit-id"))
    iia_id: str | None = field(default=None, metadata=element("iia-id"))
    iia_code: str | None = field(default=None, metadata=element("iia-code"))
    signing_contact: Contact | None = field(default=None, metadata=element("signing-contact"))
    signing_date: date | None = field(default=None, metadata=element("signing-date"))
    contacts: tuple[Contact, ...] = field(default=(), metadata=element())

    class Meta:
        namespace = IIAS_V6_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiaV6:
    """One v6 agreement; ``pdf`` is the agreement's PDF in base64, as sent."""

    partners: tuple[IiaPartnerV6, ...] = field(metadata=element("partner"))
    in_effect: bool = field(metadata=element("in-effect"))
    cooperation_conditions: CooperationConditionsV6 = field(
        metadata=element("cooperation-conditions")
    )
    conditions_hash: str | None = field(default=None, metadata=element("conditions-hash"))
    pdf: str | None = field(default=None, metadata=element("pdf"))

    class Meta:
        namespace = IIAS_V6_GET_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiasGetResponseV6:
    """The answer of the IIAs v6 ``get`` endpoint."""

    iias: tuple[IiaV6, ...] = field(default=(), metadata=element("iia"))

    class Meta:
        name = "iias-get-response"
        namespace = IIAS_V6_GET_NS
