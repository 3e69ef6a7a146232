"""Invariants of the iia-hash over generated agreements (hypothesis).

Agreements are generated as element trees and written as IIAs v7 get responses
in several styles (default namespace or prefixes, indented or not, text escaped
or in CDATA sections). The models package does not exist yet, so the generator
writes the XML itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ewp_client.iia.hash import compute_iia_hashes
from ewp_client.namespaces import CONTACT_NS, IIAS_V7_GET_NS

# (local name, is a contact-namespace element, text or children)
Node = tuple[str, bool, "str | tuple[Node, ...]"]

_SAFE_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc", "Cn", "Co"), blacklist_characters="\r"
) | st.sampled_from(" \t\n&<>]")
values = st.text(_SAFE_CHARS, max_size=10)


def leaf(
    name: str, text: st.SearchStrategy[str] = values, contact: bool = False
) -> st.SearchStrategy[Node]:
    return text.map(lambda t: (name, contact, t))


def element(
    name: str | st.SearchStrategy[str],
    *parts: st.SearchStrategy[list[Node]],
    contact: bool = False,
) -> st.SearchStrategy[Node]:
    names = st.just(name) if isinstance(name, str) else name
    return st.tuples(names, *parts).map(
        lambda ps: (ps[0], contact, tuple(n for p in ps[1:] for n in p))
    )


def one(s: st.SearchStrategy[Node]) -> st.SearchStrategy[list[Node]]:
    return s.map(lambda n: [n])


def many(s: st.SearchStrategy[Node], max_size: int = 2) -> st.SearchStrategy[list[Node]]:
    return st.lists(s, max_size=max_size)


def optional(s: st.SearchStrategy[Node]) -> st.SearchStrategy[list[Node]]:
    return many(s, max_size=1)


def contact(name: str) -> st.SearchStrategy[Node]:
    return element(
        name,
        one(leaf("contact-name", contact=True)),
        optional(leaf("email", contact=True)),
        optional(leaf("role-description", contact=True)),
    )


MOBILITY_KINDS = (
    "student-studies-mobility-spec",
    "student-traineeship-mobility-spec",
    "staff-teacher-mobility-spec",
    "staff-training-mobility-spec",
)
years = st.sampled_from(["2021/2022", "2022/2023", "2024/2025", " 2025/2026"])


mobility = element(
    st.sampled_from(MOBILITY_KINDS),
    one(leaf("sending-hei-id")),
    optional(leaf("sending-ounit-id")),
    many(contact("sending-contact")),
    one(leaf("receiving-hei-id")),
    many(contact("receiving-contact")),
    one(leaf("receiving-first-academic-year-id", years)),
    one(leaf("receiving-last-academic-year-id", years)),
    optional(leaf("mobilities-per-year", st.integers(0, 99).map(str))),
    many(
        element("recommended-language-skill", one(leaf("language")), optional(leaf("cefr-level")))
    ),
    many(
        element(
            "subject-area",
            one(leaf("isced-f-code", st.from_regex(r"[0-9]{2,4}", fullmatch=True))),
            optional(leaf("isced-clarification")),
        )
    ),
    optional(leaf("blended", st.sampled_from(["true", "false", "1", "0"]))),
    many(leaf("eqf-level", st.integers(1, 8).map(str)), max_size=3),
)


partner = element(
    "partner",
    one(leaf("hei-id")),
    one(leaf("iia-id")),
    optional(leaf("iia-code")),
    optional(contact("signing-contact")),
    many(contact("contact").map(lambda n: (n[0], True, n[2]))),
)

agreement: st.SearchStrategy[Node] = element(
    "iia",
    st.lists(partner, min_size=2, max_size=2),
    one(leaf("in-effect", st.sampled_from(["true", "false"]))),
    one(
        element(
            "cooperation-conditions",
            st.lists(mobility, min_size=1, max_size=4),
        )
    ),
    one(leaf("iia-hash", st.just("0" * 64))),
)


@dataclass(frozen=True)
class Style:
    prefix: str  # "" for the default namespace
    indent: bool
    cdata: bool


styles = st.builds(Style, st.sampled_from(["", "i", "iias"]), st.booleans(), st.booleans())


def _text(text: str, cdata: bool) -> str:
    if cdata:
        return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return escape(text)


def write(iia: Node, style: Style) -> bytes:
    """An IIAs v7 get response holding ``iia``, written in ``style``."""
    out: list[str] = []

    def tag(name: str, in_contact_ns: bool) -> str:
        if in_contact_ns:
            return f"c:{name}"
        return f"{style.prefix}:{name}" if style.prefix else name

    def emit(node: Node, depth: int) -> None:
        name, in_contact_ns, content = node
        pad = "\n" + "  " * depth if style.indent else ""
        out.append(f"{pad}<{tag(name, in_contact_ns)}>")
        if isinstance(content, str):
            out.append(_text(content, style.cdata))
        else:
            for child in content:
                emit(child, depth + 1)
            out.append(pad)
        out.append(f"</{tag(name, in_contact_ns)}>")

    xmlns = f"xmlns:{style.prefix}" if style.prefix else "xmlns"
    out.append(f'<?xml version="1.0" encoding="UTF-8"?>\n<{tag("iias-get-response", False)} ')
    out.append(f'{xmlns}="{IIAS_V7_GET_NS}" xmlns:c="{CONTACT_NS}">')
    emit(iia, 1)
    out.append(f"</{tag('iias-get-response', False)}>")
    return "".join(out).encode("utf-8")


def outputs(xml: bytes | etree._Element) -> list[tuple[str, str, str, bool]]:
    return [
        (r.iia_id, r.text_to_hash, r.sha256, r.valid_for_approval) for r in compute_iia_hashes(xml)
    ]


def sha(xml: bytes) -> str:
    (result,) = compute_iia_hashes(xml)
    return result.sha256


def is_contact(name: str) -> bool:
    return name in ("sending-contact", "receiving-contact", "signing-contact", "contact")


def without_contacts(node: Node) -> Node:
    name, ns, content = node
    if isinstance(content, str):
        return node
    return (name, ns, tuple(without_contacts(c) for c in content if not is_contact(c[0])))


HASHED = etree.XPath(
    "//*[local-name()='partner']/*[local-name()='iia-id']"
    " | //*[local-name()='cooperation-conditions']//*[not(*)]"
    "[not(ancestor::*[local-name()='sending-contact' or local-name()='receiving-contact'])]"
)
NOT_HASHED = etree.XPath(
    "//*[not(*)][ancestor-or-self::*[local-name()='sending-contact' or "
    "local-name()='receiving-contact' or local-name()='signing-contact' or "
    "local-name()='contact'] or local-name()='hei-id' and local-name(..)='partner' or "
    "local-name()='iia-code' or local-name()='in-effect' or local-name()='iia-hash']"
)


@settings(max_examples=60, deadline=None)
@given(agreement, styles, styles)
def test_hash_is_unchanged_by_reserialisation(iia: Node, first: Style, second: Style) -> None:
    assert outputs(write(iia, first)) == outputs(write(iia, second))
    reserialised = etree.tostring(etree.fromstring(write(iia, first)), pretty_print=True)
    assert sha(reserialised) == sha(write(iia, first))


@settings(max_examples=60, deadline=None)
@given(agreement, styles)
def test_hash_ignores_contacts(iia: Node, style: Style) -> None:
    assert sha(write(iia, style)) == sha(write(without_contacts(iia), style))


@settings(max_examples=60, deadline=None)
@given(agreement, styles, st.data())
def test_hash_changes_when_a_hashed_value_changes(
    iia: Node, style: Style, data: st.DataObject
) -> None:
    xml = write(iia, style)
    root = etree.fromstring(xml)
    targets = HASHED(root)
    assert isinstance(targets, list)
    assert targets
    target = data.draw(st.sampled_from(targets))
    assert isinstance(target, etree._Element)
    old = "".join(target.itertext())
    new = data.draw(values.filter(lambda v: v != old))
    target.text = new
    assert sha(etree.tostring(root)) != sha(xml)


@settings(max_examples=60, deadline=None)
@given(agreement, styles, st.data())
def test_hash_ignores_values_outside_the_hashed_fields(
    iia: Node, style: Style, data: st.DataObject
) -> None:
    xml = write(iia, style)
    root = etree.fromstring(xml)
    targets = NOT_HASHED(root)
    assert isinstance(targets, list)
    assert targets
    target = data.draw(st.sampled_from(targets))
    assert isinstance(target, etree._Element)
    target.text = data.draw(values)
    assert sha(etree.tostring(root)) == sha(xml)


def _sprinkle(root: etree._Element, data: st.DataObject) -> None:
    """Put comments and processing instructions into ``root``: between elements,
    and inside text values (splitting the text around them)."""
    elements = list(root.iter(etree.Element))
    picked = data.draw(st.lists(st.sampled_from(elements), min_size=1, max_size=8))
    for element in picked:
        node = data.draw(
            st.sampled_from([etree.Comment(" note "), etree.ProcessingInstruction("pi", "x")])
        )
        if len(element) == 0 and element.text:
            cut = data.draw(st.integers(0, len(element.text)))
            element.text, node.tail = element.text[:cut], element.text[cut:]
            element.append(node)
        else:
            element.insert(data.draw(st.integers(0, len(element))), node)


@settings(max_examples=60, deadline=None)
@given(agreement, styles, st.data())
def test_comments_and_processing_instructions_never_change_the_hash(
    iia: Node, style: Style, data: st.DataObject
) -> None:
    # Bytes are parsed without comments; a tree handed over keeps them: both read alike.
    xml = write(iia, style)
    root = etree.fromstring(xml)
    _sprinkle(root, data)
    assert outputs(etree.tostring(root)) == outputs(xml)
    assert outputs(root) == outputs(xml)
