"""The official kit's corner cases, one document each, with the text the kit builds for it.

Every expected text below was checked against ``transform_version_7.xsl`` run
by SaxonC-HE while writing these tests.
"""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree

from ewp_client.errors import (
    ConfigError,
    IiaError,
    IiaHashError,
    MalformedXmlError,
    UnknownDocumentError,
)
from ewp_client.iia.hash import compute_iia_hashes, verify_iia_hashes
from ewp_client.iia.text_to_hash import FieldKind, HashedField
from tests.iia.iia_xml import MOBILITY, PARTNERS, YEARS, iia, mobility, response, simple

HEAD = "_iia-id_1=A__iia-id_2=B_"
M = f"cooperation-conditions.{MOBILITY}."
SENDING = f"_{M}sending-hei-id=a.example_"
TAIL = "_receiving-first-academic-year-id=2024/2025__receiving-last-academic-year-id=2025/2026_"
S = f"{MOBILITY}.subject-area."


def text(xml: bytes) -> str:
    (result,) = compute_iia_hashes(xml)
    return result.text_to_hash


def test_plain_agreement_text_and_sha256() -> None:
    (result,) = compute_iia_hashes(simple("<blended>false</blended>"))
    assert result.text_to_hash == f"{HEAD}{SENDING}_{M}blended=false_{TAIL}"
    assert result.sha256 == hashlib.sha256(result.text_to_hash.encode()).hexdigest()
    assert result.iia_id == "A"
    assert result.valid_for_approval is True
    assert result.version == 7


def test_values_are_not_trimmed_and_cdata_counts_as_text() -> None:
    body = (
        "<subject-area><isced-f-code>0410</isced-f-code>"
        "<isced-clarification>  a &amp; b <![CDATA[<x>]]>&#13;\nz </isced-clarification>"
        "</subject-area>"
    )
    assert text(simple(body)) == (
        f"{HEAD}{SENDING}_{S}isced-f-code=0410__{S}isced-clarification=  a & b <x>\r\nz _{TAIL}"
    )


def test_comments_and_processing_instructions_inside_a_value_are_skipped() -> None:
    body = "<subject-area><isced-f-code>04<!-- c -->1<?pi x?>0</isced-f-code></subject-area>"
    assert text(simple(body)) == f"{HEAD}{SENDING}_{S}isced-f-code=0410_{TAIL}"


def test_element_with_only_a_comment_inside_is_an_empty_leaf() -> None:
    assert text(simple("<subject-area><!-- none --></subject-area>")) == (
        f"{HEAD}{SENDING}_{M}subject-area=_{TAIL}"
    )


def test_v6_value_replaces_the_isced_code_and_blocks_approval() -> None:
    body = (
        '<subject-area><isced-f-code v6-value="">0410</isced-f-code></subject-area>'
        '<subject-area><isced-f-code v6-value="04">0411</isced-f-code></subject-area>'
    )
    (result,) = compute_iia_hashes(simple(body))
    assert result.text_to_hash == (
        f"{HEAD}{SENDING}_{S}isced-f-code=0410__{S}isced-f-code=04_{TAIL}"
    )
    assert result.valid_for_approval is False


def test_empty_v6_value_alone_keeps_approval() -> None:
    body = '<subject-area><isced-f-code v6-value="">0410</isced-f-code></subject-area>'
    assert compute_iia_hashes(simple(body))[0].valid_for_approval is True


def test_v6_value_on_another_element_is_not_a_replacement() -> None:
    (result,) = compute_iia_hashes(simple('<eqf-level v6-value="5">6</eqf-level>'))
    assert result.text_to_hash == f"{HEAD}{SENDING}_{M}eqf-level=6_{TAIL}"
    assert result.valid_for_approval is False


@pytest.mark.parametrize("value", ["true", "1"])
def test_not_yet_defined_element_and_its_subtree_are_left_out(value: str) -> None:
    body = (
        f'<recommended-language-skill not-yet-defined="{value}"><language>en</language>'
        "</recommended-language-skill><blended>true</blended>"
    )
    (result,) = compute_iia_hashes(simple(body))
    assert result.text_to_hash == f"{HEAD}{SENDING}_{M}blended=true_{TAIL}"
    assert result.valid_for_approval is False


@pytest.mark.parametrize("value", ["false", " true", "TRUE", "0"])
def test_only_true_and_1_mean_not_yet_defined(value: str) -> None:
    (result,) = compute_iia_hashes(simple(f'<blended not-yet-defined="{value}">x</blended>'))
    assert result.text_to_hash == f"{HEAD}{SENDING}_{M}blended=x_{TAIL}"
    assert result.valid_for_approval is True


def test_not_yet_defined_mobility_keeps_only_its_academic_years() -> None:
    body = f"<sending-hei-id>a.example</sending-hei-id>{YEARS}"
    xml = response(
        iia(
            mobility(body, attributes=' not-yet-defined="true"')
            + mobility(body, kind="staff-teacher-mobility-spec")
        )
    )
    assert text(xml) == (
        f"{HEAD}{TAIL}"
        f"_cooperation-conditions.staff-teacher-mobility-spec.sending-hei-id=a.example_{TAIL}"
    )


@pytest.mark.parametrize("where", ["conditions_attributes", "iia_attributes"])
def test_not_yet_defined_ancestor_hides_every_mobility(where: str) -> None:
    (result,) = compute_iia_hashes(
        simple("<blended>true</blended>", **{where: ' not-yet-defined="true"'})
    )
    assert result.text_to_hash == f"{HEAD}{TAIL}"
    assert result.valid_for_approval is False


def test_academic_years_are_appended_even_when_not_yet_defined() -> None:
    xml = simple().replace(
        b"<receiving-first-academic-year-id>",
        b'<receiving-first-academic-year-id not-yet-defined="1">',
    )
    (result,) = compute_iia_hashes(xml)
    assert result.text_to_hash == f"{HEAD}{SENDING}{TAIL}"
    assert result.valid_for_approval is False


def test_contacts_are_excluded_but_an_empty_contact_element_is_a_leaf() -> None:
    body = (
        "<sending-contact><c:contact-name>X</c:contact-name></sending-contact>"
        "<receiving-contact/>"
        "<sending-contact><!-- nothing --></sending-contact>"
    )
    assert text(simple(body)) == (
        f"{HEAD}{SENDING}_{M}receiving-contact=__{M}sending-contact=_{TAIL}"
    )


def test_attributes_come_before_the_value_with_local_names_in_document_order() -> None:
    body = (
        '<subject-area><isced-clarification xml:lang="en" z="1" x:not-yet-defined="true" '
        'x:a="2">Maths</isced-clarification></subject-area>'
    )
    xml = simple(body).replace(b" xmlns:c=", b' xmlns:x="urn:x" xmlns:c=')
    label = f"{S}isced-clarification"
    assert text(xml) == (
        f"{HEAD}{SENDING}_@{label}.lang=en@__@{label}.z=1@__@{label}.not-yet-defined=true@_"
        f"_@{label}.a=2@__{label}=Maths_{TAIL}"
    )


def test_labels_use_grandparent_and_parent_at_any_depth() -> None:
    body = (
        '<recommended-language-skill a="1"><language>en</language>'
        "<subject-area><isced-f-code>01</isced-f-code></subject-area>"
        "</recommended-language-skill>"
    )
    assert text(simple(body)) == (
        f"{HEAD}{SENDING}_@{M}recommended-language-skill.a=1@_"
        f"_{MOBILITY}.recommended-language-skill.language=en_"
        f"_recommended-language-skill.subject-area.isced-f-code=01_{TAIL}"
    )


def test_text_around_child_elements_is_not_hashed() -> None:
    body = "<subject-area>text<isced-f-code>01</isced-f-code>tail</subject-area>"
    assert text(simple(body)) == f"{HEAD}{SENDING}_{S}isced-f-code=01_{TAIL}"


def test_missing_partner_iia_id_is_an_empty_field() -> None:
    partners = (
        "<partner><hei-id>a</hei-id><iia-id>A</iia-id></partner>"
        "<partner><hei-id>b</hei-id></partner>"
    )
    assert text(simple(partners=partners)) == f"_iia-id_1=A__iia-id_2=_{SENDING}{TAIL}"


def test_missing_academic_years_and_partners() -> None:
    xml = response(iia(mobility("<sending-hei-id>a</sending-hei-id>"), partners=""))
    (result,) = compute_iia_hashes(xml)
    assert result.iia_id == ""
    assert result.text_to_hash == (
        f"_{M}sending-hei-id=a__receiving-first-academic-year-id=__receiving-last-academic-year-id=_"
    )


def test_iia_id_is_the_first_partners_untrimmed() -> None:
    partners = "<partner><iia-id>  A\n</iia-id></partner><partner><iia-id>B</iia-id></partner>"
    (result,) = compute_iia_hashes(simple(partners=partners))
    assert result.iia_id == "  A\n"
    assert result.text_to_hash.startswith("_iia-id_1=  A\n__iia-id_2=B_")


def test_academic_year_element_is_left_out_but_not_its_children() -> None:
    body = (
        "<sending-hei-id>a</sending-hei-id>"
        "<receiving-first-academic-year-id><x>1</x>2</receiving-first-academic-year-id>"
    )
    assert text(response(iia(mobility(body)))) == (
        f"{HEAD}_{M}sending-hei-id=a__{MOBILITY}.receiving-first-academic-year-id.x=1_"
        "_receiving-first-academic-year-id=12__receiving-last-academic-year-id=_"
    )


def test_terminated_as_a_whole_marks_every_iia_of_the_response() -> None:
    body = f"<sending-hei-id>a.example</sending-hei-id>{YEARS}"
    xml = response(
        iia(mobility(body), conditions_attributes=' terminated-as-a-whole="true"'),
        iia(mobility(body), partners=PARTNERS.replace(">A<", ">A2<")),
    )
    first, second = compute_iia_hashes(xml)
    assert first.text_to_hash == f"_@terminated-as-a-whole@_{HEAD}{SENDING}{TAIL}"
    assert second.text_to_hash == (
        f"_@terminated-as-a-whole@__iia-id_1=A2__iia-id_2=B_{SENDING}{TAIL}"
    )
    assert (first.iia_id, second.iia_id) == ("A", "A2")


def test_terminated_false_is_no_marker_and_any_namespace_counts() -> None:
    assert text(simple(conditions_attributes=' terminated-as-a-whole="false"')) == (
        f"{HEAD}{SENDING}{TAIL}"
    )
    xml = simple(conditions_attributes=' x:terminated-as-a-whole="1"').replace(
        b" xmlns:c=", b' xmlns:x="urn:x" xmlns:c='
    )
    assert text(xml).startswith("_@terminated-as-a-whole@__iia-id_1=")


def test_one_not_yet_defined_makes_every_iia_of_the_response_not_valid() -> None:
    body = f"<sending-hei-id>a.example</sending-hei-id>{YEARS}"
    hidden = '<blended not-yet-defined="true">x</blended>'
    xml = response(iia(mobility(body)), iia(mobility(body + hidden)))
    assert [r.valid_for_approval for r in compute_iia_hashes(xml)] == [False, False]


def test_not_yet_defined_outside_the_hashed_parts_still_blocks_approval() -> None:
    partners = PARTNERS.replace(
        "</partner><partner>",
        '<signing-contact not-yet-defined="true"><c:contact-name>X</c:contact-name>'
        "</signing-contact></partner><partner>",
    )
    (result,) = compute_iia_hashes(simple(partners=partners))
    assert result.text_to_hash == f"{HEAD}{SENDING}{TAIL}"
    assert result.valid_for_approval is False


def test_every_iia_element_counts_in_document_order_any_namespace() -> None:
    nested = '<x:iia xmlns:x="urn:x"><x:partner><x:iia-id>N</x:iia-id></x:partner></x:iia>'
    xml = response(iia(mobility("<sending-hei-id>a.example</sending-hei-id>" + YEARS)), nested)
    assert [(r.iia_id, r.text_to_hash) for r in compute_iia_hashes(xml)] == [
        ("A", f"{HEAD}{SENDING}{TAIL}"),
        ("N", "_iia-id_1=N_"),
    ]


def test_line_ends_are_normalised_by_xml_parsing() -> None:
    body = "<subject-area><isced-clarification>a\r\nb\rc</isced-clarification></subject-area>"
    assert text(simple(body)) == f"{HEAD}{SENDING}_{S}isced-clarification=a\nb\nc_{TAIL}"


@pytest.mark.parametrize(
    "xml",
    [
        simple(partners="<partner><iia-id>A</iia-id><iia-id>A2</iia-id></partner>"),
        simple("<receiving-first-academic-year-id>2030/2031</receiving-first-academic-year-id>"),
    ],
    ids=["two-iia-ids", "two-first-years"],
)
def test_documents_the_kit_cannot_hash_raise_iia_error(xml: bytes) -> None:
    with pytest.raises(IiaError, match="iia-hash is undefined"):
        compute_iia_hashes(xml)


def test_fields_explain_the_text() -> None:
    (result,) = compute_iia_hashes(simple('<blended a="1">true</blended>'))
    assert result.fields[0] == HashedField(FieldKind.ELEMENT, "iia-id_1", "A")
    assert HashedField(FieldKind.ATTRIBUTE, f"{M}blended.a", "1") in result.fields
    assert "".join(f.render() for f in result.fields) == result.text_to_hash


def test_tree_input_gives_the_same_result_as_bytes() -> None:
    xml = simple("<blended>true</blended>")
    tree = etree.ElementTree(etree.fromstring(xml))
    assert compute_iia_hashes(tree) == compute_iia_hashes(xml)
    inner = tree.getroot()[0][0]  # an element stands for its whole document
    assert compute_iia_hashes(inner) == compute_iia_hashes(xml)


def test_other_documents_are_refused_unless_a_kit_is_chosen() -> None:
    other = (
        b"<iias-get-response xmlns='urn:other'>"
        b"<iia><partner><iia-id>A</iia-id></partner></iia></iias-get-response>"
    )
    with pytest.raises(UnknownDocumentError) as caught:
        compute_iia_hashes(other)
    assert caught.value.namespace == "urn:other"
    assert caught.value.root == "iias-get-response"
    assert compute_iia_hashes(other, version=7)[0].text_to_hash == "_iia-id_1=A_"
    with pytest.raises(ConfigError):
        compute_iia_hashes(other, version=5)


def test_hostile_xml_is_refused_by_the_hardened_parser() -> None:
    with pytest.raises(MalformedXmlError):
        compute_iia_hashes(b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>')
    with pytest.raises(MalformedXmlError):
        compute_iia_hashes(b"<iias-get-response")


def test_verify_raises_with_both_hashes() -> None:
    good = compute_iia_hashes(simple())[0].sha256
    assert verify_iia_hashes(simple(iia_hash=good))[0].matches_declared is True
    with pytest.raises(IiaHashError) as caught:
        verify_iia_hashes(simple(iia_hash="f" * 64))
    assert (caught.value.iia_id, caught.value.declared, caught.value.computed) == (
        "A",
        "f" * 64,
        good,
    )
