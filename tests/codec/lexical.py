"""Content comparison for documents whose re-encoding may change lexical forms only.

:func:`tests.codec.roundtrip.assert_round_trip` compares the original and the
re-encoded document exactly (``compare_xml=True``). Two things legitimately
differ for some official documents, and :func:`assert_same_content` forgives
exactly these, nothing else:

* an ``xs:boolean`` the model types as ``bool`` written ``1``/``0`` comes back
  as ``true``/``false``;
* an element with element-only content that holds no element (only white
  space around a comment) comes back empty.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from ewp_client.xml import parse_xml
from tests.codec.roundtrip import shape

_BOOLEAN_FORMS = {"1": "true", "0": "false"}


def _normalised(
    data: bytes, boolean_attributes: frozenset[str], element_only: frozenset[str]
) -> etree._Element:
    root = parse_xml(data).getroot()
    for elem in root.iter(etree.Element):
        for name in boolean_attributes & set(elem.attrib):
            value = elem.attrib[name].strip()
            elem.attrib[name] = _BOOLEAN_FORMS.get(value, value)
        local = etree.QName(elem).localname
        empty = not any(isinstance(c.tag, str) for c in elem)
        if local in element_only and empty and not "".join(elem.itertext()).strip():
            for child in list(elem):
                elem.remove(child)
            elem.text = None
    return root


def assert_same_content(
    original: bytes,
    written: bytes,
    *,
    boolean_attributes: Iterable[str] = (),
    element_only: Iterable[str] = (),
) -> None:
    """``written`` says what ``original`` says, up to the two forgiven differences."""
    before = _normalised(original, frozenset(boolean_attributes), frozenset(element_only))
    after = parse_xml(written).getroot()
    assert shape(after) == shape(before), "the re-encoded document lost or changed information"
