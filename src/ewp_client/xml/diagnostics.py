"""Where an invalid document breaks its schema: the first violations, located, in linear time.

libxml2 validating as it parses (see :mod:`.validate`) says *what* is wrong
but not *where*: its errors carry no node and no line. The verdict pass
(:func:`~.validate.check`, no tree built) notes after which bytes the first
errors came (:class:`Verdict`): it feeds libxml2 one markup item at a time
at the start and after each error, so most come with one item (up to its
``>``) and belong to the element that item started or ended. Those that came
with a larger piece are found again (:func:`_arrivals`: validated once more,
no tree, up to the last such piece, that piece one item at a time).

Each error is then placed on an element: on the hardened parser's tree by
counting the tags before it (:func:`_by_counting`), or else by a plain parser
reading the bytes up to it. The element gives the line and the path.

The cost is at most one more parse up to the last error listed, plus a small
constant per error and per markup item fed alone; never a walk per error
over the document, and no process-wide lock.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NamedTuple, cast

from lxml import etree

from ..errors import Violation
from .messages import Rewriter, about_an_attribute, element_named
from .parser import _HARDENED as HARDENED_OPTIONS
from .parser import element_reader
from .paths import ElementPaths, counterpart

if TYPE_CHECKING:
    from lxml.etree._parser import CustomTargetParser

#: Bytes given to libxml2 at a time: errors are first placed to the chunk they came in.
MIN_CHUNK: Final = 256
MAX_CHUNK: Final = 64 * 1024
#: Markup items fed one at a time at the start and after each error (while
#: errors are still wanted), so that the errors coming then are placed at once.
SINGLE_ITEMS: Final = 16
_ITEM: Final = re.compile(rb"[^>]*>|[^>]+")


class Range(NamedTuple):
    """Bytes ``data[start:end]`` fed to libxml2 in one go.

    ``errors`` counts the schema errors wanted that came then; ``single`` says
    the range is one markup item (up to a ``>``), so they came with it.
    """

    start: int
    end: int
    errors: int
    single: bool


class _NoTree:
    """A parser target keeping nothing: libxml2 validates as it reads and no tree is built.

    Building one costs more than validating (and each error more as well).
    """

    def close(self) -> None:
        return None


def counting_parser(schema: etree.XMLSchema) -> CustomTargetParser[None]:
    """:func:`~.parser.validating_parser` building no tree (see :class:`_NoTree`)."""
    # Typed as lxml's target protocol, whose callbacks it lacks on purpose:
    # lxml calls a target's ``start``/``end``/``data`` for every node if present.
    target = cast("etree.ParserTarget[None]", _NoTree())
    return etree.XMLParser(schema=schema, target=target, **HARDENED_OPTIONS)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the validating pass found.

    ``valid`` says the document is valid. Otherwise ``total`` counts
    the schema errors (all of them when ``complete``); ``ranges`` are the
    chunks fed, up to the last that brought one of the errors wanted, and
    ``at_close`` says that some of those came only when the parser was closed;
    ``messages`` are those errors' (libxml2's words).
    """

    valid: bool
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


def schema_messages(log: etree._ListErrorLog, start: int, limit: int) -> list[str]:
    """The messages of (at most ``limit``) schema errors of ``log`` from entry ``start`` on."""
    fresh = (
        e.message
        for e in itertools.islice(log, start, None)
        if e.domain == etree.ErrorDomains.SCHEMASV and e.level >= etree.ErrorLevels.ERROR
    )
    return list(itertools.islice(fresh, limit))


def _current(last: Event | None) -> etree._Element | None:
    """The element being read after ``last``: the one started, or the parent of the one ended."""
    if last is None:
        return None
    event, element = last
    parent = element.getparent() if event == "end" else None
    return parent if parent is not None else element


def _subject(name: str | None, events: list[Event], last: Event | None) -> etree._Element | None:
    """The element named ``name`` read most recently (among ``events``), else the one being read."""
    for _event, element in reversed(events):
        if element.tag == name:
            return element
    return _current(last)


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
    flagged = [r for r in verdict.ranges if r.errors]
    if len(flagged) != 1 or verdict.at_close:
        return None
    names = verdict.names
    if len(names) != 1:
        return None
    if not all(map(about_an_attribute, verdict.messages)):
        return None
    reader = element_reader(names)
    for start, end, errors, _single in verdict.ranges:
        reader.feed(data[start:end])
        if not errors:
            deque(reader.read_events(), maxlen=0)
            continue
        found = {id(element): element for _event, element in reader.read_events()}
        return next(iter(found.values())) if len(found) == 1 else None
    return None


def _arrivals(data: bytes, schema: etree.XMLSchema, verdict: Verdict, wanted: int) -> list[int]:
    """Where each of the first ``wanted`` errors came: after ``data[:offset]`` (-1: at close).

    Errors that came with a single item are placed already. Those that came
    with a larger range are found again: the bytes are validated once more
    (no tree built), up to the last such range, each such range one item at a
    time. Fed as the verdict pass fed them, libxml2 reaches the same state at
    each range's end: the errors come in the same ranges.
    """
    ranges = verdict.ranges
    last_coarse = max((i for i, r in enumerate(ranges) if r.errors and not r.single), default=-1)
    offsets: list[int] = []
    refined: dict[int, list[int]] = {}
    if last_coarse >= 0:
        with contextlib.suppress(etree.XMLSyntaxError):  # then placed at their range's end
            refined = _refine(data, schema, ranges[: last_coarse + 1])
    for i, (_start, end, errors, _single) in enumerate(ranges):
        if len(offsets) >= wanted:
            break
        found = refined.get(i, [])[:errors]
        offsets += found + [end] * (errors - len(found))
    if verdict.at_close:
        offsets += [-1] * (len(verdict.messages) - len(offsets))
    return offsets[:wanted]


def _refine(
    data: bytes, schema: etree.XMLSchema, ranges: tuple[Range, ...]
) -> dict[int, list[int]]:
    """For each range that brought errors in more than one item: after which byte each came."""
    parser = counting_parser(schema)
    seen = 0
    refined: dict[int, list[int]] = {}
    for i, (start, end, errors, single) in enumerate(ranges):
        if single or not errors:
            parser.feed(data[start:end])
            seen = len(parser.feed_error_log)
            continue
        offsets = refined[i] = []
        position = start
        while position < end and len(offsets) < errors:
            item = _ITEM.match(data, position, end)
            if item is None:
                break
            parser.feed(item[0])
            position = item.end()
            log = parser.feed_error_log
            if len(log) != seen:
                offsets += [position] * len(schema_messages(log, seen, errors - len(offsets)))
                seen = len(log)
        if position < end:
            parser.feed(data[position:end])
            seen = len(parser.feed_error_log)
    return refined


def locate(
    data: bytes,
    schema: etree.XMLSchema,
    verdict: Verdict,
    wanted: int,
    given: etree._ElementTree | None = None,
    hardened: etree._Element | None = None,
) -> list[Violation]:
    """The first ``wanted`` violations of ``data``, sorted by line.

    ``given`` is the caller's tree when ``data`` is its serialisation: the
    lines are then that tree's (its elements' ``sourceline``). ``hardened`` is the
    root of the tree the hardened parser read from ``data`` (maybe not to its
    end): an error is placed there by counting the tags before it
    (:func:`_by_counting`) when no comment, CDATA section or processing
    instruction comes first.

    Otherwise, knowing after which byte each error came (:func:`_arrivals`), a plain
    parser reads the bytes up to there, reporting only the elements the errors
    name; each error is placed on the element it names read most recently,
    else on the element being read.
    """
    subject = _only_subject(data, verdict)
    if subject is not None:
        return _violations([(m, subject) for m in verdict.messages[:wanted]], given)
    if verdict.complete:
        wanted = min(wanted, verdict.total)  # all there are: stop at the last one
    messages = verdict.messages[:wanted]
    offsets = _arrivals(data, schema, verdict, wanted)
    if hardened is not None and given is None:
        counted = _by_counting(data, hardened, offsets, messages)
        if counted is not None:
            return _violations(counted, None)
    reader = element_reader(verdict.names)
    found: list[tuple[str, etree._Element | None]] = []
    named: dict[str, str | None] = {}  # floods repeat one message: parse it once
    last: Event | None = None
    events: list[Event] = []
    read = 0
    for offset, message in zip(offsets, messages, strict=False):
        if offset != read:
            if offset < 0:
                reader.feed(data[read:])
                with contextlib.suppress(etree.XMLSyntaxError):  # the verdict is known
                    reader.close()
            else:
                reader.feed(data[read:offset])
            read = offset
            events = list(reader.read_events())
            if events:
                last = events[-1]
        name = named.get(message, "")
        if name == "":
            name = named[message] = element_named(message)
        if events and events[-1][1].tag == name:  # the usual case: the element just read
            found.append((message, events[-1][1]))
        else:
            found.append((message, _subject(name, events, last)))
    return _violations(found, given)


def _by_counting(
    data: bytes, root: etree._Element, offsets: list[int], messages: tuple[str, ...]
) -> list[tuple[str, etree._Element | None]] | None:
    """Each error placed on the element whose start tag came last before it, or its ancestor.

    In bytes where ``<`` is one byte a character, a raw ``<`` starts markup
    everywhere but in comments, CDATA sections and processing instructions:
    before the first of those, the elements started before a byte are its
    ``<`` less its ``</``. ``None`` when an error comes
    later than that, at the close, or past what ``root``'s tree holds.
    """
    if not data.startswith(b"<") or b"\x00" in data[:4]:
        return None  # maybe not one byte a character here (UTF-16 or a BOM first)
    declaration = data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0
    clean = min(
        (found for found in (data.find(b"<!"), data.find(b"<?", declaration)) if found >= 0),
        default=len(data),
    )
    if not offsets or offsets[-1] < 0 or offsets[-1] > clean:
        return None
    elements = root.iter(etree.Element)
    current: etree._Element | None = None
    started = 0
    position = declaration
    found: list[tuple[str, etree._Element | None]] = []
    named: dict[str, str | None] = {}  # floods repeat one message: parse it once
    for offset, message in zip(offsets, messages, strict=False):
        if offset != position:
            target = (
                started + data.count(b"<", position, offset) - data.count(b"</", position, offset)
            )
            if target > started:
                current = next(itertools.islice(elements, target - started - 1, None), None)
                if current is None:
                    return None  # not read that far
            started, position = target, offset
        name = named.get(message, "")
        if name == "":
            name = named[message] = element_named(message)
        subject = current
        while subject is not None and subject.tag != name:
            subject = subject.getparent()
        found.append((message, subject if subject is not None else current))
    return found


def _violations(
    found: list[tuple[str, etree._Element | None]], given: etree._ElementTree | None
) -> list[Violation]:
    out: list[tuple[bool, int, int, Violation]] = []
    prefixes: dict[str, str | None] = {}
    if found and found[0][1] is not None:
        prefixes = _prefixes(found[0][1])
    rewrite = Rewriter(prefixes)  # floods repeat one message, or its shape: rewritten once
    paths = ElementPaths()
    for order, (message, element) in enumerate(found):
        text = rewrite(message)
        if element is None:
            out.append((True, 0, order, Violation(None, "/", text)))
            continue
        line = element.sourceline
        if given is not None:
            original = counterpart(element, given.getroot())
            line = original.sourceline if original is not None else None
        out.append((line is None, line or 0, order, Violation(line, paths(element), text)))
    out.sort()  # by line (unknown last), then as found
    return [violation for *_, violation in out]


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
