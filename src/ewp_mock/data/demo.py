"""The built-in demo data: two HEIs, their units, contacts and factsheets, IIAs and LAs.

Everything is made by the library's lifecycles, so hashes, proposal ids and
signatures are what a real partner would serve: IIAs go through
:class:`~ewp_client.iia.IiaBook` steps and :func:`~ewp_client.iia.approve`
(which hashes the partner's copy as served), LAs through
:class:`~ewp_client.ola.SendingLa` transitions. All names, people and students
are invented. The data is the same at every call (fixed dates), so a node
started twice serves the same documents.

IIAs (``uni-a`` serves them all; ``uni-b`` serves its copy of each mapped one):

==============  ===================================================================
``a-iia-1``     unmapped: ``uni-b``'s iia-id is not known yet
``a-iia-2``     mapped (both ids), approved by nobody
``a-iia-3``     approved by one side: ``uni-b`` approved ``uni-a``'s copy
``a-iia-4``     approved by both
``a-iia-5``     modified by ``uni-a`` after both approved (the snapshot is kept)
``a-iia-6``     terminated as a whole by ``uni-a`` after both approved
``a-iia-7``     deleted before any approval: its id is retired
==============  ===================================================================

LAs (``omobility-id``; ``uni-a`` sends all but the last):

======================  ===========================================================
``la-draft``            draft, not served
``la-awaiting``         first proposal awaiting the receiving HEI
``la-rejected``         first proposal commented (rejected) by the receiving HEI
``la-approved``         first version approved
``la-amended``          approved, then a minor amendment (dates, no new signatures)
``la-changes-pending``  approved, then a changes-proposal (a component added) awaiting
``la-changes-rejected`` approved, then a changes-proposal rejected with a comment
``la-changes-approved`` approved, then a changes-proposal approved
``la-b-approved``       sent by ``uni-b`` to ``uni-a``, first version approved
======================  ===========================================================
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final

from ewp_client.codec import encode
from ewp_client.iia import ApprovalRecord, IiaBook, IiaTransition, ServedIia, approve
from ewp_client.models import (
    Accessibility,
    AccessibilityType,
    AdditionalInfo,
    AdditionalRequirement,
    CalendarEntry,
    Contact,
    CooperationConditions,
    Credit,
    Factsheet,
    FactsheetCalendar,
    HttpWithOptionalLang,
    Iia,
    IiaPartner,
    IiasGetResponse,
    InformationEntry,
    IscedFCode,
    LaComponent,
    LanguageSkill,
    LearningAgreement,
    MobilitiesPerYear,
    MultilineStringWithOptionalLang,
    OrganizationalUnit,
    OtherHeiId,
    PhoneNumber,
    ReasonCode,
    RecommendedLanguageSkill,
    Signature,
    StaffTeacherMobilitySpec,
    StringWithOptionalLang,
    Student,
    StudentStudiesMobilitySpec,
    SubjectArea,
    TermId,
)
from ewp_client.models import Institution as InstitutionModel
from ewp_client.ola import ChangeReason, ComponentTables, SendingLa, latest_tables
from ewp_client.ola.contacts import LaSide, StudentFlow, mobility_institution, role_description

from .dataset import Dataset, HeiData

__all__ = ["UNI_A", "UNI_B", "demo_dataset"]

UNI_A: Final = "uni-a.example.org"
UNI_B: Final = "uni-b.example.org"

_APP: Final = "ewp-mock demo"


def _text(value: str, lang: str | None = "en") -> StringWithOptionalLang:
    return StringWithOptionalLang(value=value, lang=lang)


def _person(
    given: str, family: str, email: str, phone: str | None, *roles: MultilineStringWithOptionalLang
) -> Contact:
    return Contact(
        contact_names=(_text(f"{given} {family}"),),
        person_given_names=(_text(given, None),),
        person_family_names=(_text(family, None),),
        phone_numbers=() if phone is None else (PhoneNumber(e164=phone),),
        emails=(email,),
        role_descriptions=roles,
    )


def _office(name: str, email: str, *roles: MultilineStringWithOptionalLang) -> Contact:
    return Contact(contact_names=(_text(name),), emails=(email,), role_descriptions=roles)


# ------------------------------------------------------------------ institutions


def _unit(
    ounit_id: str,
    code: str,
    name: str,
    parent: str | None,
    contacts: tuple[Contact, ...] = (),
) -> OrganizationalUnit:
    return OrganizationalUnit(
        ounit_id=ounit_id,
        ounit_code=code,
        names=(_text(name),),
        abbreviation=code,
        parent_ounit_id=parent,
        contacts=contacts,
    )


def _uni_a_units() -> tuple[OrganizationalUnit, ...]:
    incoming = StudentFlow.INCOMING
    outgoing = StudentFlow.OUTGOING
    return (
        _unit(
            "a-root",
            "UA",
            "University A",
            None,
            (
                _office(
                    "International Relations Office",
                    "iro@uni-a.example.org",
                    role_description(incoming, "all incoming exchange students"),
                    role_description(outgoing, "all outgoing exchange students"),
                ),
            ),
        ),
        _unit(
            "a-sci",
            "SCI",
            "Faculty of Science",
            "a-root",
            (
                _office(
                    "Science Mobility Desk",
                    "mobility.sci@uni-a.example.org",
                    role_description(incoming, "first questions of incoming students"),
                ),
                _person(
                    "Iris",
                    "Novak",
                    "iris.novak@uni-a.example.org",
                    "+3220000101",
                    role_description(incoming, "learning agreements of incoming students"),
                ),
                _person(
                    "Oskar",
                    "Lind",
                    "oskar.lind@uni-a.example.org",
                    "+3220000102",
                    role_description(outgoing, "learning agreements of outgoing students"),
                ),
            ),
        ),
        _unit(
            "a-art",
            "ART",
            "Faculty of Arts",
            "a-root",
            (
                _person(
                    "Petra",
                    "Vogel",
                    "petra.vogel@uni-a.example.org",
                    None,
                    role_description(outgoing, "outgoing students of the Faculty of Arts"),
                ),
            ),
        ),
    )


def _uni_b_units() -> tuple[OrganizationalUnit, ...]:
    incoming = StudentFlow.INCOMING
    outgoing = StudentFlow.OUTGOING
    return (
        _unit("b-root", "UB", "University B", None),
        _unit(
            "b-eng",
            "ENG",
            "School of Engineering",
            "b-root",
            (
                _person(
                    "Elena",
                    "Rossi",
                    "elena.rossi@uni-b.example.org",
                    "+3930000201",
                    role_description(incoming, "incoming exchange students of Engineering"),
                    role_description(outgoing, "outgoing exchange students of Engineering"),
                ),
            ),
        ),
        _unit(
            "b-eco",
            "ECO",
            "School of Economics",
            "b-root",
            (
                _person(
                    "Marco",
                    "Bianchi",
                    "marco.bianchi@uni-b.example.org",
                    None,
                    role_description(incoming, "incoming exchange students of Economics"),
                ),
            ),
        ),
    )


def _institution(
    hei_id: str, name: str, abbreviation: str, erasmus: str, units: tuple[OrganizationalUnit, ...]
) -> InstitutionModel:
    return InstitutionModel(
        hei_id=hei_id,
        other_ids=(OtherHeiId(value=erasmus, type="erasmus"),),
        names=(_text(name),),
        abbreviation=abbreviation,
        website_urls=(HttpWithOptionalLang(value=f"https://{hei_id}/", lang="en"),),
        contacts=(
            _office(
                f"{name}, International Relations Office",
                f"iro@{hei_id}",
                MultilineStringWithOptionalLang(value="Erasmus+ agreements and mobility"),
            ),
        ),
        root_ounit_id=units[0].ounit_id,
        ounit_ids=tuple(u.ounit_id for u in units),
    )


# ------------------------------------------------------------------------ IIAs


def _conditions() -> CooperationConditions:
    """Students both ways for studies, and teachers from B to A."""

    def studies(sender: str, receiver: str) -> StudentStudiesMobilitySpec:
        return StudentStudiesMobilitySpec(
            sending_hei_id=sender,
            receiving_hei_id=receiver,
            receiving_first_academic_year_id="2026/2027",
            receiving_last_academic_year_id="2029/2030",
            mobilities_per_year=MobilitiesPerYear(value="3"),
            recommended_language_skills=(RecommendedLanguageSkill(language="en", cefr_level="B2"),),
            subject_areas=(SubjectArea(isced_f_code=IscedFCode(value="0588")),),
            total_months_per_year="15",
            blended="false",
            eqf_levels=("6", "7"),
        )

    return CooperationConditions(
        student_studies=(studies(UNI_A, UNI_B), studies(UNI_B, UNI_A)),
        staff_teachers=(
            StaffTeacherMobilitySpec(
                sending_hei_id=UNI_B,
                receiving_hei_id=UNI_A,
                receiving_first_academic_year_id="2026/2027",
                receiving_last_academic_year_id="2027/2028",
                mobilities_per_year=MobilitiesPerYear(value="1"),
                recommended_language_skills=(
                    RecommendedLanguageSkill(language="en", cefr_level="C1"),
                ),
                total_days_per_year="5",
            ),
        ),
    )


def _copy(hei: str, own_id: str, other: str, other_id: str | None) -> Iia:
    """``hei``'s copy of an agreement: itself first (the hash is set when served)."""
    return Iia(
        partners=(
            IiaPartner(hei_id=hei, iia_id=own_id, signing_date=date(2026, 1, 15)),
            IiaPartner(hei_id=other, iia_id=other_id),
        ),
        in_effect=True,
        cooperation_conditions=_conditions(),
        iia_hash="",
    )


def _served(state: ServedIia) -> bytes:
    """The IIAs get response serving ``state`` alone, as a partner fetches it to approve it."""
    return encode(IiasGetResponse(iias=(state.iia,)))


@dataclasses.dataclass
class _Iias:
    """Both HEIs' books and approvals while the demo steps through them."""

    a: IiaBook = dataclasses.field(default_factory=IiaBook)
    b: IiaBook = dataclasses.field(default_factory=IiaBook)
    a_approvals: list[ApprovalRecord] = dataclasses.field(default_factory=list)
    b_approvals: list[ApprovalRecord] = dataclasses.field(default_factory=list)

    def add(self, n: int, *, mapped: bool = True) -> None:
        a_id, b_id = f"a-iia-{n}", f"b-iia-{n}"
        self.a = self.a.add(_copy(UNI_A, a_id, UNI_B, b_id if mapped else None)).book
        if mapped:
            self.b = self.b.add(_copy(UNI_B, b_id, UNI_A, a_id)).book

    def b_approves_a(self, n: int) -> None:
        a_id, b_id = f"a-iia-{n}", f"b-iia-{n}"
        state = self.a.get(a_id)
        assert state is not None
        record = approve(_served(state), partner_hei_id=UNI_A, our_iia_id=b_id)
        self.b_approvals.append(record)
        self.a = self.a.step(a_id, lambda s: s.record_partner_approval(record.iia_hash)).book
        self.b = self.b.step(b_id, lambda s: s.approve_partner_copy(record.iia_hash)).book

    def a_approves_b(self, n: int) -> None:
        a_id, b_id = f"a-iia-{n}", f"b-iia-{n}"
        state = self.b.get(b_id)
        assert state is not None
        record = approve(_served(state), partner_hei_id=UNI_B, our_iia_id=a_id)
        self.a_approvals.append(record)
        self.b = self.b.step(b_id, lambda s: s.record_partner_approval(record.iia_hash)).book
        self.a = self.a.step(a_id, lambda s: s.approve_partner_copy(record.iia_hash)).book

    def a_step(self, n: int, action: Callable[[ServedIia], IiaTransition]) -> None:
        self.a = self.a.step(f"a-iia-{n}", action).book


def _fewer_months(state: ServedIia) -> IiaTransition:
    """A modification: the studies mobilities last 12 months a year instead of 15."""
    conditions = state.iia.cooperation_conditions
    studies = tuple(
        dataclasses.replace(s, total_months_per_year="12") for s in conditions.student_studies
    )
    return state.modify(
        dataclasses.replace(
            state.iia,
            cooperation_conditions=dataclasses.replace(conditions, student_studies=studies),
        )
    )


def _iias() -> _Iias:
    book = _Iias()
    for n in range(1, 8):
        book.add(n, mapped=n != 1)
    book.b_approves_a(3)
    for n in (4, 5, 6):
        book.b_approves_a(n)
        book.a_approves_b(n)
    book.a_step(5, _fewer_months)
    book.a_step(6, lambda s: s.terminate())
    book.a = book.a.delete("a-iia-7").book
    book.b = book.b.delete("b-iia-7").book
    return book


# ------------------------------------------------------------------------ LAs


def _at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=UTC)


def _signature(
    name: str | None, position: str | None, email: str | None, when: datetime
) -> Signature:
    return Signature(
        signer_name=name,
        signer_position=position,
        signer_email=email,
        timestamp=when,
        signer_app=_APP,
    )


def _component(title: str, code: str, ects: str, term: int = 1) -> LaComponent:
    return LaComponent(
        los_code=code,
        title=title,
        term_id=TermId(term_number=term, total_terms=2),
        credits=(Credit(scheme="ects", value=Decimal(ects)),),
    )


_STUDIED: Final = (
    _component("Structural Mechanics", "ENG-210", "6"),
    _component("Control Systems", "ENG-330", "6"),
    _component("Technical English", "LAN-105", "3"),
)
_RECOGNIZED: Final = (_component("Mechanics II", "SCI-220", "12"),)
_ADDED: Final = _component("Robotics Lab", "ENG-345", "5")


def _header(
    omobility_id: str,
    number: int,
    sending: tuple[str, OrganizationalUnit],
    receiving: tuple[str, OrganizationalUnit],
) -> LearningAgreement:
    """A draft LA (no component snapshot) of an invented student."""
    sending_hei, sending_unit = sending
    receiving_hei, receiving_unit = receiving
    return LearningAgreement(
        omobility_id=omobility_id,
        sending_hei=mobility_institution(sending_hei, sending_unit, LaSide.SENDING),
        receiving_hei=mobility_institution(receiving_hei, receiving_unit, LaSide.RECEIVING),
        receiving_academic_year_id="2026/2027",
        student=Student(
            given_names="Demo",
            family_name=f"Student {number}",
            global_id=f"urn:schac:personalUniqueCode:int:esi:{sending_hei}:{9000 + number}",
            birth_date=date(2004, 1, number),
            citizenship="BE",
            email=f"demo.student.{number}@{sending_hei}",
        ),
        start_date=date(2026, 9, 1),
        end_date=date(2027, 1, 31),
        eqf_level_studied_at_departure=6,
        isced_f_code="0715",
        student_language_skill=LanguageSkill(language="en", cefr_level="B2"),
    )


class _Las:
    """The sending side's signatures and the receiving side's decisions, for the demo LAs."""

    def __init__(self, sending_unit: OrganizationalUnit, receiving_unit: OrganizationalUnit):
        self.sending_unit = sending_unit
        self.receiving_unit = receiving_unit

    def _sender(self, la: LearningAgreement, when: datetime) -> Signature:
        person = la.sending_hei.contact_person
        name = f"{person.given_names} {person.family_name}"
        return _signature(name, "Erasmus+ coordinator", person.email, when)

    def _receiver(self, la: LearningAgreement, when: datetime) -> Signature:
        person = la.receiving_hei.contact_person
        name = f"{person.given_names} {person.family_name}"
        return _signature(name, "Erasmus+ coordinator", person.email, when)

    def propose(self, state: SendingLa, tables: ComponentTables, when: datetime) -> SendingLa:
        la = state.la
        student = _signature(f"{la.student.given_names} {la.student.family_name}", None, None, when)
        reasons = {_ADDED: ChangeReason(code=ReasonCode.EXTENDING_MOBILITY)}
        return state.propose(
            tables,
            student_signature=student,
            sending_hei_signature=self._sender(la, when),
            reasons=reasons,
        ).state

    def approve(self, state: SendingLa, when: datetime) -> SendingLa:
        assert state.proposal_id is not None
        return state.approve(state.proposal_id, self._receiver(state.la, when)).state

    def comment(self, state: SendingLa, comment: str, when: datetime) -> SendingLa:
        assert state.proposal_id is not None
        return state.comment(state.proposal_id, comment, self._receiver(state.la, when)).state


def _first_tables() -> ComponentTables:
    return ComponentTables(components_studied=_STUDIED, components_recognized=_RECOGNIZED)


def _with_added(state: SendingLa) -> ComponentTables:
    """The LA's latest tables with the Robotics Lab added (a major amendment)."""
    tables = latest_tables(state.la)
    return dataclasses.replace(tables, components_studied=(*tables.components_studied, _ADDED))


def _las(
    a_units: tuple[OrganizationalUnit, ...], b_units: tuple[OrganizationalUnit, ...]
) -> tuple[dict[str, SendingLa], dict[str, SendingLa]]:
    a_sci, b_eng = a_units[1], b_units[1]
    steps = _Las(a_sci, b_eng)
    made: dict[str, SendingLa] = {}

    def start(name: str, number: int) -> SendingLa:
        return SendingLa.draft(_header(name, number, (UNI_A, a_sci), (UNI_B, b_eng)))

    def approved(name: str, number: int) -> SendingLa:
        proposed = steps.propose(start(name, number), _first_tables(), _at(3, 2))
        return steps.approve(proposed, _at(3, 5))

    made["la-draft"] = start("la-draft", 1)
    made["la-awaiting"] = steps.propose(start("la-awaiting", 2), _first_tables(), _at(3, 2))
    made["la-rejected"] = steps.comment(
        steps.propose(start("la-rejected", 3), _first_tables(), _at(3, 2)),
        "Control Systems is not taught in the autumn term; please choose another course.",
        _at(3, 6),
    )
    made["la-approved"] = approved("la-approved", 4)
    amended = approved("la-amended", 5)
    made["la-amended"] = amended.amend(
        dataclasses.replace(amended.la, end_date=date(2027, 2, 14))
    ).state
    pending = approved("la-changes-pending", 6)
    made["la-changes-pending"] = steps.propose(pending, _with_added(pending), _at(9, 20))
    rejected = approved("la-changes-rejected", 7)
    made["la-changes-rejected"] = steps.comment(
        steps.propose(rejected, _with_added(rejected), _at(9, 20)),
        "The Robotics Lab is full this term.",
        _at(9, 22),
    )
    done = approved("la-changes-approved", 8)
    made["la-changes-approved"] = steps.approve(
        steps.propose(done, _with_added(done), _at(9, 20)), _at(9, 23)
    )
    b_steps = _Las(b_eng, a_sci)
    b_first = SendingLa.draft(_header("la-b-approved", 9, (UNI_B, b_eng), (UNI_A, a_sci)))
    b_la = b_steps.approve(b_steps.propose(b_first, _first_tables(), _at(3, 3)), _at(3, 7))
    return made, {"la-b-approved": b_la}


# ------------------------------------------------------------------ factsheets


def _info(hei_id: str, mailbox: str, phone: str, *pages: tuple[str, str]) -> InformationEntry:
    """Where to ask: ``mailbox@hei_id``, ``phone`` (E.164), pages ``(path, lang)`` of the HEI."""
    return InformationEntry(
        email=f"{mailbox}@{hei_id}",
        phone_number=PhoneNumber(e164=phone),
        website_urls=tuple(
            HttpWithOptionalLang(value=f"https://{hei_id}/{path}", lang=lang)
            for path, lang in pages
        ),
    )


def _requirements(hei_id: str, language: str) -> tuple[AdditionalRequirement, ...]:
    """Two documents of the spec's list, and one requirement only told to students."""
    page = (HttpWithOptionalLang(value=f"https://{hei_id}/incoming/requirements", lang="en"),)
    return (
        AdditionalRequirement(
            name="Language certificate",
            details=f"{language} at level B2 (CEFR) for courses taught in {language}; "
            "a certificate or a statement of the sending HEI's language centre.",
            information_websites=page,
        ),
        AdditionalRequirement(
            name="Transcript of Records",
            details="The transcript of the studies completed so far at the sending HEI.",
        ),
        AdditionalRequirement(
            name="Completed studies",
            details="At least one year (60 ECTS credits) completed at the sending HEI "
            "before the mobility starts.",
            information_websites=page,
        ),
    )


def _uni_a_factsheet() -> Factsheet:
    def info(mailbox: str, phone: str, path: str) -> InformationEntry:
        return _info(UNI_A, mailbox, phone, (f"incoming/{path}", "en"), (f"fr/{path}", "fr"))

    return Factsheet(
        hei_id=UNI_A,
        calendar=FactsheetCalendar(
            student_nominations=CalendarEntry(autumn_term="--05-15", spring_term="--10-15"),
            student_applications=CalendarEntry(autumn_term="--06-01", spring_term="--11-01"),
        ),
        application_info=info("incoming", "+3220000110", "apply"),
        additional_requirements=_requirements(UNI_A, "English"),
        decision_weeks_limit=4,
        tor_weeks_limit=5,
        accessibility=(
            Accessibility(
                type=AccessibilityType.INFRASTRUCTURE,
                name="Step-free campus",
                description="Lifts and ramps in every teaching building; adapted rooms in "
                "the main residence.",
                information=info("access", "+3220000111", "accessibility"),
            ),
            Accessibility(
                type=AccessibilityType.SERVICE,
                name="Disability support office",
                description="Exam arrangements, note-taking support and a personal contact "
                "for students with special needs.",
                information=info("access", "+3220000111", "special-needs"),
            ),
        ),
        housing_info=info("housing", "+3220000112", "housing"),
        visa_info=info("incoming", "+3220000110", "visa"),
        insurance_info=info("incoming", "+3220000110", "insurance"),
        additional_info=(
            AdditionalInfo(type="buddy programme", info=info("buddy", "+3220000113", "buddy")),
            AdditionalInfo(
                type="language courses", info=info("languages", "+3220000114", "french-courses")
            ),
        ),
    )


def _uni_b_factsheet() -> Factsheet:
    def info(mailbox: str, phone: str, path: str) -> InformationEntry:
        return _info(UNI_B, mailbox, phone, (f"en/incoming/{path}", "en"), (f"it/{path}", "it"))

    return Factsheet(
        hei_id=UNI_B,
        calendar=FactsheetCalendar(
            student_nominations=CalendarEntry(autumn_term="--04-30", spring_term="--09-30"),
            student_applications=CalendarEntry(autumn_term="--05-31", spring_term="--10-31"),
        ),
        application_info=info("mobility.in", "+3930000210", "application"),
        additional_requirements=_requirements(UNI_B, "Italian"),
        decision_weeks_limit=5,
        tor_weeks_limit=5,
        accessibility=(
            Accessibility(
                type=AccessibilityType.SERVICE,
                name="Inclusion service",
                information=info("inclusion", "+3930000211", "inclusion"),
            ),
        ),
        housing_info=info("housing", "+3930000212", "accommodation"),
        visa_info=info("mobility.in", "+3930000210", "visa"),
        insurance_info=info("mobility.in", "+3930000210", "insurance"),
        additional_info=(
            AdditionalInfo(type="culture", info=info("welcome", "+3930000213", "welcome-week")),
        ),
    )


# ------------------------------------------------------------------------ all


def demo_dataset() -> Dataset:
    """The demo data set (built anew at each call; equal every time)."""
    a_units, b_units = _uni_a_units(), _uni_b_units()
    iias = _iias()
    a_las, b_las = _las(a_units, b_units)
    uni_a = HeiData(
        institution=_institution(UNI_A, "University A", "UA", "B  DEMO-A01", a_units),
        ounits=a_units,
        iias=iias.a,
        approvals=tuple(iias.a_approvals),
        las=a_las,
        factsheet=_uni_a_factsheet(),
    )
    uni_b = HeiData(
        institution=_institution(UNI_B, "University B", "UB", "I  DEMO-B01", b_units),
        ounits=b_units,
        iias=iias.b,
        approvals=tuple(iias.b_approvals),
        las=b_las,
        factsheet=_uni_b_factsheet(),
    )
    return Dataset.of((uni_a, uni_b))
