"""Validate EWP documents against the bundled schemas, offline, in time linear in their size.

The document is parsed first with the hardened parser: that tree is what
:func:`validate` returns, and that parser the judge of well-formedness
(libxml2's validating push parser lets some malformed start tags through).
The schema is compiled once per thread (:func:`~.schemas.validator`); no lock
is ever held. Then one of two ways, each linear where the other is not:

* A narrow, shallow tree (:func:`_narrow`) is validated as a tree, libxml2's
  fastest way, and every error is counted. For each error lxml records the
  node's XPath, walking its preceding siblings at every level: that is why
  the tree must be narrow (10,000 invalid ``<iia/>`` side by side would cost
  ``O(n²)``).
* Anything wider or deeper is validated as libxml2 parses it (SAX mode, no
  tree built), errors counted up to ``count_limit``
  (:data:`DEFAULT_COUNT_LIMIT`; then validation stops and the count is marked
  as a lower bound, which bounds the time and memory the error log takes).
  Those errors carry no location: :func:`check` notes after which bytes they
  came and :mod:`.diagnostics` places the first ``max_violations``. Values
  the streaming validator would read in many pieces (references, comments,
  CDATA: quadratic there) are first rewritten by :func:`streamable`.

Bytes dense with tags or attributes at their start are read by the hardened
parser in pieces (:class:`_Reading`); once such a document is seen wide or
crowded it is validated as a stream at once. A valid one is then read to its
end by the hardened parser (and checked) before its tree is returned; an
invalid one is reported with the schema errors found, without the hardened
parser reading on (a flaw further on is not what is reported then).

Either way the violations listed are the first ``max_violations``, sorted by
line.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from ..errors import ConfigError, UnknownDocumentError
from ..namespaces import SchemaInfo
from .diagnostics import (
    MAX_CHUNK,
    MIN_CHUNK,
    SINGLE_ITEMS,
    Range,
    Verdict,
    counting_parser,
    from_log,
    locate,
)
from .parser import (
    _HARDENED,
    DEFAULT_LIMITS,
    Document,
    ParserLimits,
    as_tree,
    check_tree,
    parse_screened,
    parse_xml,
    root_tag,
    screen,
    syntax_error,
)
from .paths import local_name
from .schema_issues import schema_error
from .schemas import schema_for, validator

#: Violations listed by default in a :class:`SchemaValidationError`.
DEFAULT_MAX_VIOLATIONS: Final = 50
#: Violations counted by default; beyond, validation stops and ``total`` is a lower bound.
#: Each one costs libxml2 and lxml a formatted message and a log entry (a few
#: microseconds, many times what validating an element costs), so counting every
#: one of 20,000 would make reporting a document dearer than validating it.
DEFAULT_COUNT_LIMIT: Final = 100


def _split(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def schema_of(root: etree._Element) -> SchemaInfo:
    """The bundled schema for ``root``'s namespace, or :class:`UnknownDocumentError`."""
    return _schema_for_tag(root.tag if isinstance(root.tag, str) else "?")


def _schema_for_tag(tag: str) -> SchemaInfo:
    namespace, local = _split(tag)
    info = schema_for(namespace) if namespace is not None else None
    if info is None:
        where = f"namespace {namespace!r}" if namespace else "no namespace"
        raise UnknownDocumentError(
            f"no bundled EWP schema for <{local}> in {where}", namespace=namespace, root=local
        )
    return info


def _schema_errors(log: etree._ListErrorLog) -> list[etree._LogEntry]:
    return [
        e
        for e in log
        if e.domain == etree.ErrorDomains.SCHEMASV and e.level >= etree.ErrorLevels.ERROR
    ]


def _parse_errors(log: etree._ListErrorLog) -> bool:
    return any(
        e.domain != etree.ErrorDomains.SCHEMASV and e.level >= etree.ErrorLevels.ERROR for e in log
    )


def check(
    data: bytes, info: SchemaInfo, *, limits: ParserLimits, wanted: int, count_limit: int
) -> Verdict:
    """Validate ``data`` (already screened) as libxml2 parses it: the verdict and its counts.

    The bytes go to libxml2 one markup item at a time for the first
    :data:`~.diagnostics.SINGLE_ITEMS` items and as many after each error
    (while fewer than ``wanted`` came), otherwise in chunks doubling (up to
    :data:`~.diagnostics.MAX_CHUNK`) while no error comes, and the error count
    is read after each. The pieces up to the one bringing the ``wanted``-th
    error are kept (:attr:`Verdict.ranges`): an error that came after a single
    item came with that item, the others are found again by
    :func:`~.diagnostics.locate`. No tree is built
    (:func:`~.diagnostics.counting_parser`).
    """
    parser = counting_parser(validator(info))
    spans: list[_Span] = []
    counted = 0
    size = MIN_CHUNK
    singles = SINGLE_ITEMS
    offset = 0
    limit = max(count_limit, wanted)
    try:
        while offset < len(data):
            single = singles > 0 and counted < wanted
            if single:
                end = data.find(b">", offset) + 1 or len(data)
            else:
                end = _chunk_end(data, offset + size)
            parser.feed(data[offset:end])
            before, counted = counted, len(parser.feed_error_log)
            if before < wanted:
                spans.append((offset, end, counted, single))
            if counted >= limit or (counted and not wanted):
                return _verdict(parser.feed_error_log, spans, wanted, counted, closed=False)
            if counted > before and counted < wanted:
                size, singles = MIN_CHUNK, SINGLE_ITEMS
            elif counted > before:
                # Counting only: about as many bytes as the errors left to count
                # took here, so that few are counted past the limit.
                size = (limit - counted) * (end - offset) // (counted - before)
            elif single:
                singles -= 1
            else:
                size = min(2 * size, MAX_CHUNK)
            offset = end
        parser.close()
    except etree.XMLSyntaxError as exc:
        # Not well-formed after all (the hardened parser is the judge; this
        # parser reads the same bytes, or their serialisation).
        parse_xml(data, limits=limits)  # raises the typed error for these bytes
        raise syntax_error(exc, limits) from exc
    log = parser.feed_error_log
    if _parse_errors(log):
        parse_xml(data, limits=limits)  # raises the typed error for these bytes
    errors = len(_schema_errors(log))
    if not errors:
        return Verdict(True, 0, True, (), False, ())
    return _verdict(log, spans, wanted, errors, closed=True)


#: A piece fed: its start and end, the log's length after it, whether it was one item.
_Span = tuple[int, int, int, bool]


def _verdict(
    log: etree._ListErrorLog, spans: list[_Span], wanted: int, total: int, *, closed: bool
) -> Verdict:
    """The verdict on an invalid document: ``total`` errors, the first ``wanted`` in ``spans``.

    ``closed``: the document was read to its end (``total`` is exact), and the
    errors after the last span came when the parser was closed.
    """
    entries = list(log)
    schema = [
        i
        for i, e in enumerate(entries)
        if e.domain == etree.ErrorDomains.SCHEMASV and e.level >= etree.ErrorLevels.ERROR
    ][:wanted]
    ranges: list[Range] = []
    k = 0
    for start, end, after, single in spans:
        n = k
        while k < len(schema) and schema[k] < after:
            k += 1
        ranges.append(Range(start, end, k - n, single))
    fed = spans[-1][2] if spans else 0
    at_close = closed and k < len(schema) and schema[k] >= fed
    kept = schema if at_close else schema[:k]
    messages = tuple(entries[i].message for i in kept)
    return Verdict(False, total, closed, _up_to_last_error(ranges), at_close, messages)


def _chunk_end(data: bytes, at_least: int) -> int:
    """Where a chunk ending no sooner than ``at_least`` ends: before a ``<``.

    So no text is cut in two (libxml2 hands a value over in one piece per
    chunk it spans, and its streaming validator copies what it has for each).
    """
    found = data.find(b"<", at_least)
    return len(data) if found < 0 else found


def _up_to_last_error(ranges: list[Range]) -> tuple[Range, ...]:
    last = max((i for i, r in enumerate(ranges) if r.errors), default=-1)
    return tuple(ranges[: last + 1])


def _prepare(
    document: Document, schema: SchemaInfo | None, limits: ParserLimits
) -> tuple[etree._ElementTree, SchemaInfo, bytes | None]:
    """The tree of ``document``, its schema, and its bytes (``None`` for a tree given).

    Bytes are parsed with the hardened parser first: the tree is what
    :func:`validate` returns, and that parser the judge of well-formedness
    (libxml2's validating push parser lets some malformed start tags through).
    Whether the streaming validator may read the bytes as they are is
    :func:`_own_bytes`' question, asked only for documents it must read.
    """
    if isinstance(document, etree._Element | etree._ElementTree):
        tree = as_tree(document, limits=limits)
        info = schema if schema is not None else schema_of(tree.getroot())
        return tree, info, None
    data = screen(document, limits)
    tree = parse_screened(data, limits=limits)
    info = schema if schema is not None else schema_of(tree.getroot())
    return tree, info, data


def _own_bytes(data: bytes | None) -> bytes | None:
    """``data`` when the streaming validator may read it as it is (see :func:`streamable`)."""
    return data if data is not None and _splitters(data) <= SPLITTER_LIMIT else None


#: The widest and deepest a tree may be to be validated as a tree (see :func:`_narrow`).
TREE_MAX_CHILDREN: Final = 256
TREE_MAX_DEPTH: Final = 32
#: The most attributes an element may carry for its document to be validated as a tree.
TREE_MAX_ATTRIBUTES: Final = 16
_WIDE: Final = etree.XPath(f"boolean(//*[{TREE_MAX_CHILDREN + 1}])")  # a child that far
_DEEP: Final = etree.XPath("boolean(/*" + "/*" * TREE_MAX_DEPTH + ")")
_CROWDED: Final = etree.XPath(f"boolean(//@*[{TREE_MAX_ATTRIBUTES + 1}])")


def _narrow(tree: etree._ElementTree) -> bool:
    """Whether libxml2 may validate ``tree`` as a tree, its fastest way.

    On a tree, lxml records with each error the node's XPath, walking its
    preceding siblings at every level: bounded here by
    ``TREE_MAX_DEPTH * TREE_MAX_CHILDREN`` steps, a few microseconds, the
    order of what libxml2 spends on the error anyway. Wider or deeper
    documents are validated as they are parsed (:func:`check`), and so are
    documents whose elements carry many attributes: a tree's validation
    reports every undeclared attribute (a formatted error apiece), the
    streaming one stops counting at ``count_limit``.
    """
    root = tree.getroot()
    # The usual wide document is wide at its root or just under: seen at once.
    if len(root) > TREE_MAX_CHILDREN or any(len(child) > TREE_MAX_CHILDREN for child in root):
        return False
    return not _WIDE(tree) and not _DEEP(tree) and not _CROWDED(tree)


#: Comments and processing instructions a tree may hold and still be validated as it is.
TREE_MAX_SPLITTERS: Final = 1_000
_SPLITTER_NODES: Final = etree.XPath("count(//comment() | //processing-instruction())")


def _without_splitters(tree: etree._ElementTree, data: bytes | None) -> etree._ElementTree:
    """``tree``, or a copy without comments and PIs when it has many of them.

    libxml2's tree validator joins the text pieces of a value one append at a
    time, copying what it has: a value cut by n comments costs O(n²). In a
    tree from the hardened parser only comments and processing instructions cut
    values (CDATA sections and references are merged as the text is read).
    The copy has the same elements, so errors found on it are placed on
    ``tree`` by their element paths.
    """
    if data is not None and data.count(b"<!--") + data.count(b"<?") <= TREE_MAX_SPLITTERS:
        return tree
    if data is None and _SPLITTER_NODES(tree) <= TREE_MAX_SPLITTERS:
        return tree
    copy = etree.tostring(tree.getroot(), encoding="UTF-8")  # ASCII would mangle names
    return etree.fromstring(copy, _stripping_parser()).getroottree()


def _validate_tree(
    tree: etree._ElementTree, info: SchemaInfo, max_violations: int, data: bytes | None = None
) -> etree._ElementTree:
    schema = validator(info)
    if schema.validate(_without_splitters(tree, data)):
        return tree
    errors = _schema_errors(schema.error_log)
    raise schema_error(
        from_log(tree, errors[:max_violations]),
        namespace=info.namespace,
        root=local_name(str(tree.getroot().tag)),
        total=len(errors),
    )


#: References, comments, processing instructions and CDATA sections a document
#: may hold and still be validated from its own bytes.
SPLITTER_LIMIT: Final = 1_000
_MARKUP_CHARACTERS: Final = etree.XPath(
    "//*[not(*)][contains(text(), '&') or contains(text(), '<') or contains(text(), '>')]"
)


def _splitters(data: bytes) -> int:
    """An upper bound of the pieces libxml2 hands text over in, beyond one a chunk."""
    return data.count(b"&") + data.count(b"<!") + data.count(b"<?")


def _stripping_parser() -> etree.XMLParser:
    return etree.XMLParser(
        remove_comments=True, remove_pis=True, resolve_entities=False, no_network=True
    )


def streamable(tree: etree._ElementTree) -> bytes:
    """``tree`` serialised so that libxml2's streaming validator reads each value at once.

    That validator appends every piece of a value as it comes (a reference, the
    text on either side of a comment, a CDATA section) to what it has, copying
    it all: n pieces cost O(n²). Here comments and processing instructions are
    left out (a value is the text around them), and a value holding ``&``,
    ``<`` or ``>`` is written as one CDATA section instead of references.
    """
    # Re-read without comments and processing instructions (libxml2 joins the
    # text around them as it goes; removing them from a tree is quadratic).
    copy = etree.tostring(tree.getroot(), encoding="UTF-8")  # ASCII would mangle names
    root = etree.fromstring(copy, _stripping_parser())
    found = _MARKUP_CHARACTERS(root)
    for element in found if isinstance(found, list) else ():
        if not isinstance(element, etree._Element):
            continue
        text = element.text
        if text is not None and "]]>" not in text and "\r" not in text:
            element.text = etree.CDATA(text)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def validate(
    document: Document,
    *,
    schema: SchemaInfo | None = None,
    limits: ParserLimits = DEFAULT_LIMITS,
    max_violations: int = DEFAULT_MAX_VIOLATIONS,
    count_limit: int = DEFAULT_COUNT_LIMIT,
) -> etree._ElementTree:
    """Validate an EWP document and return its parsed tree.

    ``document`` is raw bytes (parsed with the hardened parser) or an lxml
    element/tree (an element is validated as the root of a document; a tree
    given is the tree returned). The schema is chosen by the root element's
    namespace unless ``schema`` is given. Raises
    :class:`~ewp_client.errors.MalformedXmlError` (or a subclass) for bytes
    that are not acceptable XML,
    :class:`~ewp_client.errors.UnknownDocumentError` when no bundled schema
    declares the root, and :class:`~ewp_client.errors.SchemaValidationError`
    with the first ``max_violations`` violations (sorted by line), their
    ``total`` and how many ``more`` there are; counting stops at
    ``count_limit`` (``total_is_exact`` is then false).
    """
    if max_violations < 1:
        raise ConfigError(f"max_violations must be at least 1, not {max_violations}")
    if isinstance(document, etree._Element | etree._ElementTree):
        tree, info, data = _prepare(document, schema, limits)
    else:
        data = screen(document, limits)
        if not _dense(data):
            tree = parse_screened(data, limits=limits)  # nothing to be seen early
        else:
            reading = _Reading(data, limits)
            if reading.seen_to_stream():
                # Validated as a stream; the tree is only needed (and finished) if valid.
                info = schema if schema is not None else schema_of(reading.root)
                if _own_bytes(data) is not None:
                    return _stream(data, info, reading, max_violations, count_limit, limits)
            tree = reading.finish()
        info = schema if schema is not None else schema_of(tree.getroot())
    if _narrow(tree):
        return _validate_tree(tree, info, max_violations, data)
    data = _own_bytes(data)
    mapped = tree if data is None else None
    if data is None:
        data = streamable(tree)
    verdict = check(data, info, limits=limits, wanted=max_violations, count_limit=count_limit)
    if verdict.valid:
        return tree
    hardened = tree.getroot() if mapped is None else None
    violations = locate(data, validator(info), verdict, max_violations, mapped, hardened)
    raise schema_error(
        violations,
        namespace=info.namespace,
        root=local_name(str(tree.getroot().tag)),
        total=verdict.total,
        total_is_exact=verdict.complete,
    )


def _stream(
    data: bytes,
    info: SchemaInfo,
    reading: _Reading,
    max_violations: int,
    count_limit: int,
    limits: ParserLimits,
) -> etree._ElementTree:
    """:func:`validate` for a document seen to stream before the hardened parser read it all.

    A valid document is read to its end by the hardened parser (and checked)
    before its tree is returned; an invalid one is not: its schema errors are
    reported as they are found, a flaw further on is not looked for.
    """
    verdict = check(data, info, limits=limits, wanted=max_violations, count_limit=count_limit)
    if verdict.valid:
        return reading.finish()
    violations = locate(data, validator(info), verdict, max_violations, hardened=reading.root)
    raise schema_error(
        violations,
        namespace=info.namespace,
        root=local_name(str(reading.root.tag)),
        total=verdict.total,
        total_is_exact=verdict.complete,
    )


#: Bytes the hardened parser reads first (then twice as many each time), looking for width.
FIRST_PIECE: Final = 2 * 1024


def _dense(data: bytes) -> bool:
    """Whether the first piece of ``data`` holds more tags than an element may have children
    in a tree validated as such, or many attributes: then it may soon be seen to stream."""
    return (
        data.count(b"<", 0, FIRST_PIECE) > TREE_MAX_CHILDREN
        or data.count(b"=", 0, FIRST_PIECE) > 8 * TREE_MAX_ATTRIBUTES
    )


#: The most the hardened parser reads in pieces before it reads the whole at once.
READ_AHEAD: Final = 64 * 1024


class _Reading:
    """A look at the start of a document's bytes, in growing pieces, by a hardened parser.

    :meth:`seen_to_stream` reads (at most :data:`READ_AHEAD` bytes) until the
    document is seen to be wide at its root or just under (more than
    :data:`TREE_MAX_CHILDREN` children) or to have an element with more than
    :data:`TREE_MAX_ATTRIBUTES` attributes, where it is validated as a stream:
    most of the parse, which the tree validator would not use, is then saved
    when the document is invalid. Only documents dense with tags or attributes
    at their start are looked at so (:func:`_dense`). The tree returned is
    never this one: :meth:`finish` parses the whole with
    :func:`~.parser.parse_screened`, the judge (libxml2 fed in pieces has
    accepted a malformed start tag).
    """

    def __init__(self, data: bytes, limits: ParserLimits) -> None:
        self.data = data
        self.limits = limits
        self.read = 0
        self._parser = etree.XMLPullParser(
            events=("start",), tag=root_tag(data, limits=limits), **_HARDENED
        )
        self._root: etree._Element | None = None

    @property
    def root(self) -> etree._Element:
        assert self._root is not None, "read before its root"
        return self._root

    def seen_to_stream(self) -> bool:
        """Read on until the document is seen wide at its top or crowded (then checked so far)."""
        size = FIRST_PIECE
        try:
            while self.read < min(len(self.data), READ_AHEAD):
                end = self.read + size
                self._parser.feed(self.data[self.read : end])
                self.read = min(end, len(self.data))
                for _event, element in self._parser.read_events():
                    if self._root is None:
                        self._root = element
                root = self._root
                if root is not None and (
                    len(root) > TREE_MAX_CHILDREN
                    or any(len(child) > TREE_MAX_CHILDREN for child in root)
                    or _CROWDED(root)
                ):
                    check_tree(root.getroottree(), self.limits)  # what was read
                    return True
                size *= 2
        except etree.XMLSyntaxError:
            pass  # the whole is parsed at once, and judged so
        return False

    def finish(self) -> etree._ElementTree:
        """The whole document's tree, parsed and checked as :func:`~.parser.parse_xml` does."""
        return parse_screened(self.data, limits=self.limits)


def is_valid(
    document: Document,
    *,
    schema: SchemaInfo | None = None,
    limits: ParserLimits = DEFAULT_LIMITS,
) -> bool:
    """The verdict alone: True when ``document`` is known and schema-valid.

    No diagnostics are computed. Bytes that are not acceptable XML still raise
    :class:`~ewp_client.errors.MalformedXmlError`.
    """
    try:
        tree, info, data = _prepare(document, schema, limits)
    except UnknownDocumentError:
        return False
    if _narrow(tree):
        return bool(validator(info).validate(_without_splitters(tree, data)))
    data = _own_bytes(data)
    data = data if data is not None else streamable(tree)
    return check(data, info, limits=limits, wanted=0, count_limit=1).valid
