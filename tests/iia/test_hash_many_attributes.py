"""An element with thousands of attributes is hashed whole, in order, in linear time.

Partner bytes with that many attributes on one element are refused by the
hardened parser (``ParserLimits.max_attributes``); a caller who raises the
limit, or hands over a tree, still gets the kit's text. (The time is in
``benchmarks/bench_iia_hash.py``; here, what the text holds.)
"""

from __future__ import annotations

import pytest

from ewp_client import ParserLimits, XmlTooManyAttributesError, parse_xml
from ewp_client.iia.hash import IiaHash, compute_iia_hashes

from .iia_xml import MOBILITY, iia, mobility, response, simple

LABEL = f"cooperation-conditions.{MOBILITY}.sending-hei-id"
N = 3_000
RAISED = ParserLimits(max_attributes=N + 10)


def hashes(document: bytes) -> list[IiaHash]:
    return compute_iia_hashes(parse_xml(document, limits=RAISED, keep_comments=False))


def test_partner_bytes_over_the_attribute_limit_are_refused() -> None:
    attributes = " ".join(f'a{i}="v{i}"' for i in range(N))
    document = simple().replace(b"<sending-hei-id>", f"<sending-hei-id {attributes}>".encode())
    with pytest.raises(XmlTooManyAttributesError):
        compute_iia_hashes(document)


def test_every_attribute_of_one_element_is_a_field_in_document_order() -> None:
    attributes = " ".join(f'a{i}="v{i}"' for i in range(N))
    document = simple().replace(
        b"<sending-hei-id>", f'<sending-hei-id {attributes} xml:lang="en">'.encode()
    )
    (result,) = hashes(document)
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
    (result,) = hashes(document)
    assert result.pieces[0] == "_@terminated-as-a-whole@_"
    unwritten = document.replace(b' a0="1"', b' a0="1" not-yet-defined="true"', 1)
    (hidden,) = hashes(unwritten)
    assert not hidden.valid_for_approval
    assert not any("sending-hei-id" in p for p in hidden.pieces)
    assert any("sending-hei-id" in p for p in result.pieces)
