"""Invariants of the iia-hash over agreements generated as models (hypothesis).

Agreements are built as :class:`~ewp_client.models.Iia` models, written with
:func:`ewp_client.codec.encode` (which validates them against the schema) and
hashed with :func:`ewp_client.iia.hash.compute_iia_hashes`:

* contacts (signing, partner and mobility contacts) never change the hash;
* changing any hashed value changes the hash;
* writing the same agreement in another style (other prefixes, indentation,
  CDATA sections) changes neither the hash nor the decoded model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ewp_client.codec import decode, encode
from ewp_client.iia.hash import compute_iia_hashes
from ewp_client.models import (
    Contact,
    CooperationConditions,
    Iia,
    IiaPartner,
    IiasGetResponse,
    IscedFCode,
    MobilitiesPerYear,
    MobilitySpecification,
    RecommendedLanguageSkill,
    StaffTeacherMobilitySpec,
    StaffTrainingMobilitySpec,
    StringWithOptionalLang,
    StudentStudiesMobilitySpec,
    StudentTraineeshipMobilitySpec,
    SubjectArea,
)
from ewp_client.xml import parse_xml

PROPERTY_SETTINGS = settings(max_examples=30, deadline=None)

_TEXT_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc", "Cn", "Co"), blacklist_characters="\r"
) | st.sampled_from(" \t\n&<>]\"'")
texts = st.text(_TEXT_CHARS, max_size=10)
identifiers = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12
)
hei_ids = st.sampled_from(["a.example", "b.example", "uni.example"])
years = st.integers(2015, 2035).map(lambda y: f"{y}/{y + 1}")
isced_codes = st.from_regex(r"\A[0-9]{4}\Z")
languages = st.sampled_from(["en", "pl", "de", "fr", "no", "pt-BR"])
cefr_levels = st.sampled_from(["A1", "A2", "B1", "B2", "C1", "C2"])
decimals = st.sampled_from(["5", "5.5", "10.25", "0.5", " 3 "])
counts = st.sampled_from(["1", "2", "10", "05", " 3"])
blended_values = st.sampled_from(["true", "false", "0", "1"])
eqf_levels = st.integers(1, 8).map(str)


def names() -> st.SearchStrategy[tuple[StringWithOptionalLang, ...]]:
    name = st.builds(
        StringWithOptionalLang, value=texts, lang=st.none() | st.sampled_from(["en", "pl"])
    )
    return st.lists(name, min_size=1, max_size=2).map(tuple)


contacts = st.builds(
    Contact,
    contact_names=names(),
    emails=st.lists(st.sampled_from(["x@a.example", "iro@b.example"]), max_size=1).map(tuple),
    role_descriptions=st.just(()),
)
contact_lists = st.lists(contacts, max_size=2).map(tuple)


def subject_areas(markers: bool) -> st.SearchStrategy[SubjectArea]:
    v6 = st.none() | st.from_regex(r"\A[0-9]{1,3}\Z") if markers else st.none()
    code = st.builds(IscedFCode, value=isced_codes, v6_value=v6)
    return st.builds(SubjectArea, isced_f_code=code, isced_clarification=st.none() | texts)


def flags(markers: bool) -> st.SearchStrategy[bool | None]:
    return st.sampled_from([None, False, True]) if markers else st.sampled_from([None, False])


def language_skills(markers: bool) -> st.SearchStrategy[RecommendedLanguageSkill]:
    return st.builds(
        RecommendedLanguageSkill,
        language=languages,
        cefr_level=st.none() | cefr_levels,
        subject_area=st.none() | subject_areas(markers),
        not_yet_defined=flags(markers),
    )


def mobility(kind: type[MobilitySpecification], markers: bool) -> st.SearchStrategy[Any]:
    first = 0 if kind in (StudentTraineeshipMobilitySpec, StaffTrainingMobilitySpec) else 1
    common: dict[str, st.SearchStrategy[Any]] = {
        "sending_hei_id": hei_ids,
        "sending_ounit_id": st.none() | identifiers,
        "sending_contacts": contact_lists,
        "receiving_hei_id": hei_ids,
        "receiving_ounit_id": st.none() | identifiers,
        "receiving_contacts": contact_lists,
        "receiving_first_academic_year_id": years,
        "receiving_last_academic_year_id": years,
        "mobilities_per_year": st.builds(
            MobilitiesPerYear, value=counts, not_yet_defined=flags(markers)
        ),
        "recommended_language_skills": st.lists(
            language_skills(markers), min_size=first, max_size=2
        ).map(tuple),
        "subject_areas": st.lists(subject_areas(markers), max_size=2).map(tuple),
        "other_info_terms": st.none() | texts,
    }
    if issubclass(kind, (StudentStudiesMobilitySpec, StudentTraineeshipMobilitySpec)):
        common["total_months_per_year"] = st.none() | decimals
        common["blended"] = blended_values
        common["eqf_levels"] = st.lists(eqf_levels, max_size=2).map(tuple)
    else:
        common["total_days_per_year"] = st.none() | decimals
    return st.builds(kind, **common)


def conditions(markers: bool) -> st.SearchStrategy[CooperationConditions]:
    def some(kind: type[MobilitySpecification]) -> st.SearchStrategy[tuple[Any, ...]]:
        return st.lists(mobility(kind, markers), max_size=2).map(tuple)

    return st.builds(
        CooperationConditions,
        student_studies=some(StudentStudiesMobilitySpec),
        student_traineeships=some(StudentTraineeshipMobilitySpec),
        staff_teachers=some(StaffTeacherMobilitySpec),
        staff_trainings=some(StaffTrainingMobilitySpec),
        terminated_as_a_whole=flags(markers),
    ).filter(lambda c: len(c.mobilities) > 0)


partners = st.builds(
    IiaPartner,
    hei_id=hei_ids,
    ounit_id=st.none() | identifiers,
    iia_id=identifiers,
    iia_code=st.none() | texts,
    signing_contact=st.none() | contacts,
    contacts=contact_lists,
)


def agreements(markers: bool = True) -> st.SearchStrategy[Iia]:
    return st.builds(
        Iia,
        partners=st.tuples(partners, partners),
        in_effect=st.booleans(),
        cooperation_conditions=conditions(markers),
        iia_hash=st.just("0" * 64),
        pdf_file=st.none() | identifiers,
    )


def sha(iia: Iia) -> str:
    (result,) = compute_iia_hashes(encode(IiasGetResponse(iias=(iia,))))
    return result.sha256


# ------------------------------------------------------------------ contacts


def _without_contacts(iia: Iia, replacement: tuple[Contact, ...]) -> Iia:
    def strip(m: Any) -> Any:
        return dataclasses.replace(m, sending_contacts=replacement, receiving_contacts=())

    c = iia.cooperation_conditions
    return dataclasses.replace(
        iia,
        partners=tuple(
            dataclasses.replace(p, signing_contact=None, contacts=replacement) for p in iia.partners
        ),
        cooperation_conditions=dataclasses.replace(
            c,
            student_studies=tuple(map(strip, c.student_studies)),
            student_traineeships=tuple(map(strip, c.student_traineeships)),
            staff_teachers=tuple(map(strip, c.staff_teachers)),
            staff_trainings=tuple(map(strip, c.staff_trainings)),
        ),
    )


@PROPERTY_SETTINGS
@given(agreements(), contact_lists)
def test_hash_ignores_contacts(iia: Iia, replacement: tuple[Contact, ...]) -> None:
    assert sha(_without_contacts(iia, replacement)) == sha(iia)


# ------------------------------------------------------------ hashed fields

Mutation = Callable[[Any], Any]


def _changed(value: str) -> str:
    return value + "x"


def _other(choices: list[str]) -> Callable[[str], str]:
    return lambda value: next(c for c in choices if c != value)


def _year(value: str) -> str:
    first = int(value[:4]) + 1
    return f"{first}/{first + 1}"


#: (description, applies to mobility?, mutation of one mobility) for every hashed value.
MOBILITY_MUTATIONS: dict[str, Mutation] = {
    "sending-hei-id": lambda m: dataclasses.replace(m, sending_hei_id=_changed(m.sending_hei_id)),
    "receiving-hei-id": lambda m: dataclasses.replace(
        m, receiving_hei_id=_changed(m.receiving_hei_id)
    ),
    "sending-ounit-id": lambda m: dataclasses.replace(
        m, sending_ounit_id=_changed(m.sending_ounit_id or "")
    ),
    "receiving-ounit-id": lambda m: dataclasses.replace(
        m, receiving_ounit_id=_changed(m.receiving_ounit_id or "")
    ),
    "receiving-first-academic-year-id": lambda m: dataclasses.replace(
        m, receiving_first_academic_year_id=_year(m.receiving_first_academic_year_id)
    ),
    "receiving-last-academic-year-id": lambda m: dataclasses.replace(
        m, receiving_last_academic_year_id=_year(m.receiving_last_academic_year_id)
    ),
    "mobilities-per-year": lambda m: dataclasses.replace(
        m,
        mobilities_per_year=dataclasses.replace(
            m.mobilities_per_year, value=str(m.mobilities_per_year.count + 1)
        ),
    ),
    "recommended-language-skill": lambda m: dataclasses.replace(
        m,
        recommended_language_skills=(
            RecommendedLanguageSkill(language="it"),
            *m.recommended_language_skills,
        ),
    ),
    "subject-area": lambda m: dataclasses.replace(
        m,
        subject_areas=(
            *m.subject_areas,
            SubjectArea(isced_f_code=IscedFCode(value="0613"), isced_clarification=""),
        ),
    ),
    "other-info-terms": lambda m: dataclasses.replace(
        m, other_info_terms=_changed(m.other_info_terms or "")
    ),
}
STUDENT_MUTATIONS: dict[str, Mutation] = {
    "total-months-per-year": lambda m: dataclasses.replace(
        m, total_months_per_year=_other(["7", "8"])(m.total_months_per_year or "")
    ),
    "blended": lambda m: dataclasses.replace(
        m, blended=_other(["true", "false", "1", "0"])(m.blended)
    ),
    "eqf-level": lambda m: dataclasses.replace(m, eqf_levels=(*m.eqf_levels, "6")),
}
STAFF_MUTATIONS: dict[str, Mutation] = {
    "total-days-per-year": lambda m: dataclasses.replace(
        m, total_days_per_year=_other(["7", "8"])(m.total_days_per_year or "")
    ),
}


def _replace_mobility(iia: Iia, index: int, change: Mutation) -> Iia:
    c = iia.cooperation_conditions
    groups = ["student_studies", "student_traineeships", "staff_teachers", "staff_trainings"]
    for group in groups:
        items = getattr(c, group)
        if index < len(items):
            changed = (*items[:index], change(items[index]), *items[index + 1 :])
            fields: dict[str, Any] = {group: changed}
            new = dataclasses.replace(c, **fields)
            return dataclasses.replace(iia, cooperation_conditions=new)
        index -= len(items)
    raise IndexError(index)


def _mutations_of(m: MobilitySpecification) -> dict[str, Mutation]:
    extra = STUDENT_MUTATIONS if hasattr(m, "blended") else STAFF_MUTATIONS
    found = {**MOBILITY_MUTATIONS, **extra}
    language = m.recommended_language_skills
    if language:
        found["language"] = lambda x: dataclasses.replace(
            x,
            recommended_language_skills=(
                dataclasses.replace(
                    language[0], language=_other(["en", "de"])(language[0].language)
                ),
                *language[1:],
            ),
        )
    if m.subject_areas:
        area = m.subject_areas[0]
        code = area.isced_f_code
        found["isced-f-code"] = lambda x: dataclasses.replace(
            x,
            subject_areas=(
                dataclasses.replace(
                    area,
                    isced_f_code=dataclasses.replace(
                        code, value=_other(["0011", "0022"])(code.value)
                    ),
                ),
                *m.subject_areas[1:],
            ),
        )
        found["isced-clarification"] = lambda x: dataclasses.replace(
            x,
            subject_areas=(
                dataclasses.replace(
                    area, isced_clarification=_changed(area.isced_clarification or "")
                ),
                *m.subject_areas[1:],
            ),
        )
    return found


@PROPERTY_SETTINGS
@given(agreements(markers=False), st.data())
def test_hash_changes_when_any_hashed_field_changes(iia: Iia, data: st.DataObject) -> None:
    before = sha(iia)
    partner = data.draw(st.sampled_from([0, 1]), label="partner")
    partners = list(iia.partners)
    partners[partner] = dataclasses.replace(
        partners[partner], iia_id=_changed(partners[partner].iia_id or "")
    )
    assert sha(dataclasses.replace(iia, partners=tuple(partners))) != before
    mobilities = iia.cooperation_conditions.mobilities
    index = data.draw(st.integers(0, len(mobilities) - 1), label="mobility")
    mutations = _mutations_of(mobilities[index])
    for name in data.draw(st.permutations(sorted(mutations)), label="fields")[:4]:
        changed = _replace_mobility(iia, index, mutations[name])
        assert changed != iia, name
        assert sha(changed) != before, f"changing {name} left the hash unchanged"


# ---------------------------------------------------------- re-serialisation


def restyle(document: bytes, prefixes: dict[str, str], *, indent: bool, cdata: bool) -> bytes:
    """``document`` written by hand: ``prefixes`` maps namespace -> prefix ("" = default)."""
    root = parse_xml(document).getroot()
    out: list[str] = []

    def name(tag: str) -> str:
        qname = etree.QName(tag)
        prefix = prefixes[qname.namespace or ""]
        return f"{prefix}:{qname.localname}" if prefix else qname.localname

    def text(value: str) -> str:
        if cdata and value and "]]>" not in value:
            return f"<![CDATA[{value}]]>"
        return escape(value)

    def write(elem: etree._Element, depth: int) -> None:
        attrs = "".join(
            f" {name(k) if k.startswith('{') else k}={quoteattr(v)}" for k, v in elem.attrib.items()
        )
        if depth == 0:
            attrs += "".join(
                f" xmlns:{p}={quoteattr(ns)}" if p else f" xmlns={quoteattr(ns)}"
                for ns, p in prefixes.items()
                if ns and not ns.startswith("http://www.w3.org/XML/")
            )
        pad = "\n" + "  " * depth if indent else ""
        children = [c for c in elem if isinstance(c.tag, str)]
        out.append(f"{pad}<{name(str(elem.tag))}{attrs}>")
        if children:
            for child in children:
                write(child, depth + 1)
            out.append(f"{pad}</{name(str(elem.tag))}>")
        else:
            out.append(f"{text(elem.text or '')}</{name(str(elem.tag))}>")

    write(root, 0)
    return "".join(out).encode()


def _prefix_plans(document: bytes) -> st.SearchStrategy[dict[str, str]]:
    root = parse_xml(document).getroot()
    namespaces = sorted({etree.QName(e).namespace or "" for e in root.iter(etree.Element)})
    xml_ns = "http://www.w3.org/XML/1998/namespace"
    prefix_sets = st.permutations(["p", "q", "iia", "c", "ph", "z"])

    def plan(prefix_list: list[str], default_index: int) -> dict[str, str]:
        chosen = {ns: prefix_list[i] for i, ns in enumerate(namespaces)}
        chosen[namespaces[default_index % len(namespaces)]] = ""
        chosen[xml_ns] = "xml"
        return chosen

    return st.builds(plan, prefix_sets, st.integers(0, 5))


@PROPERTY_SETTINGS
@given(agreements(), st.data())
def test_hash_and_model_survive_reserialisation(iia: Iia, data: st.DataObject) -> None:
    response = IiasGetResponse(iias=(iia,))
    document = encode(response)
    prefixes = data.draw(_prefix_plans(document), label="prefixes")
    other = restyle(
        document,
        prefixes,
        indent=data.draw(st.booleans(), label="indent"),
        cdata=data.draw(st.booleans(), label="cdata"),
    )
    assert other != document
    (before,) = compute_iia_hashes(document)
    (after,) = compute_iia_hashes(other)
    assert (after.text_to_hash, after.sha256, after.valid_for_approval) == (
        before.text_to_hash,
        before.sha256,
        before.valid_for_approval,
    )
    assert decode(other, IiasGetResponse) == response
    assert encode(decode(other, IiasGetResponse)) == document
