"""Models written for the codec tests (no official data): one complete LA and its parts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from ewp_client.models import (
    ChangesProposal,
    ComponentList,
    ComponentStatus,
    ContactPerson,
    Credit,
    Gender,
    LaComponent,
    LanguageSkill,
    LasGetResponse,
    LearningAgreement,
    ListOfComponents,
    MobilityInstitution,
    PhoneNumber,
    ReasonCode,
    Signature,
    Student,
    TermId,
)

CET = timezone(timedelta(hours=1))


def signature(name: str | None, day: int) -> Signature:
    return Signature(
        signer_name=name,
        signer_email=None if name is None else f"{name.split()[0].lower()}@example.org",
        timestamp=datetime(2025, 10, day, 9, 30, tzinfo=CET),
        signer_app="test-suite",
    )


def component(
    title: str,
    ects: str,
    *,
    status: ComponentStatus | None = None,
    reason_code: ReasonCode | None = None,
    reason_text: str | None = None,
) -> LaComponent:
    return LaComponent(
        los_code=title[:3].upper(),
        title=title,
        term_id=TermId(term_number=1, total_terms=2),
        credits=(Credit(scheme="ects", value=Decimal(ects)),),
        status=status,
        reason_code=reason_code,
        reason_text=reason_text,
    )


def learning_agreement() -> LearningAgreement:
    first = ListOfComponents(
        components_studied=ComponentList(
            components=(component("Numerical methods", "6"), component("Topology", "7.5"))
        ),
        components_recognized=ComponentList(components=(component("Analysis II", "12"),)),
        student_signature=signature(None, 1),
        sending_hei_signature=signature("Marta Quill", 2),
        receiving_hei_signature=signature("Jonas Berg", 3),
    )
    proposal = ChangesProposal(
        id="proposal-1",
        components_studied=ComponentList(
            components=(
                component(
                    "Topology",
                    "7.5",
                    status=ComponentStatus.DELETED,
                    reason_code=ReasonCode.TIMETABLE_CONFLICT,
                ),
                component(
                    "Graph theory",
                    "7.5",
                    status=ComponentStatus.INSERTED,
                    reason_code=ReasonCode.SUBSTITUTING_DELETED,
                    reason_text="replaces Topology",
                ),
            )
        ),
        student_signature=signature(None, 20),
        sending_hei_signature=signature("Marta Quill", 21),
        student=Student(email="new.address@example.org"),
    )
    return LearningAgreement(
        omobility_id="om-0001",
        sending_hei=MobilityInstitution(
            hei_id="sending.example.org",
            ounit_id="SCI",
            contact_person=ContactPerson(
                given_names="Marta",
                family_name="Quill",
                email="marta@example.org",
                phone_number=PhoneNumber(e164="+4712345678"),
            ),
        ),
        receiving_hei=MobilityInstitution(
            hei_id="receiving.example.org",
            ounit_name="Department of Mathematics",
            contact_person=ContactPerson(
                given_names="Jonas", family_name="Berg", email="jonas@example.org"
            ),
        ),
        receiving_academic_year_id="2025/2026",
        student=Student(
            given_names="Ada",
            family_name="Example",
            global_id="urn:schac:personalUniqueCode:int:esi:sending.example.org:42",
            birth_date=date(2003, 4, 1),
            citizenship="PL",
            gender=Gender.FEMALE,
            email="ada@example.org",
        ),
        start_date=date(2026, 2, 1),
        end_year_month="2026-06",
        eqf_level_studied_at_departure=6,
        isced_f_code="0541",
        student_language_skill=LanguageSkill(language="en", cefr_level="B2"),
        first_version=first,
        changes_proposal=proposal,
        provisions_url="https://receiving.example.org/provisions",
    )


def get_response() -> LasGetResponse:
    return LasGetResponse(las=(learning_agreement(),))
