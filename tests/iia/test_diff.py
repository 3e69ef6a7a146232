"""``diff``: every change of a hashed field is named, by its path, and nothing else is."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from ewp_client.errors import IiaError
from ewp_client.iia.diff import FieldChange, diff_iias, field_paths
from ewp_client.iia.hash import compute_iia_hashes

CONTACTS = {"sending-contact", "receiving-contact"}
YEARS = {"receiving-first-academic-year-id", "receiving-last-academic-year-id"}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _hidden(element: etree._Element) -> bool:
    return element.get("not-yet-defined") in ("true", "1")


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [c for c in parent if isinstance(c.tag, str)]


def _index_among(element: etree._Element, *, counted: Callable[[etree._Element], bool]) -> int:
    parent = element.getparent()
    assert parent is not None
    same = [c for c in _elements(parent) if _local(c) == _local(element) and counted(c)]
    return same.index(element) + 1


def _expected_path(leaf: etree._Element) -> str:
    """The path of ``leaf`` worked out from the tree (not from the hashed fields)."""
    chain = []
    element: etree._Element | None = leaf
    while element is not None and _local(element) != "cooperation-conditions":
        chain.append(element)
        element = element.getparent()
    mobility, *below = reversed(chain)
    position = _index_among(mobility, counted=lambda c: True)
    path = f"cooperation-conditions/{_local(mobility)}[{position}]"
    if len(below) == 1:
        siblings = [c for c in _elements(mobility) if _local(c) == _local(leaf)]
        name = _local(leaf)
        if len(siblings) > 1 and name not in YEARS:
            name += f"[{siblings.index(leaf) + 1}]"
        return f"{path}/{name}"
    group, *rest = below
    index = _index_among(group, counted=lambda c: not _hidden(c))
    return f"{path}/{_local(group)}[{index}]/" + "/".join(_local(e) for e in rest)


def _hashed_leaves(iia: etree._Element) -> Iterator[etree._Element]:
    """Leaves inside mobilities whose text enters the hash."""
    for conditions in iia.iterchildren("{*}cooperation-conditions"):
        for leaf in conditions.iter():
            if not isinstance(leaf.tag, str) or _elements(leaf) or leaf is conditions:
                continue
            ancestry = [leaf, *leaf.iterancestors()]
            if _local(leaf) in YEARS and leaf.getparent() in list(conditions):
                yield leaf
                continue
            if any(_local(e) in YEARS | CONTACTS or _hidden(e) for e in ancestry):
                continue
            if leaf.get("v6-value"):
                continue
            if leaf.getparent() is conditions:
                continue
            yield leaf


def _vector_files(reference_pack: Path) -> list[Path]:
    folder = reference_pack / "iia-hash-vectors"
    cases = [json.loads(line) for line in (folder / "cases.jsonl").read_text().splitlines()]
    return [folder / c["file"] for c in cases if not c["multi_iia"]]


def test_one_changed_field_is_named_exactly_on_every_vector(
    reference_pack: Path, figures: Callable[[str], None]
) -> None:
    tried, named, wrong = 0, 0, []
    for path in _vector_files(reference_pack):
        data = path.read_bytes()
        tree = etree.fromstring(data)
        (iia,) = tree.iter("{*}iia")
        leaves = list(_hashed_leaves(iia))
        for leaf in leaves[:: max(1, len(leaves) // 6)]:
            original = leaf.text or ""
            leaf.text = original + "-changed"
            changed = etree.tostring(tree)
            leaf.text = original
            expected = (FieldChange(_expected_path(leaf), original, original + "-changed"),)
            result = diff_iias(data, changed)
            tried += 1
            if result.differences == expected and not result.hashes_agree:
                named += 1
            else:
                wrong.append((path.name, expected, result.differences))
    line = f"iia diff names the one changed field (iia-hash-vectors): {named}/{tried}"
    figures(line)
    assert tried > 500
    assert wrong == []


def test_contact_only_change_leaves_hash_and_differences_alone(reference_pack: Path) -> None:
    changed_files = 0
    for path in _vector_files(reference_pack):
        data = path.read_bytes()
        tree = etree.fromstring(data)
        names = [e for e in tree.iter("{*}contact-name")]
        if not names:
            continue
        for name in names:
            name.text = "Someone Else"
        result = diff_iias(data, etree.tostring(tree))
        assert result.hashes_agree, path.name
        assert result.differences == ()
        changed_files += 1
    assert changed_files > 50


def _xml(body: str, *, attributes: str = "", partners: str = "") -> bytes:
    from ewp_client.namespaces import IIAS_V7_GET_NS

    partners = partners or (
        "<partner><hei-id>a.example</hei-id><iia-id>A</iia-id></partner>"
        "<partner><hei-id>b.example</hei-id><iia-id>B</iia-id></partner>"
    )
    return (
        f'<iias-get-response xmlns="{IIAS_V7_GET_NS}"><iia>{partners}'
        f"<in-effect>true</in-effect><cooperation-conditions{attributes}>"
        "<student-studies-mobility-spec><sending-hei-id>a.example</sending-hei-id>"
        "<receiving-hei-id>b.example</receiving-hei-id>"
        "<receiving-first-academic-year-id>2024/2025</receiving-first-academic-year-id>"
        "<receiving-last-academic-year-id>2025/2026</receiving-last-academic-year-id>"
        f"{body}</student-studies-mobility-spec></cooperation-conditions>"
        f"<iia-hash>{'0' * 64}</iia-hash></iia></iias-get-response>"
    ).encode()


M = "cooperation-conditions/student-studies-mobility-spec[1]"
BASE = (
    "<mobilities-per-year>2</mobilities-per-year><blended>false</blended><eqf-level>7</eqf-level>"
)


def test_an_inserted_field_is_one_addition_not_a_shift() -> None:
    before = _xml(BASE)
    after = _xml(BASE.replace("<eqf-level>7", "<eqf-level>6</eqf-level><eqf-level>7"))
    assert diff_iias(before, after).differences == (FieldChange(f"{M}/eqf-level[1]", None, "6"),)


def test_a_not_yet_defined_marker_removes_the_field() -> None:
    before = _xml(BASE)
    after = _xml(
        BASE.replace("<mobilities-per-year>", '<mobilities-per-year not-yet-defined="true">')
    )
    assert diff_iias(before, after).differences == (
        FieldChange(f"{M}/mobilities-per-year", "2", None),
    )


def test_terminated_as_a_whole_and_mapping_are_named() -> None:
    before = _xml(BASE)
    after = _xml(
        BASE,
        attributes=' terminated-as-a-whole="true"',
        partners="<partner><hei-id>a.example</hei-id><iia-id>A</iia-id></partner>"
        "<partner><hei-id>b.example</hei-id><iia-id>B2</iia-id></partner>",
    )
    assert diff_iias(before, after).differences == (
        FieldChange("cooperation-conditions/@terminated-as-a-whole", None, "true"),
        FieldChange("partner[2]/iia-id", "B", "B2"),
    )


def test_attributes_are_named_with_at() -> None:
    before = _xml(BASE + '<other-info-terms xml:lang="en">x</other-info-terms>')
    after = _xml(BASE + '<other-info-terms xml:lang="pl">x</other-info-terms>')
    assert diff_iias(before, after).differences == (
        FieldChange(f"{M}/other-info-terms/@lang", "en", "pl"),
    )


def test_differences_follow_the_text_to_hash_order() -> None:
    before = _xml(BASE)
    after = _xml(BASE.replace(">2<", ">3<").replace("false", "true").replace(">7<", ">8<"))
    result = diff_iias(before, after)
    assert [c.path for c in result.differences] == [
        f"{M}/mobilities-per-year",
        f"{M}/blended",
        f"{M}/eqf-level",
    ]
    fields = compute_iia_hashes(after)[0].fields
    order = field_paths(fields)
    assert [order.index(c.path) for c in result.differences] == sorted(
        order.index(c.path) for c in result.differences
    )


def test_picking_an_iia_in_a_response_of_several() -> None:
    one = _xml(BASE)
    with pytest.raises(IiaError, match="no IIA with iia-id 'X'"):
        diff_iias(one, one, iia_id="X")
    assert diff_iias(one, one, iia_id="A").hashes_agree
