"""Mutations of partner documents: bytes-level and XML-aware, all driven by one ``Random``.

Each mutation takes the document's bytes and a :class:`random.Random` and
returns new bytes; the same seed gives the same output, so every input of a
run can be regenerated from ``(seed, index)``. XML-aware mutations parse the
input with a lenient lxml parser (``recover=True``, never a network or entity
load: this is the harness, not the library under test) and fall back to a
bytes-level mutation when nothing parses.

Sizes (floods, nesting depth) are capped by :class:`Sizes`, so a run's cost
stays predictable; the long run raises the caps.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from random import Random
from typing import Final

from lxml import etree

from ewp_client.namespaces import SCHEMAS, XSI_NS

Mutation = Callable[[bytes, Random, "Sizes"], bytes]


@dataclass(frozen=True, slots=True)
class Sizes:
    """Upper bounds of the size-changing mutations."""

    flood: int = 300  # attributes or duplicated children added at most
    depth: int = 300  # nesting levels added at most (the parser refuses > 256)
    long_text: int = 20_000  # characters of one oversized text value


SHORT_RUN: Final = Sizes(flood=60, depth=300, long_text=2_000)
LONG_RUN: Final = Sizes(flood=2_500, depth=400, long_text=800_000)

_LENIENT = etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)

INTERESTING_BYTES: Final = b"\x00\x01\x0b\x1f\x7f\x80\xc0\xff<>&\"'=/:;?!]"

CONTROL_TEXTS: Final = (
    "\x00",
    "\x01",
    "\x0b",
    "\x1f",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\u202e",
    "\u200b",
    "\U0010ffff",
    "&#1;",
    "&#x85;",
    "&#xFFFE;",
    "&#0;",
    "&#x110000;",
    "&nbsp;",
    "&amp;",
    "]]>",
    "<![CDATA[x]]>",
    "<!--c-->",
    "<?pi x?>",
    "\r\n",
    "\t",
    "e\u0301",
)

HUGE_NUMBERS: Final = (
    "9" * 400,
    "-" + "9" * 400,
    "1e999",
    "-1e999",
    "1E-999",
    "NaN",
    "INF",
    "-INF",
    "+0",
    "-0",
    "0x10",
    "00000000000000000000000001",
    "18446744073709551616",
    "-9223372036854775809",
    "1.7976931348623157e309",
    "0." + "0" * 300 + "1",
    "１２",
    "1_000",
    " 7 ",
    "",
)

ODD_DATES: Final = (
    "0000-01-01",
    "-0001-01-01",
    "9999-12-31T23:59:60Z",
    "10000-01-01",
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-01-01T24:00:00",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:00+14:01",
    "2024-01-01T00:00:00-14:00",
    "2024-01-01T00:00:00.999999999999Z",
    "2024-01-01Z",
    "2024-01-01+25:00",
    " 2024-01-01 ",
    "2024-1-1",
    "20240101",
    "2024-01-01T00:00",
    "2024-W01-1",
    "99999999999-01-01",
    "1970-01-01T00:00:00Z",
    "2038-01-19T03:14:08Z",
)

_NUMERIC = re.compile(r"^\s*[+-]?\d+(\.\d*)?\s*$")
_DATEISH = re.compile(r"^\s*-?\d{4,}-\d\d-\d\d")


# ------------------------------------------------------------------ bytes level


def flip_bits(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def set_interesting_byte(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    if not data:
        return data + INTERESTING_BYTES[:1]
    out = bytearray(data)
    out[rng.randrange(len(out))] = rng.choice(INTERESTING_BYTES)
    return bytes(out)


def truncate(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def duplicate_slice(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    if len(data) < 2:
        return data * 2
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.randint(1, 512))
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[start:end] * rng.randint(1, 4) + data[at:]


def delete_slice(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 256) :]


def reencode(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    """The same text in another encoding: UTF-16/32 in both byte orders, BOMs, wrong labels."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    codec = rng.choice(
        ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-16", "utf-32", "latin-1")
    )
    label = rng.choice((codec.upper(), "UTF-8", "UTF-16", "UTF-32", "ISO-8859-1", "EBCDIC", ""))
    text = re.sub(r"^<\?xml[^?]*\?>", "", text)
    if label:
        text = f'<?xml version="1.0" encoding="{label}"?>' + text
    body = text.encode(codec, errors="replace")
    bom = rng.choice((b"", b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"))
    return bom + body


def splice_bytes(data: bytes, other: bytes, rng: Random) -> bytes:
    """Crossover: the start of one document glued to the end of another."""
    return data[: rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1) :]


BYTE_MUTATIONS: Final[tuple[Mutation, ...]] = (
    flip_bits,
    set_interesting_byte,
    truncate,
    duplicate_slice,
    delete_slice,
    reencode,
)


# ------------------------------------------------------------------ XML aware


def _tree(data: bytes) -> etree._Element | None:
    try:
        root = etree.fromstring(data, _LENIENT)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _serialize(root: etree._Element, rng: Random) -> bytes:
    return etree.tostring(root, xml_declaration=rng.random() < 0.7, encoding="UTF-8")


def _xml(change: Callable[[etree._Element, Random, Sizes], None]) -> Mutation:
    def mutation(data: bytes, rng: Random, sizes: Sizes) -> bytes:
        root = _tree(data)
        if root is None:
            return rng.choice(BYTE_MUTATIONS)(data, rng, sizes)
        try:
            change(root, rng, sizes)
            return _serialize(root, rng)
        except (ValueError, TypeError):  # lxml refuses a name or value recovered from garbage
            return rng.choice(BYTE_MUTATIONS)(data, rng, sizes)

    mutation.__name__ = change.__name__.lstrip("_")
    return mutation


def _size(rng: Random, cap: int) -> int:
    """Mostly small, sometimes the cap: floods must reach the sizes that hurt."""
    return min(cap, rng.choice((2, 5, 20, 100, 500, 2_000, cap)))


def _attribute_flood(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    target = rng.choice(_elements(root))
    namespaced = rng.random() < 0.3
    for i in range(_size(rng, sizes.flood)):
        name = f"{{urn:x-fuzz:{i % 7}}}a{i}" if namespaced else f"a{i}"
        target.set(name, rng.choice(("v", "", "1", "x" * 50)))


def _child_flood(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    elements = _elements(root)
    target = rng.choice(elements)
    parent = target.getparent()
    if parent is None:
        for _ in range(_size(rng, sizes.flood)):
            root.append(etree.Element(f"{{urn:x-fuzz}}extra{rng.randrange(3)}"))
        return
    at = parent.index(target)
    for _ in range(_size(rng, sizes.flood)):
        parent.insert(at, copy.deepcopy(target))


def _empty_flood(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    """Many copies of an empty child: ``<iia/>`` times N."""
    elements = _elements(root)
    target = rng.choice(elements[1:] or elements)
    empty = etree.Element(target.tag)
    for _ in range(_size(rng, sizes.flood)):
        root.append(copy.deepcopy(empty))


def _deep_nesting(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    target = rng.choice(_elements(root))
    depth = rng.choice((10, 100, 200, 250, 255, 256, 257, sizes.depth))
    tag = target.tag if rng.random() < 0.5 else "{urn:x-fuzz}n"
    inner = etree.SubElement(target, tag)
    for _ in range(min(depth, sizes.depth) - 1):
        inner = etree.SubElement(inner, tag)
    inner.text = "x"


def _xsi_type(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    target = rng.choice(_elements(root))
    ns = rng.choice((XSI_NS, XSI_NS, "http://www.w3.org/2001/XMLSchema-instance/"))
    value = rng.choice(
        (
            "Unknown",
            "xs:Unknown",
            "nope:Thing",
            "xs:string",
            "xs:int",
            "xs:anyType",
            "ewp:StringWithOptionalLang",
            "",
            ":",
            "a:b:c",
            "{urn:x}T",
        )
    )
    attribute = rng.choice(("type", "type", "nil", "schemaLocation", "noNamespaceSchemaLocation"))
    if attribute == "nil":
        value = rng.choice(("true", "1", "false", "maybe"))
    elif attribute.endswith("ocation"):
        # Loopback and file addresses only: a fetch attempt fails here, never leaves the host.
        value = rng.choice(
            ("urn:x http://127.0.0.1:9/x.xsd", "file:///nonexistent.xsd", "urn:x", "::")
        )
    target.set(f"{{{ns}}}{attribute}", value)
    if rng.random() < 0.5:
        root.set("{urn:x-fuzz-nsdecl}dummy", "")  # keeps lxml from dropping a declaration


def _leaves(root: etree._Element) -> list[etree._Element]:
    return [e for e in _elements(root) if len(e) == 0]


def _replace_text(root: etree._Element, rng: Random, pick: Callable[[str, Random], str]) -> None:
    leaves = _leaves(root) or _elements(root)
    target = rng.choice(leaves)
    if target.attrib and rng.random() < 0.3:
        name = rng.choice(list(target.attrib))
        target.set(name, _clean(pick(target.get(name) or "", rng)))
    else:
        target.text = _clean(pick(target.text or "", rng))


def _clean(text: str) -> str:
    """lxml refuses XML-illegal characters in a tree; keep the rest."""
    return "".join(c for c in text if c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff"))


def _huge_number(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    numeric = [e for e in _leaves(root) if e.text and _NUMERIC.match(e.text)]
    target = rng.choice(numeric or _leaves(root) or [root])
    target.text = rng.choice(HUGE_NUMBERS)


def _odd_date(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    dated = [e for e in _leaves(root) if e.text and _DATEISH.match(e.text)]
    dated += [e for e in _elements(root) if any(_DATEISH.match(v) for v in e.attrib.values())]
    target = rng.choice(dated or _leaves(root) or [root])
    for name, value in target.attrib.items():
        if _DATEISH.match(value):
            target.set(name, rng.choice(ODD_DATES))
            return
    target.text = rng.choice(ODD_DATES)


def _long_text(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    """A long value; references (``&`` is written ``&amp;``) split it into many pieces."""
    unit = rng.choice(("a", " ", "é", "\u4e2d", "&", "<", "x y ", "\U0001f600"))
    length = int(math.exp(rng.uniform(0, math.log(sizes.long_text))))  # mostly short
    _replace_text(root, rng, lambda _old, r: unit * length)


def _odd_text(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    def pick(old: str, r: Random) -> str:
        return rng.choice(
            (
                "",
                " ",
                old.upper(),
                old + old,
                " " + old + " ",
                old.replace(" ", "\u00a0"),
                "true",
                "1",
                "x" * 5,
                "urn:x",
                "http://127.0.0.1:9/",
                "@",
                "a@b",
            )
        )

    _replace_text(root, rng, pick)


def _reorder(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    parents = [e for e in _elements(root) if len(e) >= 2]
    if not parents:
        return
    parent = rng.choice(parents)
    children = list(parent)
    if rng.random() < 0.5:
        i, j = rng.sample(range(len(children)), 2)
        children[i], children[j] = children[j], children[i]
    else:
        rng.shuffle(children)
    for child in children:
        parent.append(child)


def _drop_element(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    elements = _elements(root)[1:]
    if elements:
        target = rng.choice(elements)
        parent = target.getparent()
        if parent is not None:
            parent.remove(target)


def _duplicate_element(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    elements = _elements(root)[1:]
    if elements:
        target = rng.choice(elements)
        parent = target.getparent()
        if parent is not None:
            parent.insert(parent.index(target), copy.deepcopy(target))


def _move_element(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    """An element moved under another parent (right name, wrong place)."""
    elements = _elements(root)[1:]
    if len(elements) >= 2:
        moved, host = rng.sample(elements, 2)
        if moved not in host.iterancestors() and moved is not host:
            host.append(moved)


def _drop_attribute(root: etree._Element, rng: Random, sizes: Sizes) -> None:
    with_attrs = [e for e in _elements(root) if e.attrib]
    if with_attrs:
        target = rng.choice(with_attrs)
        del target.attrib[rng.choice(list(target.attrib))]


NAMESPACES: Final = tuple(sorted({s.namespace for s in SCHEMAS}))


def namespace_swap(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    """A declared namespace URI replaced by another EWP namespace or a near miss."""
    declared = re.findall(rb'xmlns(?::[\w.-]+)?="([^"]*)"', data)
    if not declared:
        return rng.choice(BYTE_MUTATIONS)(data, rng, sizes)
    old = rng.choice(declared)
    new = rng.choice(
        (
            rng.choice(NAMESPACES).encode(),
            old + b"/",
            old.upper(),
            old.replace(b"https://", b"http://"),
            b"",
            b"urn:x-fuzz",
        )
    )
    if rng.random() < 0.5:
        return data.replace(b'"' + old + b'"', b'"' + new + b'"', 1)
    return data.replace(b'"' + old + b'"', b'"' + new + b'"')


def prefix_swap(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    """Two prefixes trade places in the declarations only (elements change namespace)."""
    decls = re.findall(rb'xmlns:([\w.-]+)="', data)
    if len(decls) < 2:
        return namespace_swap(data, rng, sizes)
    a, b = rng.sample(decls, 2)
    marker = b"\x00swap\x00"
    data = data.replace(b"xmlns:" + a + b'="', marker, 1)
    data = data.replace(b"xmlns:" + b + b'="', b"xmlns:" + a + b'="', 1)
    return data.replace(marker, b"xmlns:" + b + b'="', 1)


def control_chars(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    """A control or otherwise odd character (raw or as a reference) inside a text node."""
    spots = [m.end() for m in re.finditer(rb">[^<]", data)] or [len(data)]
    at = rng.choice(spots)
    return data[:at] + rng.choice(CONTROL_TEXTS).encode("utf-8", "surrogatepass") + data[at:]


FRAGMENTS: Final = (b"&amp;", b"&#38;", b"&#x10FFFF;", b"x<!---->", b"<![CDATA[x]]>", b"x<?p?>")


def fragmented_text(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    """A text node in many pieces: references, comments, CDATA sections or PIs, repeated."""
    spots = [m.end() for m in re.finditer(rb">[^<]", data)] or [len(data)]
    at = rng.choice(spots) - 1
    count = int(math.exp(rng.uniform(0, math.log(max(2, sizes.long_text // 5)))))
    return data[:at] + rng.choice(FRAGMENTS) * count + data[at:]


XML_MUTATIONS: Final[tuple[Mutation, ...]] = (
    _xml(_attribute_flood),
    _xml(_child_flood),
    _xml(_empty_flood),
    _xml(_deep_nesting),
    _xml(_xsi_type),
    _xml(_huge_number),
    _xml(_odd_date),
    _xml(_long_text),
    _xml(_odd_text),
    _xml(_reorder),
    _xml(_drop_element),
    _xml(_duplicate_element),
    _xml(_move_element),
    _xml(_drop_attribute),
    namespace_swap,
    prefix_swap,
    control_chars,
    fragmented_text,
)

#: Mutations that keep most documents schema-valid: values change, structure stays.
VALUE_MUTATIONS: Final[tuple[Mutation, ...]] = (
    _xml(_huge_number),
    _xml(_odd_date),
    _xml(_odd_text),
    _xml(_long_text),
    _xml(_reorder),
    _xml(_duplicate_element),
    _xml(_drop_element),
    control_chars,
    fragmented_text,
)

ALL_MUTATIONS: Final = XML_MUTATIONS + BYTE_MUTATIONS


def mutate_document(
    seed: bytes,
    rng: Random,
    sizes: Sizes,
    *,
    corpus: Sequence[bytes] = (),
    pool: Sequence[Mutation] = ALL_MUTATIONS,
) -> tuple[bytes, tuple[str, ...]]:
    """One to three stacked mutations of ``seed``; returns the bytes and the mutations' names."""
    data = seed
    names: list[str] = []
    if corpus and rng.random() < 0.05:
        data = splice_bytes(data, rng.choice(corpus), rng)
        names.append("splice")
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        mutation = rng.choice(pool)
        data = mutation(data, rng, sizes)
        names.append(mutation.__name__)
    return data, tuple(names)
