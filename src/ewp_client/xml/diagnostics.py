"""Where an invalid document breaks its schema: the first violations, located, in linear time.

libxml2 validating as it parses (see :mod:`.validate`) says *what* is wrong
but not *where*: its errors carry no node and no line. The verdict pass notes
which chunks of the bytes the first errors arrived in (:class:`Verdict`).
Here the bytes are read once more by a validating pull parser: the chunks
without those errors in one go each, the noted ones one markup item at a
time (up to each ``>``), so that an error arriving after an item belongs to
the element that item started or ended. The element gives the line and the
path; reading stops at the last noted chunk.

The cost is one more parse up to the last error listed, plus a small
constant per markup item of the noted chunks; never a walk per error over
the document, and no process-wide lock.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, NamedTuple

from lxml import etree

from ..errors import Violation
from .messages import about_an_attribute, element_named, readable
from .parser import element_reader, validating_pull_parser
from .paths import ElementPaths, counterpart

#: Bytes given to libxml2 at a time: errors are first placed to the chunk they came in.
MIN_CHUNK: Final = 256
MAX_CHUNK: Final = 64 * 1024
_ITEM: Final = re.compile(rb"[^>]*>|[^>]+")


class Range(NamedTuple):
    """Bytes ``data[start:end]`` fed to libxml2 in one go, and whether errors came then."""

    start: int
    end: int
    has_errors: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the validating pass found.

    ``tree`` is the parsed document when it is valid. Otherwise ``total`` counts
    the schema errors (all of them when ``complete``); ``ranges`` are the
    chunks fed, up to the last that brought one of the errors wanted, and
    ``at_close`` says that some of those came only when the parser was closed;
    ``messages`` are those errors' (libxml2's words).
    """

    tree: etree._ElementTree | None
    total: int
    complete: bool
    ranges: tuple[Range, ...]
    at_close: bool
    messages: tuple[str, ...]

    @property
    def names(self) -> frozenset[str]:
        """The elements the errors wanted are about."""
        return frozenset(n for n in map(element_named, self.messages) if n is not None)


Event = tuple[str, etree._Element]


class _Reader:
    """A validating pull parser fed by hand, remembering the last element it reported."""

    def __init__(self, schema: etree.XMLSchema, tags: frozenset[str]) -> None:
        self.parser = validating_pull_parser(schema, tags)
        self.last: Event | None = None
        self.seen = 0

    def feed(self, data: bytes) -> list[Event]:
        self.parser.feed(data)
        return self._events()

    def close(self) -> list[Event]:
        with contextlib.suppress(etree.XMLSyntaxError):  # the verdict is known already
            self.parser.close()
        return self._events()

    def skip(self, data: bytes) -> None:
        """Feed ``data`` keeping only the last event (no Python work per element)."""
        self.parser.feed(data)
        tail = deque(self.parser.read_events(), maxlen=1)
        if tail:
            self.last = tail[0]

    def _events(self) -> list[Event]:
        events: list[Event] = list(self.parser.read_events())
        if events:
            self.last = events[-1]
        return events

    def new_errors(self, limit: int) -> list[str]:
        """The messages of (at most ``limit``) schema errors since the last call."""
        log = self.parser.feed_error_log
        if len(log) == self.seen:
            return []
        fresh = itertools.islice(log, self.seen, None)
        self.seen = len(log)
        schema_errors = (
            e.message
            for e in fresh
            if e.domain == etree.ErrorDomains.SCHEMASV and e.level >= etree.ErrorLevels.ERROR
        )
        return list(itertools.islice(schema_errors, limit))

    def current(self) -> etree._Element | None:
        """The element being read: the last one started, or the parent of the last one ended."""
        if self.last is None:
            return None
        event, element = self.last
        parent = element.getparent() if event == "end" else None
        return parent if parent is not None else element


def _subject(
    message: str, events: Iterable[Event], current: etree._Element | None
) -> etree._Element | None:
    """The element ``message`` is about, among those just read (else the one being read)."""
    name = element_named(message)
    for _event, element in events:
        if element.tag == name:
            return element
    return current


def _prefixes(element: etree._Element) -> dict[str, str | None]:
    root = element.getroottree().getroot()
    return {ns: prefix for prefix, ns in root.nsmap.items() if ns}


def _only_subject(data: bytes, verdict: Verdict) -> etree._Element | None:
    """The element all the errors wanted are about, when it is plain to see without libxml2.

    That is an attribute flood: the errors came in one range, are all about
    attributes of one element name (raised as libxml2 reads a start tag), and
    only one element so named starts or ends there. A plain parse finds it,
    where validating again would cost every error again.
    """
    flagged = [r for r in verdict.ranges if r.has_errors]
    names = verdict.names
    if len(flagged) != 1 or verdict.at_close or len(names) != 1:
        return None
    if not all(map(about_an_attribute, verdict.messages)):
        return None
    reader = element_reader(names)
    for start, end, has_errors in verdict.ranges:
        reader.feed(data[start:end])
        if not has_errors:
            deque(reader.read_events(), maxlen=0)
            continue
        found = {id(element): element for _event, element in reader.read_events()}
        return next(iter(found.values())) if len(found) == 1 else None
    return None


def locate(
    data: bytes,
    schema: etree.XMLSchema,
    verdict: Verdict,
    wanted: int,
    given: etree._ElementTree | None = None,
) -> list[Violation]:
    """The first ``wanted`` violations of ``data``, sorted by line.

    ``given`` is the caller's tree when ``data`` is its serialisation: the
    lines are then that tree's (its elements' ``sourceline``).
    """
    subject = _only_subject(data, verdict)
    if subject is not None:
        return _violations([(m, subject) for m in verdict.messages[:wanted]], given)
    reader = _Reader(schema, verdict.names)
    found: list[tuple[str, etree._Element | None]] = []
    if verdict.complete:
        wanted = min(wanted, verdict.total)  # all there are: stop at the last one
    for start, end, has_errors in verdict.ranges:
        if len(found) >= wanted:
            break
        # Fed as the verdict pass fed them, libxml2 reaches the same state at each
        # range's end: the errors come in the same ranges.
        if not has_errors:
            reader.skip(data[start:end])
            continue
        for item in _ITEM.findall(data, start, end):
            events = reader.feed(item)
            fresh = reader.new_errors(wanted - len(found))
            found += [(m, _subject(m, events, reader.current())) for m in fresh]
            if len(found) >= wanted:
                break
    if len(found) < wanted and verdict.at_close:
        events = reader.close()
        fresh = reader.new_errors(wanted - len(found))
        found += [(m, _subject(m, events, reader.current())) for m in fresh]
    return _violations(found[:wanted], given)


def _violations(
    found: list[tuple[str, etree._Element | None]], given: etree._ElementTree | None
) -> list[Violation]:
    out: list[tuple[int, Violation]] = []
    prefixes: dict[str, str | None] = {}
    if found and found[0][1] is not None:
        prefixes = _prefixes(found[0][1])
    sentences: dict[str, str] = {}  # floods repeat one message: rewrite it once
    paths = ElementPaths()
    for order, (message, element) in enumerate(found):
        text = sentences.get(message)
        if text is None:
            text = sentences[message] = readable(message, prefixes)
        if element is None:
            out.append((order, Violation(line=None, path="/", message=text)))
            continue
        line = element.sourceline
        if given is not None:
            original = counterpart(element, given.getroot())
            line = original.sourceline if original is not None else None
        out.append((order, Violation(line=line, path=paths(element), message=text)))
    out.sort(key=lambda pair: (pair[1].line is None, pair[1].line or 0, pair[0]))
    return [violation for _, violation in out]


def _entry_text(error: etree._LogEntry, field: str) -> str | None:
    """``error.path`` or ``error.message``, or ``None`` when lxml cannot decode it.

    libxml2 cuts a node's path at 100 bytes, which may fall inside a multi-byte
    character of a long element name; lxml then fails to decode it.
    """
    try:
        value = getattr(error, field)
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, str) else None


def from_log(tree: etree._ElementTree, errors: list[etree._LogEntry]) -> list[Violation]:
    """Violations from libxml2's errors on ``tree`` (each names its node's XPath), by line.

    An error whose path cannot be read or resolved is placed on the first
    element starting on its line.
    """
    root = tree.getroot()
    namespaces = {prefix: ns for prefix, ns in root.nsmap.items() if prefix}
    found: list[tuple[str, etree._Element | None]] = []
    first_on_line: dict[int, etree._Element] | None = None
    for error in errors:
        element: etree._Element | None = None
        path = _entry_text(error, "path")
        with contextlib.suppress(etree.XPathError):
            nodes = tree.xpath(path, namespaces=namespaces) if path else []
            if isinstance(nodes, list) and nodes and isinstance(nodes[0], etree._Element):
                element = nodes[0]
        if element is None and error.line:
            if first_on_line is None:
                first_on_line = {}
                for node in root.iter(etree.Element):
                    if node.sourceline is not None:
                        first_on_line.setdefault(node.sourceline, node)
            element = first_on_line.get(error.line)
        message = _entry_text(error, "message") or "the document breaks its schema here"
        found.append((message, element))
    return _violations(found, None)
