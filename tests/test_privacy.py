"""Students' personal data masked out of bodies (ewp_client.privacy): LAs masked, staff kept."""

from __future__ import annotations

import dataclasses

from lxml import etree

from ewp_client.codec import encode
from ewp_client.models import LasGetResponse
from ewp_client.namespaces import LAS_GET_NS
from ewp_client.privacy import MASK, mask_body, mask_student_data
from ewp_client.xml import parse_xml
from ewp_client.xml.parser import ParserLimits
from ewp_mock.data import UNI_A, demo_dataset

#: The demo's approved LA: student "Demo Student 4", born 2004-01-04.
APPROVED = next(r for r in demo_dataset().outgoing_las(UNI_A) if r.la.omobility_id == "la-approved")
STUDENT_DATA = (
    b"Student 4",
    b"2004-01-04",
    b"demo.student.4@",
    b"esi:uni-a.example.org:9004",
    b"<citizenship>BE<",
)


def _la_document() -> bytes:
    return encode(LasGetResponse(las=(APPROVED.la,)))


def test_the_student_and_her_signature_are_masked_staff_and_ids_are_kept() -> None:
    document = _la_document()
    for value in STUDENT_DATA:
        assert value in document, value  # the test would prove nothing otherwise
    sending_contact = APPROVED.la.sending_hei.contact_person
    assert sending_contact is not None
    staff = sending_contact.family_name.encode()
    assert staff in document

    result = mask_student_data(document)

    assert result.body is not None
    assert result.withheld is None
    for value in STUDENT_DATA:
        assert value not in result.body, value
    assert staff in result.body  # staff contacts and the HEIs' signatures are kept
    assert b"la-approved" in result.body
    assert UNI_A.encode() in result.body
    assert b"Mechanics II" in result.body
    root = parse_xml(result.body).getroot()
    ns = {"la": LAS_GET_NS}  # the document's default namespace
    assert root.xpath("//la:student/la:given-names/text()", namespaces=ns) == [MASK]
    assert root.xpath("//la:student/la:birth-date/text()", namespaces=ns) == [MASK]
    signers = root.xpath("//la:student-signature/la:signer-name/text()", namespaces=ns)
    assert signers
    assert set(signers) == {MASK}
    hei_signers = root.xpath("//la:sending-hei-signature/la:signer-name/text()", namespaces=ns)
    assert hei_signers
    assert MASK not in hei_signers
    assert root.xpath("//la:student-signature/la:timestamp/text()", namespaces=ns) != [MASK]
    assert result.masked == len(root.xpath("//*[text()=$m]", m=MASK))


def test_every_value_under_a_student_is_masked_whatever_a_version_adds() -> None:
    document = (
        b'<r xmlns="urn:x"><student><photo-url size-px="100x120" xml:lang="en">'
        b"https://photos.example/anna.jpg</photo-url><!-- Anna Nowak --></student></r>"
    )
    result = mask_student_data(document)
    assert result.body is not None
    for value in (b"anna.jpg", b"Anna Nowak", b"100x120"):
        assert value not in result.body
    assert b'xml:lang="en"' in result.body
    assert result.masked == 3


def test_a_document_without_a_student_comes_back_unchanged_unparsed() -> None:
    document = (
        b"<r xmlns='urn:x'><contact><person-given-names>Ann</person-given-names></contact></r>"
    )
    assert mask_student_data(document).body == document
    not_xml_but_harmless = b"<r><unclosed>"
    assert mask_student_data(not_xml_but_harmless).body == not_xml_but_harmless


def test_a_body_that_may_name_a_student_and_cannot_be_read_is_withheld() -> None:
    broken = b"<r><student><given-names>Anna</given-names></r>"
    result = mask_student_data(broken)
    assert result.body is None
    assert result.withheld == "not well-formed XML"
    assert result.text() == f"<{len(broken)} bytes, not well-formed XML: withheld>"
    assert "Anna" not in result.text()

    doctype = b'<!DOCTYPE r [<!ENTITY n "Anna">]><r><student>&n;</student></r>'
    assert mask_student_data(doctype).body is None
    assert "DtdForbidden" in (mask_student_data(doctype).withheld or "")

    large = _la_document()
    too_large = mask_student_data(large, limits=ParserLimits(max_bytes=len(large) - 1))
    assert too_large.body is None
    assert "XmlTooLarge" in (too_large.withheld or "")


def test_utf16_documents_are_parsed_to_be_masked() -> None:
    tree = parse_xml(_la_document())
    utf16 = etree.tostring(tree, encoding="UTF-16", xml_declaration=True)
    assert b"Student 4" not in utf16  # not ASCII: the cheap check cannot see names
    result = mask_body(utf16)
    assert result.body is not None
    for value in STUDENT_DATA:
        assert value not in result.body
    assert "Student 4" not in result.text()
    assert "la-approved" in result.text()


def test_bodies_by_content_type() -> None:
    form = b"sending_hei_id=uni-a.example.org&omobility_id=la-approved"
    assert mask_body(form, "application/x-www-form-urlencoded; charset=utf-8").body == form
    assert mask_body(b"").body == b""
    json = b'{"student": "Anna"}'
    withheld = mask_body(json, "application/json")
    assert withheld.body is None
    assert withheld.text() == f"<{len(json)} bytes, application/json, not XML: withheld>"
    assert mask_body(b"Anna", None).text() == "<4 bytes, untyped, not XML: withheld>"
    masked = mask_body(_la_document(), "text/xml; charset=utf-8")
    assert masked.masked > 0
    assert b"2004-01-04" not in (masked.body or b"")
    assert mask_body(_la_document()).masked == masked.masked
    no_declaration = _la_document().partition(b"?>")[2]
    assert mask_body(b"\n  " + no_declaration).masked == masked.masked


def test_the_masked_values_are_counted_and_a_changes_proposal_student_too() -> None:
    la = APPROVED.la
    assert la.student is not None
    document = encode(LasGetResponse(las=(la, dataclasses.replace(la, omobility_id="other"))))
    assert mask_student_data(document).masked == 2 * mask_student_data(_la_document()).masked
