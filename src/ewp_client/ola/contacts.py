"""An LA's contact persons, filled from the organisational units the student picks.

EWP Dashboard 5.0 fills the sending and receiving HEI's ``contact-person``
of a learning agreement from the unit the student chooses at each side. The
OUnits API has no field saying which students a unit's contact serves, so this
project reads a convention from the contact's ``role-description`` (the
element the contact type's spec offers for "when should this contact be
contacted?"):

* a contact serves **incoming** students when one of its role descriptions
  begins with the word ``incoming``, **outgoing** students when one begins
  with ``outgoing`` (case-insensitive; what follows is free text for people,
  e.g. ``"outgoing: Erasmus+ students leaving the Faculty of Science"``);
* a contact may serve both, with one role description each.

The sending HEI's contact person is its unit's contact for **outgoing**
students, the receiving HEI's contact person its unit's contact for
**incoming** students. An LA's contact person is a person with a given
name, a family name and an email, so contacts lacking one of them (an office)
are passed over. See ``docs/mock-data.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Final

from ..errors import ConfigError, UnitContactError
from ..models import (
    Contact,
    ContactPerson,
    MobilityInstitution,
    MultilineStringWithOptionalLang,
    OrganizationalUnit,
    StringWithOptionalLang,
)

__all__ = [
    "LaSide",
    "StudentFlow",
    "contact_flows",
    "contacts_serving",
    "la_contact_person",
    "mobility_institution",
    "role_description",
]

_FIRST_WORD: Final = re.compile(r"\s*([^\W\d_]+)")


class StudentFlow(StrEnum):
    """Which students a unit's contact serves: the first word of its role description."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"


class LaSide(StrEnum):
    """The side of a learning agreement whose contact person is filled."""

    SENDING = "sending"
    RECEIVING = "receiving"

    @property
    def flow(self) -> StudentFlow:
        """The students the side's contact person serves: the sending HEI's are outgoing."""
        return StudentFlow.OUTGOING if self is LaSide.SENDING else StudentFlow.INCOMING


def role_description(
    flow: StudentFlow, text: str, *, lang: str | None = "en"
) -> MultilineStringWithOptionalLang:
    """A role description following the convention: ``"<flow>: <text>"``."""
    return MultilineStringWithOptionalLang(value=f"{flow.value}: {text}", lang=lang)


def contact_flows(contact: Contact) -> frozenset[StudentFlow]:
    """The students ``contact`` serves, read from the first word of its role descriptions."""
    flows = set()
    for description in contact.role_descriptions:
        match = _FIRST_WORD.match(description.value)
        word = match.group(1).casefold() if match else ""
        if word in {flow.value for flow in StudentFlow}:
            flows.add(StudentFlow(word))
    return frozenset(flows)


def contacts_serving(contacts: Iterable[Contact], flow: StudentFlow) -> tuple[Contact, ...]:
    """The contacts serving ``flow`` students, in the order given."""
    return tuple(c for c in contacts if flow in contact_flows(c))


def _in_language(
    values: Sequence[StringWithOptionalLang], lang: str | None
) -> StringWithOptionalLang | None:
    """The value in ``lang`` (or its primary language), else the first one."""
    if not values:
        return None
    if lang is not None:
        wanted = lang.casefold()
        for value in values:
            given = (value.lang or "").casefold()
            if given == wanted or given.split("-")[0] == wanted.split("-")[0]:
                return value
    return values[0]


def _as_person(contact: Contact, lang: str | None) -> ContactPerson | None:
    given = _in_language(contact.person_given_names, lang)
    family = _in_language(contact.person_family_names, lang)
    if given is None or family is None or not contact.emails:
        return None
    return ContactPerson(
        given_names=given.value,
        family_name=family.value,
        email=contact.emails[0],
        phone_number=contact.phone_numbers[0] if contact.phone_numbers else None,
    )


def _side(side: LaSide | str) -> LaSide:
    try:
        return LaSide(side)
    except ValueError:
        raise ConfigError(f"side {side!r} is not 'sending' or 'receiving'") from None


def la_contact_person(
    unit: OrganizationalUnit | Iterable[Contact],
    side: LaSide | str,
    *,
    lang: str | None = None,
) -> ContactPerson:
    """The contact person for the ``side`` of an LA, taken from the unit the student picked.

    ``unit`` is the organisational unit (or just its contacts); the first
    contact serving the side's students (:attr:`LaSide.flow`) that is a person
    with an email gives the names (in ``lang`` when the contact has them in
    it, else in its first language), its first email and first phone number.
    Raises :class:`~ewp_client.errors.UnitContactError` when no contact serves
    those students (``reason="no-contact"``) or none of those that do is a
    person with an email (``reason="not-a-person"``);
    :class:`~ewp_client.errors.ConfigError` for a ``side`` that is neither.
    """
    chosen = _side(side)
    ounit_id = unit.ounit_id if isinstance(unit, OrganizationalUnit) else None
    contacts = unit.contacts if isinstance(unit, OrganizationalUnit) else tuple(unit)
    serving = contacts_serving(contacts, chosen.flow)
    where = f"unit {ounit_id!r}" if ounit_id is not None else "these contacts"
    if not serving:
        raise UnitContactError(
            f"{where}: no contact's role description starts with {chosen.flow.value!r}, "
            f"so none can be the {chosen.value} HEI's contact person",
            ounit_id=ounit_id,
            side=chosen.value,
            reason="no-contact",
        )
    for contact in serving:
        person = _as_person(contact, lang)
        if person is not None:
            return person
    raise UnitContactError(
        f"{where}: the {len(serving)} contact(s) for {chosen.flow.value} students lack a "
        "given name, a family name or an email, which an LA's contact person needs",
        ounit_id=ounit_id,
        side=chosen.value,
        reason="not-a-person",
    )


def mobility_institution(
    hei_id: str, unit: OrganizationalUnit, side: LaSide | str, *, lang: str | None = None
) -> MobilityInstitution:
    """The LA's ``sending-hei`` or ``receiving-hei`` for a student who picked ``unit``.

    The unit's id, its name (in ``lang`` when it has one, else its first) and
    :func:`la_contact_person` for ``side``.
    """
    name = _in_language(unit.names, lang)
    return MobilityInstitution(
        hei_id=hei_id,
        ounit_name=None if name is None else name.value,
        ounit_id=unit.ounit_id,
        contact_person=la_contact_person(unit, side, lang=lang),
    )
