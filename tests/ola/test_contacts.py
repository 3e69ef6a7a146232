"""An LA's contact person filled from the unit a student picks, on the demo data and alone."""

from __future__ import annotations

import pytest

from ewp_client.errors import ConfigError, LearningAgreementError, UnitContactError
from ewp_client.models import (
    Contact,
    ContactPerson,
    MobilityInstitution,
    MultilineStringWithOptionalLang,
    OrganizationalUnit,
    PhoneNumber,
    StringWithOptionalLang,
)
from ewp_client.ola.contacts import (
    LaSide,
    StudentFlow,
    contact_flows,
    la_contact_person,
    mobility_institution,
    role_description,
)
from ewp_mock.data import UNI_A, UNI_B, demo_dataset


def _unit(hei_id: str, ounit_id: str) -> OrganizationalUnit:
    data = demo_dataset().hei(hei_id)
    assert data is not None
    unit = data.ounit(ounit_id)
    assert unit is not None
    return unit


def _contact(*roles: str, given: str | None = "Ada", email: str | None = "ada@x.org") -> Contact:
    return Contact(
        contact_names=(StringWithOptionalLang(value="Someone"),),
        person_given_names=() if given is None else (StringWithOptionalLang(value=given),),
        person_family_names=(StringWithOptionalLang(value="Byron"),),
        emails=() if email is None else (email,),
        role_descriptions=tuple(MultilineStringWithOptionalLang(value=r) for r in roles),
    )


# ------------------------------------------------------------- on the demo data


def test_the_sending_side_gets_the_units_contact_for_outgoing_students() -> None:
    person = la_contact_person(_unit(UNI_A, "a-sci"), LaSide.SENDING)

    assert person == ContactPerson(
        given_names="Oskar",
        family_name="Lind",
        email="oskar.lind@uni-a.example.org",
        phone_number=PhoneNumber(e164="+3220000102"),
    )


def test_the_receiving_side_gets_the_first_person_for_incoming_students_not_the_office() -> None:
    # a-sci lists an office for incoming students first: it has no person names, so it is passed
    person = la_contact_person(_unit(UNI_A, "a-sci"), "receiving")

    assert (person.given_names, person.family_name, person.email) == (
        "Iris",
        "Novak",
        "iris.novak@uni-a.example.org",
    )


def test_one_contact_serving_both_flows_fills_both_sides() -> None:
    unit = _unit(UNI_B, "b-eng")

    sending = la_contact_person(unit, LaSide.SENDING)
    receiving = la_contact_person(unit, LaSide.RECEIVING)

    assert sending == receiving
    assert sending.email == "elena.rossi@uni-b.example.org"


def test_a_unit_without_a_contact_for_incoming_students_is_a_typed_error() -> None:
    with pytest.raises(UnitContactError) as caught:
        la_contact_person(_unit(UNI_A, "a-art"), LaSide.RECEIVING)

    error = caught.value
    assert isinstance(error, LearningAgreementError)
    assert (error.ounit_id, error.side, error.reason) == ("a-art", "receiving", "no-contact")
    assert "'a-art'" in str(error)
    assert "'incoming'" in str(error)


def test_a_unit_whose_contacts_are_offices_only_is_not_a_person() -> None:
    # the root unit of uni-a has the IRO office for both flows, and no person
    with pytest.raises(UnitContactError) as caught:
        la_contact_person(_unit(UNI_A, "a-root"), LaSide.SENDING)

    assert (caught.value.ounit_id, caught.value.side, caught.value.reason) == (
        "a-root",
        "sending",
        "not-a-person",
    )


def test_a_unit_with_no_contacts_at_all() -> None:
    with pytest.raises(UnitContactError) as caught:
        la_contact_person(_unit(UNI_B, "b-root"), LaSide.SENDING)

    assert caught.value.reason == "no-contact"


def test_the_demo_las_carry_the_contacts_of_their_units() -> None:
    data = demo_dataset()
    hei = data.hei(UNI_A)
    assert hei is not None
    la = hei.las["la-approved"].la

    assert la.sending_hei == mobility_institution(UNI_A, _unit(UNI_A, "a-sci"), LaSide.SENDING)
    assert la.receiving_hei == MobilityInstitution(
        hei_id=UNI_B,
        ounit_name="School of Engineering",
        ounit_id="b-eng",
        contact_person=la_contact_person(_unit(UNI_B, "b-eng"), LaSide.RECEIVING),
    )


# ------------------------------------------------------------- the convention


@pytest.mark.parametrize(
    ("text", "flows"),
    [
        ("incoming: exchange students", {StudentFlow.INCOMING}),
        ("Outgoing students of the faculty", {StudentFlow.OUTGOING}),
        ("  OUTGOING", {StudentFlow.OUTGOING}),
        ("incomings and more", set()),
        ("Responsible for incoming students", set()),
        ("", set()),
        ("42 incoming", set()),
    ],
)
def test_the_flow_is_the_first_word_of_a_role_description(
    text: str, flows: set[StudentFlow]
) -> None:
    assert contact_flows(_contact(text)) == flows


def test_a_contact_may_serve_both_flows_with_two_role_descriptions() -> None:
    contact = _contact("incoming: arrivals", "outgoing: departures")

    assert contact_flows(contact) == {StudentFlow.INCOMING, StudentFlow.OUTGOING}


def test_role_description_writes_the_convention() -> None:
    written = role_description(StudentFlow.OUTGOING, "students leaving", lang="en")

    assert written == MultilineStringWithOptionalLang(value="outgoing: students leaving", lang="en")
    assert contact_flows(_contact(written.value)) == {StudentFlow.OUTGOING}


def test_contacts_alone_may_be_given_and_the_error_then_names_no_unit() -> None:
    contacts = [_contact("incoming: x", email=None), _contact("outgoing: y", given="Bo")]

    assert la_contact_person(contacts, LaSide.SENDING).given_names == "Bo"
    with pytest.raises(UnitContactError) as caught:
        la_contact_person(contacts, LaSide.RECEIVING)
    assert (caught.value.ounit_id, caught.value.reason) == (None, "not-a-person")


def test_names_come_in_the_language_asked_for_when_the_contact_has_it() -> None:
    contact = Contact(
        contact_names=(StringWithOptionalLang(value="Ivan Petrov"),),
        person_given_names=(
            StringWithOptionalLang(value="Ivan", lang="en"),
            StringWithOptionalLang(value="Иван", lang="ru-Cyrl"),
        ),
        person_family_names=(
            StringWithOptionalLang(value="Petrov", lang="en"),
            StringWithOptionalLang(value="Петров", lang="ru-Cyrl"),
        ),
        emails=("ivan@x.org", "other@x.org"),
        role_descriptions=(MultilineStringWithOptionalLang(value="outgoing"),),
    )

    in_russian = la_contact_person([contact], LaSide.SENDING, lang="ru")
    by_default = la_contact_person([contact], LaSide.SENDING)
    missing = la_contact_person([contact], LaSide.SENDING, lang="fr")

    assert (in_russian.given_names, in_russian.family_name) == ("Иван", "Петров")
    assert (by_default.given_names, by_default.email) == ("Ivan", "ivan@x.org")
    assert missing.given_names == "Ivan"


def test_an_unknown_side_is_refused() -> None:
    with pytest.raises(ConfigError, match="'both'"):
        la_contact_person([], "both")
