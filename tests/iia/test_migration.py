"""Migration of v6-era approvals: the Approval v2 hash of a v6 snapshot, and whether it stands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from ewp_client.errors import IiaError, UnexpectedDocumentError
from ewp_client.iia.diff import FieldChange
from ewp_client.iia.hash import compute_iia_hashes
from ewp_client.iia.migration import check_v6_approval, v6_approval_hash
from ewp_client.namespaces import IIAS_V6_GET_NS, IIAS_V7_GET_NS

YEAR_NAMES = ("receiving-first-academic-year-id", "receiving-last-academic-year-id")


def _examples(reference_pack: Path) -> tuple[bytes, bytes]:
    examples = reference_pack / "examples"
    return (
        (examples / "iias-v6" / "xsltkit-get-response-v6.xml").read_bytes(),
        (examples / "iias-v7" / "xsltkit-get-response-v7.xml").read_bytes(),
    )


def test_official_v6_example_gives_the_hash_of_the_approval_spec(reference_pack: Path) -> None:
    v6, _ = _examples(reference_pack)
    # The value the IIA Approval v2 upgrade notes give for this snapshot.
    expected = "87b33170d7a6c6d894215641f39e7b7de36501265479e5ab3922f32d5b225033"
    assert v6_approval_hash(v6) == expected


def test_unchanged_agreement_served_as_v7_keeps_its_approval(reference_pack: Path) -> None:
    v6, v7 = _examples(reference_pack)
    check = check_v6_approval(v6, v7)
    assert check.stands
    assert check.approval_hash == check.current_hash == compute_iia_hashes(v7)[0].sha256
    assert check.differences == ()
    # Its v6-value / not-yet-defined markers keep the v6 text, and block a new approval.
    assert check.current_valid_for_approval is False


def test_a_changed_v7_copy_no_longer_stands_and_says_why(reference_pack: Path) -> None:
    v6, v7 = _examples(reference_pack)
    changed = v7.replace(b"<total-days-per-year>8<", b"<total-days-per-year>9<")
    assert changed != v7
    check = check_v6_approval(v6, changed)
    assert not check.stands
    assert check.approval_hash == v6_approval_hash(v6)
    assert check.differences == (
        FieldChange(
            "cooperation-conditions/staff-teacher-mobility-spec[1]/total-days-per-year", "8", "9"
        ),
    )


def _as_v6(v7_document: bytes) -> bytes:
    """A v6 rendering of a v7 vector: v6 namespace, years as a receiving-academic-year-id list."""
    tree = etree.fromstring(v7_document)
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{IIAS_V7_GET_NS}}}"):
            element.tag = element.tag.replace(IIAS_V7_GET_NS, IIAS_V6_GET_NS)
    for name in YEAR_NAMES:
        for year in list(tree.iter(f"{{{IIAS_V6_GET_NS}}}{name}")):
            year.tag = f"{{{IIAS_V6_GET_NS}}}receiving-academic-year-id"
    etree.cleanup_namespaces(tree, top_nsmap={None: IIAS_V6_GET_NS})
    return etree.tostring(tree)


def _plain(case: dict[str, object], data: bytes) -> bool:
    """A single-IIA vector without attributes in its cooperation conditions (v6 has none)."""
    if case["multi_iia"]:
        return False
    tree = etree.fromstring(data)
    conditions = next(tree.iter(f"{{{IIAS_V7_GET_NS}}}cooperation-conditions"))
    contacts = {"sending-contact", "receiving-contact"}
    return not any(
        e.attrib and not any(etree.QName(a).localname in contacts for a in [e, *e.iterancestors()])
        for e in conditions.iter()
        if isinstance(e.tag, str)
    )


def test_v6_versions_of_the_vectors_keep_their_approval(
    reference_pack: Path, figures: Callable[[str], None]
) -> None:
    folder = reference_pack / "iia-hash-vectors"
    cases = [json.loads(line) for line in (folder / "cases.jsonl").read_text().splitlines()]
    tried = stands = 0
    for case in cases:
        data = (folder / str(case["file"])).read_bytes()
        if not _plain(case, data):
            continue
        tried += 1
        check = check_v6_approval(_as_v6(data), data)
        expected = case["iias"][0]["sha256"]
        if check.stands and check.approval_hash == expected and check.differences == ():
            stands += 1
    line = f"v6 approvals carried over (v6 versions of iia-hash-vectors): {stands}/{tried}"
    figures(line)
    assert tried >= 20
    assert stands == tried


def test_snapshot_and_current_must_be_the_right_versions(reference_pack: Path) -> None:
    v6, v7 = _examples(reference_pack)
    with pytest.raises(UnexpectedDocumentError, match="v6 get response, not v7"):
        v6_approval_hash(v7)
    with pytest.raises(UnexpectedDocumentError, match="v7 get response, not v6"):
        check_v6_approval(v6, v6)
    with pytest.raises(IiaError, match="no IIA with iia-id 'nope'"):
        v6_approval_hash(v6, iia_id="nope")
