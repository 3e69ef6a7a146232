"""Students' personal data masked out of EWP message bodies, for logs and exchange records.

Pure functions over bytes: no I/O, no logging. :func:`mask_body` takes a
body as it went over the wire (and its ``Content-Type``) and gives a
:class:`MaskedBody`: the body with every student's personal data replaced
by :data:`MASK`, or withheld whole when it cannot be inspected.

What is masked, in any EWP document (matched by element local name, so a
later version of an API is covered too):

* everything a ``student`` element holds: the text and attribute values of
  all its descendants (given names, family name, birth date, ESI global id,
  citizenship, gender, email, photo URLs, whatever a version adds);
* in a ``student-signature``: the signer's name, position and email (the
  student signed it; the timestamp and the signing app are kept).

What is kept, on purpose:

* staff data: contact persons of HEIs and units (institutions, ounits,
  factsheets, IIAs, an LA's ``sending-hei``/``receiving-hei`` contacts) and
  the HEIs' signatures in an LA. They are the institutions' published
  contacts, not students' data;
* identifiers (HEI, unit, IIA and mobility ids, in bodies, URLs and form
  parameters): EWP ids are opaque by rule and carry no personal data;
* free text (a comment rejecting a proposal, a component's reason text, an
  error response's messages): written by staff about courses and requests.
  A deployment whose staff write students' names there must keep its logs
  private all the same.

Bodies that are not inspected:

* an XML body that cannot contain a ``student`` element (its bytes, in an
  ASCII-compatible encoding, never spell the name) is kept as it is, unparsed:
  the cheap path for every document but learning agreements;
* an XML body that may contain one and cannot be parsed by the hardened
  parser (not well-formed, a DOCTYPE, over :data:`DEFAULT_MASK_LIMITS`) is
  withheld whole: what cannot be read may still carry a name;
* a form body (``application/x-www-form-urlencoded``) is kept: EWP form
  parameters are ids;
* any other body (JSON, HTML, plain text, binary) is withheld whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lxml import etree

from .errors import MalformedXmlError
from .namespaces import XML_NS
from .xml.parser import ParserLimits, parse_xml

__all__ = [
    "DEFAULT_MASK_LIMITS",
    "MASK",
    "MaskedBody",
    "mask_body",
    "mask_student_data",
    "mask_tree",
]

#: What replaces each masked value (its length tells nothing about the value).
MASK: Final = "(masked)"
#: Limits of the parse made to mask: larger documents that may carry student data are withheld.
DEFAULT_MASK_LIMITS: Final = ParserLimits(max_bytes=16 * 1024 * 1024)

_STUDENT: Final = "student"
_STUDENT_SIGNATURE: Final = "student-signature"
_SIGNER_FIELDS: Final = frozenset({"signer-name", "signer-position", "signer-email"})
_XML_LANG: Final = f"{{{XML_NS}}}lang"
_FORM: Final = "application/x-www-form-urlencoded"
#: The first bytes of documents in an encoding where ASCII names are not ASCII bytes
#: (UTF-16/32 with or without a byte-order mark, EBCDIC ``<?xm``).
_NOT_ASCII_STARTS: Final = (b"\xfe\xff", b"\xff\xfe", b"\x00", b"\x4c\x6f\xa7\x94")


@dataclass(frozen=True, slots=True)
class MaskedBody:
    """A body ready for a log: ``body`` (``None`` when withheld), and what was done.

    ``masked`` counts the values replaced by :data:`MASK`; ``withheld`` says
    why the whole body was left out (``None`` when it was not); ``size`` is
    the length of the body received.
    """

    body: bytes | None
    size: int
    masked: int = 0
    withheld: str | None = None

    def text(self) -> str:
        """The body as text for a log: the UTF-8 decoding, or a placeholder saying why not."""
        if self.body is None:
            return f"<{self.size} bytes, {self.withheld}: withheld>"
        return self.body.decode("utf-8", errors="replace")


def mask_tree(tree: etree._ElementTree | etree._Element) -> int:
    """Mask students' personal data in ``tree``, in place; how many values were masked."""
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    count = 0
    # ``{*}name``: any namespace; the walk and the match are libxml2's, not Python's.
    for element in root.iter(f"{{*}}{_STUDENT}", f"{{*}}{_STUDENT_SIGNATURE}"):
        if _local(element) == _STUDENT:
            count += _mask_all(element)
            continue
        for field in element:
            if _local(field) in _SIGNER_FIELDS and _has_text(field.text):
                field.text = MASK
                count += 1
    return count


def mask_student_data(document: bytes, *, limits: ParserLimits = DEFAULT_MASK_LIMITS) -> MaskedBody:
    """An XML body with its students' personal data masked (see the module).

    The bytes are returned as they are when nothing was masked, re-serialized
    (UTF-8) when something was. Never raises for a bad document: it is
    withheld.
    """
    data = bytes(document)
    if not _may_name_a_student(data):
        return MaskedBody(data, len(data))
    try:
        tree = parse_xml(data, limits=limits)
    except MalformedXmlError as error:
        return MaskedBody(None, len(data), withheld=_why(error))
    count = mask_tree(tree)
    if not count:
        return MaskedBody(data, len(data))
    masked = etree.tostring(tree, encoding="UTF-8", xml_declaration=True)
    return MaskedBody(masked, len(data), masked=count)


def mask_body(
    body: bytes, content_type: str | None = None, *, limits: ParserLimits = DEFAULT_MASK_LIMITS
) -> MaskedBody:
    """Any message body with its students' personal data masked, or withheld (see the module).

    ``content_type`` is the body's ``Content-Type`` header; without one, a
    body starting with ``<`` (after white space or a byte-order mark) is read
    as XML.
    """
    data = bytes(body)
    if not data:
        return MaskedBody(data, 0)
    media = (content_type or "").partition(";")[0].strip().lower()
    if media == _FORM:
        return MaskedBody(data, len(data))
    if media.endswith(("/xml", "+xml")) or (not media and _looks_like_xml(data)):
        return mask_student_data(data, limits=limits)
    return MaskedBody(None, len(data), withheld=f"{media or 'untyped'}, not XML")


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _has_text(text: str | None) -> bool:
    return text is not None and bool(text.strip())


def _mask_all(student: etree._Element) -> int:
    """Mask every text, tail inside, comment and attribute value under ``student``."""
    count = 0
    for node in student.iter():
        if node is not student and _has_text(node.tail):
            node.tail = MASK
            count += 1
        if _has_text(node.text):
            node.text = MASK
            count += 1
        for name in node.attrib:
            if name != _XML_LANG:
                node.attrib[name] = MASK
                count += 1
    return count


def _may_name_a_student(data: bytes) -> bool:
    """False only when the bytes cannot hold an element named ``student`` (nor its signature)."""
    return data.startswith(_NOT_ASCII_STARTS) or b"\x00" in data[:4] or _STUDENT.encode() in data


def _looks_like_xml(data: bytes) -> bool:
    start = data[:64].lstrip(b" \t\r\n\xef\xbb\xbf")
    return start.startswith(b"<") or data.startswith(_NOT_ASCII_STARTS)


def _why(error: MalformedXmlError) -> str:
    kind = type(error).__name__.removesuffix("Error")
    return "not well-formed XML" if kind == "MalformedXml" else f"XML refused ({kind})"
