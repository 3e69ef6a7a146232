"""``xs:any`` wildcards: children no model claims are kept verbatim and written back."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ewp_client.codec._decode import decode_node
from ewp_client.codec._encode import encode_node
from ewp_client.models._meta import element, text
from ewp_client.models.common import AnyElement
from ewp_client.namespaces import ECHO_NS, LAS_INDEX_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class _Known:
    value: str = field(metadata=text())

    class Meta:
        name = "known"
        namespace = LAS_INDEX_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class _Holder:
    entries: tuple[_Known | AnyElement, ...] = field(default=(), metadata=element())

    class Meta:
        name = "holder"
        namespace = ECHO_NS


DOCUMENT = f"""<holder xmlns="{ECHO_NS}" xmlns:i="{LAS_INDEX_NS}" xmlns:o="urn:example:other">
  <i:known>one</i:known>
  <o:entry   b="2" a="1"><!-- dropped --><o:deep>x</o:deep></o:entry>
  <i:known>two</i:known>
</holder>""".encode()


def test_unclaimed_children_are_kept_as_canonical_xml_in_order() -> None:
    model = decode_node(etree.fromstring(DOCUMENT), _Holder)
    first, other, last = model.entries
    assert first == _Known(value="one")
    assert last == _Known(value="two")
    assert isinstance(other, AnyElement)
    assert other.tag == "{urn:example:other}entry"
    assert other.xml == (
        b'<o:entry xmlns:o="urn:example:other" a="1" b="2"><o:deep>x</o:deep></o:entry>'
    )


def test_kept_elements_are_written_back_and_read_again_equal() -> None:
    model = decode_node(etree.fromstring(DOCUMENT), _Holder)
    written = encode_node(model)
    assert [etree.QName(c).localname for c in written] == ["known", "entry", "known"]
    assert decode_node(etree.fromstring(etree.tostring(written)), _Holder) == model
