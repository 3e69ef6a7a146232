"""The one hardened XML parser for everything a partner sends us.

Partner XML is hostile until proven otherwise. Before libxml2 sees a byte we
refuse documents that are too large or that carry a DOCTYPE (the only place
entities, external DTDs and their network or file fetches can come from); the
parser itself is configured to load no DTD, expand no entity and touch no
network, as a second line of defence. Nesting deeper than the limit is refused
as well (libxml2 stops on its own at 256 levels; a lower limit is checked after
parsing).

EWP messages never need a DOCTYPE, so refusing it costs legitimate partners
nothing.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final, TypedDict

from lxml import etree

from ..errors import (
    DtdForbiddenError,
    MalformedXmlError,
    XmlTooDeepError,
    XmlTooLargeError,
    XmlTooManyAttributesError,
)

#: Largest document accepted by default (the production Registry catalogue is a few MiB).
DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024
#: Deepest element nesting accepted by default; libxml2's own hard limit.
DEFAULT_MAX_DEPTH: Final = 256
#: Most attributes one element may carry by default. EWP elements carry a few
#: (``xml:lang``, a marker or two); namespace declarations do not count.
DEFAULT_MAX_ATTRIBUTES: Final = 256

# Items allowed before the root element: white space, the XML declaration,
# comments and processing instructions. Anything else starting with "<!" there
# is a DOCTYPE (or garbage the parser would reject anyway).
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParserLimits:
    """What we accept from a partner; the defaults suit every EWP message."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_attributes: int = DEFAULT_MAX_ATTRIBUTES


DEFAULT_LIMITS: Final = ParserLimits()


class _Options(TypedDict):
    resolve_entities: bool
    no_network: bool
    load_dtd: bool
    dtd_validation: bool
    huge_tree: bool
    remove_blank_text: bool
    collect_ids: bool


#: The options of every parser that reads partner bytes: no DTD, no entity, no network.
_HARDENED: Final[_Options] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_blank_text": False,
    "collect_ids": False,
}


def _new_parser(*, keep_comments: bool = True) -> etree.XMLParser:
    return etree.XMLParser(
        remove_comments=not keep_comments, remove_pis=not keep_comments, **_HARDENED
    )


def validating_parser(schema: etree.XMLSchema) -> etree.XMLParser:
    """A new hardened parser that also validates against ``schema`` as it reads (SAX mode)."""
    return etree.XMLParser(schema=schema, **_HARDENED)


def element_reader(tags: Collection[str]) -> etree.XMLPullParser:
    """A hardened pull parser reporting the ``start`` and ``end`` of elements named ``tags``."""
    return etree.XMLPullParser(events=("start", "end"), tag=list(tags), **_HARDENED)


def validating_pull_parser(
    schema: etree.XMLSchema, tags: Collection[str] | None = None
) -> etree.XMLPullParser:
    """:func:`validating_parser` reporting ``start`` and ``end`` events as it reads.

    With ``tags`` (``{namespace}local`` names), only elements so named are
    reported: libxml2 reads the others without a Python object being made.
    """
    return etree.XMLPullParser(
        events=("start", "end"), tag=list(tags) if tags else None, schema=schema, **_HARDENED
    )


class _Parsers(threading.local):
    """One parser of each kind per thread (an lxml parser must not be shared)."""

    def __init__(self) -> None:
        self.keeping = _new_parser(keep_comments=True)
        self.stripping = _new_parser(keep_comments=False)


_parsers = _Parsers()


#: Byte-order marks and, without one, the first bytes of ``<?`` or ``<`` in each
#: encoding (XML 1.0, Appendix F), longest first.
_ENCODING_SIGNATURES: Final = (
    (b"\x00\x00\xfe\xff", "utf-32-be", 4),
    (b"\xff\xfe\x00\x00", "utf-32-le", 4),
    (b"\x00\x00\x00\x3c", "utf-32-be", 0),
    (b"\x3c\x00\x00\x00", "utf-32-le", 0),
    (b"\xef\xbb\xbf", "utf-8", 3),
    (b"\xfe\xff", "utf-16-be", 2),
    (b"\xff\xfe", "utf-16-le", 2),
    (b"\x00\x3c", "utf-16-be", 0),
    (b"\x3c\x00", "utf-16-le", 0),
)


def _prolog_bytes(data: bytes) -> bytes:
    """The document's start as ASCII-compatible bytes, for the prolog scan."""
    for signature, codec, skip in _ENCODING_SIGNATURES:
        if data.startswith(signature):
            if codec == "utf-8":
                return data[skip:]
            return data[skip:].decode(codec, errors="replace").encode("utf-8")
    return data


def refuse_doctype(data: bytes) -> None:
    """Raise :class:`DtdForbiddenError` when a DOCTYPE precedes the root element."""
    text = _prolog_bytes(data)
    pos = 0
    while True:
        m = _PROLOG_ITEM.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
    if _DOCTYPE.match(text, pos):
        line = text.count(b"\n", 0, pos) + 1
        raise DtdForbiddenError(
            "the document has a DOCTYPE; EWP documents never need one and DTDs, entity "
            "declarations and external references are refused",
            line=line,
        )


def _check_depth(tree: etree._ElementTree, limit: int) -> None:
    if limit >= DEFAULT_MAX_DEPTH:
        return
    too_deep = tree.xpath("/*" + "/*" * limit)
    if isinstance(too_deep, list) and too_deep:
        first = too_deep[0]
        line = first.sourceline if isinstance(first, etree._Element) else None
        raise XmlTooDeepError(f"elements nest deeper than {limit} levels", limit=limit, line=line)


def screen(data: bytes | bytearray | memoryview, limits: ParserLimits = DEFAULT_LIMITS) -> bytes:
    """The checks made before libxml2 sees a byte: type, size, emptiness and DOCTYPE."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"parse_xml() takes bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > limits.max_bytes:
        raise XmlTooLargeError(
            f"the document has {len(data)} bytes, more than the limit of {limits.max_bytes}",
            size=len(data),
            limit=limits.max_bytes,
        )
    if not data.strip():
        raise MalformedXmlError("the document is empty", line=1, column=1)
    refuse_doctype(data)
    return data


def check_tree(tree: etree._ElementTree, limits: ParserLimits = DEFAULT_LIMITS) -> None:
    """The checks made on a tree libxml2 built from partner bytes.

    No DOCTYPE, the depth limit, and the attribute limit (one XPath step in
    libxml2, a small fraction of what parsing costs).
    """
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        # Only reached by an encoding the prolog scan misread: refuse all the same.
        raise DtdForbiddenError(
            "the document has a DOCTYPE; EWP documents never need one and DTDs, entity "
            "declarations and external references are refused",
            line=1,
        )
    _check_depth(tree, limits.max_depth)
    _check_attributes(tree, limits.max_attributes)


def _check_attributes(tree: etree._ElementTree, limit: int) -> None:
    # ``//@*[n]``: the n-th attribute of any element, the cheapest form libxml2 knows.
    crowded = tree.xpath(f"//@*[{limit + 1}]")
    if isinstance(crowded, list) and crowded:
        first = crowded[0]
        owner = first.getparent() if isinstance(first, etree._ElementUnicodeResult) else None
        raise XmlTooManyAttributesError(
            f"an element carries more than {limit} attributes",
            limit=limit,
            line=owner.sourceline if owner is not None else None,
        )


def syntax_error(exc: etree.XMLSyntaxError, limits: ParserLimits) -> MalformedXmlError:
    """The typed error for a document libxml2 found not well-formed."""
    line, column = exc.position if exc.position else (None, None)
    message = str(exc.msg) if exc.msg else str(exc)
    if "depth" in message.lower():
        return XmlTooDeepError(
            f"elements nest deeper than {limits.max_depth} levels ({message})",
            limit=min(limits.max_depth, DEFAULT_MAX_DEPTH),
            line=line,
        )
    return MalformedXmlError(f"not well-formed XML: {message}", line=line, column=column)


def parse_xml(
    data: bytes, *, limits: ParserLimits = DEFAULT_LIMITS, keep_comments: bool = True
) -> etree._ElementTree:
    """Parse untrusted XML bytes into a tree, or raise a typed :class:`MalformedXmlError`.

    With ``keep_comments=False`` comments and processing instructions are left
    out of the tree (text on either side of one joins up), for readers to whom
    they mean nothing, such as the iia-hash.
    """
    return parse_screened(screen(data, limits), limits=limits, keep_comments=keep_comments)


def parse_screened(
    data: bytes, *, limits: ParserLimits = DEFAULT_LIMITS, keep_comments: bool = True
) -> etree._ElementTree:
    """:func:`parse_xml` for bytes that already passed :func:`screen` (not screened twice)."""
    try:
        parser = _parsers.keeping if keep_comments else _parsers.stripping
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, limits) from exc
    tree = root.getroottree()
    check_tree(tree, limits)
    return tree


#: What the library accepts as a document: partner bytes, or a tree or element already parsed.
Document = bytes | bytearray | memoryview | etree._Element | etree._ElementTree


def as_tree(
    document: Document, *, limits: ParserLimits = DEFAULT_LIMITS, keep_comments: bool = True
) -> etree._ElementTree:
    """The one way from a document to a tree: what every reader of partner XML starts with.

    Bytes are parsed with :func:`parse_xml` (``keep_comments`` applies to them);
    a tree is used as it is; an element stands for the document it roots: its
    own tree when it is a root, else a copy of its subtree (so that nothing
    outside it is read or changed).
    """
    if isinstance(document, etree._ElementTree):
        return document
    if isinstance(document, etree._Element):
        if document.getparent() is None:
            return document.getroottree()
        return etree.ElementTree(copy.deepcopy(document))
    return parse_xml(bytes(document), limits=limits, keep_comments=keep_comments)


def root_tag(data: bytes, *, limits: ParserLimits = DEFAULT_LIMITS) -> str:
    """The root element's tag (``{namespace}local``), read without parsing the rest.

    ``data`` must have passed :func:`screen`. The bytes are fed in growing
    pieces until the root starts, so the cost is that of the prolog and the
    root's start tag. Bytes that end or break before a root element raise
    what :func:`parse_xml` raises for them.
    """
    peek = etree.XMLPullParser(events=("start",), **_HARDENED)
    offset, size = 0, 256
    try:
        while offset < len(data):
            peek.feed(data[offset : offset + size])
            offset, size = offset + size, size * 2
            for _event, element in peek.read_events():
                return str(element.tag)
    except etree.XMLSyntaxError:
        pass
    parse_xml(data, limits=limits)  # raises the typed error for these bytes
    raise MalformedXmlError("not well-formed XML: no root element", line=1, column=1)
