"""Golden round trip of one document through a model: reusable by every codec test.

``assert_round_trip(source, Model)`` checks, in order:

1. the document decodes into ``Model`` (after schema validation);
2. the model encodes to bytes that our bundled schema accepts;
3. those bytes decode to an equal model;
4. encoding is stable: the second model encodes to the very same bytes;
5. unless ``compare_xml=False``, no information was lost: both documents hold
   the same elements, attributes and texts (comments, processing instructions,
   white space between elements, ``xsi:*`` attributes and prefixes ignored).

Pass ``compare_xml=False`` for documents whose values have several lexical
forms (``1``/``true``, ``Z``/``+00:00``) that the model normalises.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from lxml import etree

from ewp_client.codec import decode, encode
from ewp_client.namespaces import XSI_NS
from ewp_client.xml import parse_xml, validate

M = TypeVar("M")

Shape = tuple[str, tuple[tuple[str, str], ...], str, tuple["Shape", ...]]


def shape(elem: etree._Element) -> Shape:
    """What a document says, without how it was written."""
    xsi = f"{{{XSI_NS}}}"
    attrs = tuple(sorted((k, v) for k, v in elem.attrib.items() if not k.startswith(xsi)))
    children = tuple(shape(c) for c in elem.iterchildren(etree.Element))
    text = "".join([elem.text or ""] + [c.tail or "" for c in elem.iterchildren()])
    if children and not text.strip():
        text = ""
    return (str(elem.tag), attrs, text, children)


def assert_round_trip(source: Path | bytes, model: type[M], *, compare_xml: bool = True) -> M:
    """Run the golden round trip on ``source`` (a path or bytes); return the decoded model."""
    data = source.read_bytes() if isinstance(source, Path) else source
    first = decode(data, model)
    assert isinstance(first, model)
    out = encode(first)
    validate(out)
    second = decode(out, model)
    assert second == first, f"{model.__name__} changed through XML"
    assert encode(second) == out, "encoding the same model twice gave different bytes"
    if compare_xml:
        original = shape(parse_xml(data).getroot())
        written = shape(parse_xml(out).getroot())
        assert written == original, "the re-encoded document lost or changed information"
    return first
