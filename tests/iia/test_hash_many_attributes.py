"""An element with thousands of attributes is hashed whole, in order, in linear time.

(The time is in ``benchmarks/bench_iia_hash.py``; here, what the text holds.)
"""

from __future__ import annotations

from ewp_client.iia.hash import compute_iia_hashes

from .iia_xml import MOBILITY, iia, mobility, response, simple

LABEL = f"cooperation-conditions.{MOBILITY}.sending-hei-id"
N = 3_000


def test_every_attribute_of_one_element_is_a_field_in_document_order() -> None:
    attributes = " ".join(f'a{i}="v{i}"' for i in range(N))
    document = simple().replace(
        b"<sending-hei-id>", f'<sending-hei-id {attributes} xml:lang="en">'.encode()
    )
    (result,) = compute_iia_hashes(document)
    written = [p for p in result.pieces if p.startswith(f"_@{LABEL}.")]
    assert written == [f"_@{LABEL}.a{i}=v{i}@_" for i in range(N)] + [f"_@{LABEL}.lang=en@_"]


def test_markers_are_found_among_many_attributes() -> None:
    attributes = "".join(f' a{i}="1"' for i in range(N))
    document = response(
        iia(
            mobility("<sending-hei-id>a.example</sending-hei-id>"),
            conditions_attributes=f'{attributes} terminated-as-a-whole="true"',
        )
    )
    (result,) = compute_iia_hashes(document)
    assert result.pieces[0] == "_@terminated-as-a-whole@_"
    unwritten = document.replace(b' a0="1"', b' a0="1" not-yet-defined="true"', 1)
    (hidden,) = compute_iia_hashes(unwritten)
    assert not hidden.valid_for_approval
    assert not any("sending-hei-id" in p for p in hidden.pieces)
    assert any("sending-hei-id" in p for p in result.pieces)
