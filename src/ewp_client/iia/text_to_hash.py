"""The ``text-to-hash`` of an IIA v7: the one place that builds it.

IIAs API v7 defines ``iia-hash`` as the SHA-256 of a text that the official
XSLT 2.0 kit (``transform_version_7.xsl``) builds from one ``<iia>`` of a get
response. This module rebuilds that text with lxml, field by field, so that
hashing, verification, diffing two copies and approval all see the same fields.

The text is a run of fields, each rendered with its own markers:

* ``_@terminated-as-a-whole@_`` first, when the document says so (see below);
* ``_iia-id_N=VALUE_`` for the N-th ``<partner>`` (an empty value when the
  partner has no ``<iia-id>``);
* for each child of ``<cooperation-conditions>`` (a mobility), its descendant
  elements in document order: every attribute as
  ``_@GRANDPARENT.PARENT.ELEMENT.ATTRIBUTE=VALUE@_``, then, for elements without
  element children, ``_GRANDPARENT.PARENT.ELEMENT=VALUE_``; names are local
  names, namespaces play no part;
* after each mobility, ``_receiving-first-academic-year-id=Y_`` and
  ``_receiving-last-academic-year-id=Y_``.

The kit's corner cases, all reproduced here:

* Values are XPath string values: never trimmed, CDATA sections count as text,
  comments and processing instructions inside a value are skipped (the text
  around them is joined).
* An ``isced-f-code`` with a non-empty ``v6-value`` attribute contributes that
  attribute's value instead of its own text.
* An element whose ``not-yet-defined`` attribute is ``true`` or ``1``, or that
  has such an ancestor (the mobility, ``cooperation-conditions``, the ``iia``
  itself...), contributes nothing inside the mobility walk. The two
  academic-year fields after a mobility are taken from its children whatever
  their ``not-yet-defined``.
* Descendants of ``sending-contact`` / ``receiving-contact`` contribute nothing
  (the contact element itself still contributes its attributes, and its value if
  it has no element children, as in the kit).
* ``receiving-first-academic-year-id`` / ``receiving-last-academic-year-id``
  are left out of the walk, wherever they are, and appended after it.
* ``not-yet-defined`` and ``v6-value`` attributes (without namespace) are never
  written; every other attribute is, ``xml:lang`` included (as ``lang``).

Document-wide behaviour (the kit's XPath starts at the document root, not at
the ``<iia>``), which matters when one response holds several IIAs:

* ``terminated-as-a-whole="true"`` (or ``1``) on *any* ``cooperation-conditions``
  of the response puts the ``_@terminated-as-a-whole@_`` marker at the start of
  *every* IIA's text in that response;
* ``valid-for-approval`` is false for *every* IIA of the response as soon as
  *any* element of it has ``not-yet-defined`` true/1 or a non-empty
  ``v6-value``.

So an IIA's hash can depend on the other IIAs sent along with it. Partners that
want stable hashes serve one IIA per response, or none of these markers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, NamedTuple

from lxml import etree

from ..errors import IiaNotHashableError
from ..xml.paths import string_value as string_value

PARTNER: Final = "partner"
IIA_ID: Final = "iia-id"
IIA_HASH: Final = "iia-hash"
COOPERATION_CONDITIONS: Final = "cooperation-conditions"
CONTACTS: Final = frozenset({"sending-contact", "receiving-contact"})
FIRST_YEAR: Final = "receiving-first-academic-year-id"
LAST_YEAR: Final = "receiving-last-academic-year-id"
TERMINATED: Final = "terminated-as-a-whole"
NOT_YET_DEFINED: Final = "not-yet-defined"
V6_VALUE: Final = "v6-value"
ISCED_CODE: Final = "isced-f-code"
_TRUE: Final = frozenset({"true", "1"})
_UNWRITTEN_ATTRIBUTES: Final = frozenset({NOT_YET_DEFINED, V6_VALUE})
_YEARS: Final = frozenset({FIRST_YEAR, LAST_YEAR})
_ANY_IIA_ID: Final = "{*}" + IIA_ID
_ANY_HEI_ID: Final = "{*}hei-id"

# Every attribute of the document (namespace declarations are not attributes in
# XPath). In an IIA they are few, so one pass in libxml2 to find them is cheaper
# than asking every element. Not "//@*/..": libxml2 merges the parents into a
# node-set checking each against all found so far, O(n²) for n attributes of
# one element; the owners are collected from the attributes instead.
_all_attributes = etree.XPath("//@*")
_attribute_values = etree.XPath("@*", smart_strings=False)


_FEW_ATTRIBUTES: Final = 16


def attributes(element: etree._Element) -> list[tuple[str, str]]:
    """``element``'s attributes as ``(name, value)`` in document order, in linear time.

    lxml's ``items()`` looks each value up by name again, a scan of the
    attribute list per attribute: O(n²) for n attributes of one element. It
    is the fastest way for the few attributes EWP elements have; beyond, the
    names (``keys()``) and an XPath read of the values walk the list once each.
    """
    names = element.keys()
    if len(names) <= _FEW_ATTRIBUTES:
        return element.items()
    values = _attribute_values(element)
    if not isinstance(values, list):
        return []
    return list(zip(names, (str(v) for v in values), strict=True))


class FieldKind(Enum):
    """How a field is written in the text."""

    ELEMENT = "element"  # _label=value_
    ATTRIBUTE = "attribute"  # _@label=value@_
    MARKER = "marker"  # _@label@_


ELEMENT: Final = FieldKind.ELEMENT
ATTRIBUTE: Final = FieldKind.ATTRIBUTE
MARKER: Final = FieldKind.MARKER

#: A field as ``(kind, label, value)``; :class:`HashedField` is the same triple
#: with names.
Field = tuple[FieldKind, str, str]

TERMINATED_PIECE: Final = f"_@{TERMINATED}@_"


class HashedField(NamedTuple):
    """One field of the text-to-hash, in the order the text holds it."""

    kind: FieldKind
    label: str
    value: str

    def render(self) -> str:
        return piece(self.kind, self.label, self.value)


def piece(kind: FieldKind, label: str, value: str) -> str:
    """One field as the text holds it."""
    if kind is ELEMENT:
        return f"_{label}={value}_"
    if kind is ATTRIBUTE:
        return f"_@{label}={value}@_"
    return f"_@{label}@_"


def render(fields: Iterable[Field]) -> str:
    """The text-to-hash made of ``fields``."""
    return "".join([piece(kind, label, value) for kind, label, value in fields])


def field_of(text: str) -> Field:
    """The field a rendered piece stands for (the inverse of :func:`piece`).

    Unambiguous because labels are XML names, which hold neither ``=`` nor
    ``@``: the label ends at the first ``=``, and a piece starting ``_@`` is an
    attribute or, without ``=``, a marker.
    """
    if text.startswith("_@"):
        label, equals, value = text[2:-2].partition("=")
        return (ATTRIBUTE, label, value) if equals else (MARKER, label, "")
    label, _, value = text[1:-1].partition("=")
    return (ELEMENT, label, value)


_LOCAL_NAMES: dict[object, str] = {}
_LOCAL_NAMES_LIMIT: Final = 4096


def local_name(tag: str | bytes | bytearray | etree.QName) -> str:
    """``{ns}name`` or ``name`` -> ``name`` (memoised: IIAs use few distinct tags)."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        text = tag if isinstance(tag, str) else str(tag)
        name = text.rpartition("}")[2]
        if len(_LOCAL_NAMES) < _LOCAL_NAMES_LIMIT:
            _LOCAL_NAMES[tag] = name
    return name


@dataclass(frozen=True, slots=True)
class DocumentMarkers:
    """What the kit reads from the whole response rather than from one ``<iia>``.

    Found from the few elements that have attributes, which the walk also
    needs to know (every other element is read without looking at attributes).
    """

    terminated_as_a_whole: bool
    valid_for_approval: bool
    with_attributes: frozenset[etree._Element] = field(
        default=frozenset(), compare=False, repr=False
    )

    @classmethod
    def of(cls, root: etree._Element) -> DocumentMarkers:
        found = _all_attributes(root)
        if not isinstance(found, list) or not found:
            return _NO_MARKERS
        owners: dict[etree._Element, None] = {}
        terminated = False
        valid = True
        for attribute in found:
            if not isinstance(attribute, etree._ElementUnicodeResult):
                continue
            owner = attribute.getparent()
            if owner is None:
                continue
            owners[owner] = None
            name, value = str(attribute.attrname), str(attribute)
            if name == NOT_YET_DEFINED:
                valid = valid and value not in _TRUE
            elif name == V6_VALUE:
                valid = valid and not value
            elif (
                value in _TRUE
                and local_name(name) == TERMINATED
                and local_name(owner.tag) == COOPERATION_CONDITIONS
            ):
                terminated = True
        return cls(terminated, valid, frozenset(owners))


_NO_MARKERS: Final = DocumentMarkers(False, True)


def has_element_children(element: etree._Element) -> bool:
    """``count(*) > 0``: comments and processing instructions are not children that count."""
    return any(isinstance(child.tag, str) for child in element)


def iias(root: etree._Element) -> Iterator[etree._Element]:
    """Every ``iia`` element of the document (any namespace, any depth), in document order."""
    return root.iter("{*}iia")


def children_named(parent: etree._Element, name: str) -> list[etree._Element]:
    """``parent``'s element children whose local name is ``name``, in order."""
    return list(parent.iterchildren("{*}" + name))


def single_value(found: list[etree._Element], owner: etree._Element) -> str:
    """The string value of the only element of ``found``; empty when there is none.

    The kit stops with an XPath type error when there are several (children of
    ``owner``): the hash is undefined then, and so is ours.
    """
    if not found:
        return ""
    if len(found) > 1:
        raise IiaNotHashableError(
            f"<{local_name(owner.tag)}> (line {owner.sourceline}) has {len(found)} "
            f"<{local_name(found[0].tag)}> elements (line {found[1].sourceline}); "
            "the kit cannot hash it, so its iia-hash is undefined",
            element=local_name(found[0].tag),
            line=found[1].sourceline,
        )
    return string_value(found[0])


@dataclass(frozen=True, slots=True)
class IiaParts:
    """The children of one ``<iia>`` that the kit (and a verifier) read, found in one scan."""

    partners: tuple[etree._Element, ...]
    #: Each partner's ``<iia-id>`` children (normally one, none when it is missing).
    partner_iia_ids: tuple[list[etree._Element], ...]
    conditions: tuple[etree._Element, ...]
    #: The declared ``<iia-hash>`` text, verbatim; ``None`` when there is none.
    declared_hash: str | None

    @classmethod
    def of(cls, iia: etree._Element) -> IiaParts:
        partners = []
        conditions = []
        declared = None
        for child in iia:
            tag = child.tag
            name = _LOCAL_NAMES.get(tag)
            if name is None:
                if not isinstance(tag, str):
                    continue
                name = local_name(tag)
            if name == PARTNER:
                partners.append(child)
            elif name == COOPERATION_CONDITIONS:
                conditions.append(child)
            elif name == IIA_HASH and declared is None:
                declared = string_value(child)
        iia_ids = tuple(list(partner.iterchildren(_ANY_IIA_ID)) for partner in partners)
        return cls(tuple(partners), iia_ids, tuple(conditions), declared)

    @property
    def hei_ids(self) -> tuple[str, ...]:
        """Each partner's ``hei-id`` (its first one; empty when it has none), in order."""
        return tuple(
            next((string_value(e) for e in partner.iterchildren(_ANY_HEI_ID)), "")
            for partner in self.partners
        )

    @property
    def iia_id(self) -> str:
        """The kit's ``<iia-id>`` output: the first partner's iia-id(s), space-separated."""
        if not self.partner_iia_ids:
            return ""
        return " ".join(string_value(i) for i in self.partner_iia_ids[0])

    def partner_pieces(self) -> list[str]:
        """``iia-id_1``, ``iia-id_2``...: one field per ``<partner>``, in order."""
        return [
            f"_iia-id_{n}={single_value(found, partner)}_"
            for n, (partner, found) in enumerate(
                zip(self.partners, self.partner_iia_ids, strict=True), start=1
            )
        ]

    def partner_fields(self) -> list[Field]:
        return [field_of(p) for p in self.partner_pieces()]

    def mobilities(self) -> Iterator[etree._Element]:
        """The children of every ``<cooperation-conditions>``, in document order."""
        for conditions in self.conditions:
            for mobility in conditions:
                if isinstance(mobility.tag, str):
                    yield mobility


def _hides_descendants(element: etree._Element, with_attributes: frozenset[etree._Element]) -> bool:
    return (element in with_attributes and element.get(NOT_YET_DEFINED) in _TRUE) or local_name(
        element.tag
    ) in CONTACTS


def _hidden_from_above(
    element_: etree._Element, with_attributes: frozenset[etree._Element]
) -> bool:
    """Whether ``element_`` or an ancestor hides all of ``element_``'s descendants."""
    element: etree._Element | None = element_
    while element is not None:
        if _hides_descendants(element, with_attributes):
            return True
        element = element.getparent()
    return False


Years = list[tuple[str, etree._Element]]


def _walk(
    parent: etree._Element,
    prefix: str,
    parent_name: str,
    with_attributes: frozenset[etree._Element],
    out: list[str],
    years: Years | None,
) -> bool:
    """Append the fields of ``parent``'s descendants; whether it has element children.

    ``prefix`` is ``GRANDPARENT.PARENT.`` for ``parent``'s children. The kit's
    per-descendant rules are evaluated top-down, so a not-yet-defined element
    or a contact prunes its whole subtree at once. When ``years`` is given (the
    mobility's own children), the academic-year children are collected there
    on the way, whatever their ``not-yet-defined``.

    This is the hot path: a plain leaf costs what lxml charges for the element,
    its tag and its text plus two set lookups; elements with children and the
    rare elements with attributes take :func:`_element`.
    """
    append = out.append
    skipped = 0
    for element in parent:
        tag = element.tag
        name = _LOCAL_NAMES.get(tag)
        if name is None:
            if not isinstance(tag, str):  # a comment or processing instruction
                skipped += 1
                continue
            name = local_name(tag)
        if len(element) or (with_attributes and element in with_attributes):
            _element(element, name, prefix, parent_name, with_attributes, out, years)
        elif name in _YEARS:  # left out here, appended after the mobility
            if years is not None:
                years.append((name, element))
        else:
            append(f"_{prefix}{name}={element.text or ''}_")
    return skipped < len(parent)


def _element(
    element: etree._Element,
    name: str,
    prefix: str,
    parent_name: str,
    with_attributes: frozenset[etree._Element],
    out: list[str],
    years: Years | None,
) -> None:
    """Append the fields of one element (any element; :func:`_walk` inlines plain leaves).

    Attributes come first, then the descendants' fields or, for a leaf, its
    value. An element with only comments and processing instructions inside is
    a leaf too: as the walk wrote nothing for its content, its value still
    comes in order.
    """
    v6_value = None
    if with_attributes and element in with_attributes:
        if element.get(NOT_YET_DEFINED) in _TRUE:  # the element and its subtree are left out
            if years is not None and name in _YEARS:
                years.append((name, element))
            return
        if name not in _YEARS:
            label = prefix + name
            for key, value in attributes(element):
                if key not in _UNWRITTEN_ATTRIBUTES:
                    out.append(f"_@{label}.{local_name(key)}={value}@_")
        if name == ISCED_CODE:
            v6_value = element.get(V6_VALUE)
    if name in _YEARS:  # left out here, appended after the mobility; not its descendants
        if years is not None:
            years.append((name, element))
        if len(element):
            _walk(element, f"{parent_name}.{name}.", name, with_attributes, out, None)
        return
    if len(element) == 0:
        leaf = True
    elif name in CONTACTS:  # a contact's descendants are never hashed
        leaf = not has_element_children(element)
    else:
        leaf = not _walk(element, f"{parent_name}.{name}.", name, with_attributes, out, None)
    if leaf:
        out.append(f"_{prefix}{name}={v6_value or string_value(element)}_")


def _year_children(mobility: etree._Element) -> Years:
    """What the walk collects in ``years``, for a mobility the walk does not enter."""
    return [
        (name, child)
        for child in mobility
        if isinstance(child.tag, str) and (name := local_name(child.tag)) in _YEARS
    ]


def _year_pieces(mobility: etree._Element, years: Years) -> list[str]:
    """The two academic-year fields the kit appends after each v7 mobility."""
    if len(years) == 2 and years[0][0] != years[1][0]:  # the usual case: one of each
        first, last = years if years[0][0] == FIRST_YEAR else years[::-1]
        return [
            f"_{FIRST_YEAR}={string_value(first[1])}_",
            f"_{LAST_YEAR}={string_value(last[1])}_",
        ]
    return [
        f"_{year}={single_value([e for name, e in years if name == year], mobility)}_"
        for year in (FIRST_YEAR, LAST_YEAR)
    ]


def hashed_pieces(
    iia: etree._Element, markers: DocumentMarkers, parts: IiaParts | None = None
) -> list[str]:
    """The fields of ``iia``'s v7 text-to-hash, rendered, in order; joined they are the text.

    ``markers`` are those of the document ``iia`` belongs to; ``parts`` saves
    a scan when the caller has them already.
    """
    if parts is None:
        parts = IiaParts.of(iia)
    out = [TERMINATED_PIECE] if markers.terminated_as_a_whole else []
    out += parts.partner_pieces()
    with_attributes = markers.with_attributes
    for conditions in parts.conditions:
        hidden = _hidden_from_above(conditions, with_attributes)
        for mobility in conditions:
            tag = mobility.tag
            if not isinstance(tag, str):
                continue
            years: Years
            if hidden or _hides_descendants(mobility, with_attributes):
                years = _year_children(mobility)
            else:
                name = local_name(tag)
                years = []
                _walk(
                    mobility,
                    f"{COOPERATION_CONDITIONS}.{name}.",
                    name,
                    with_attributes,
                    out,
                    years,
                )
            out += _year_pieces(mobility, years)
    return out


def hashed_fields(
    iia: etree._Element, markers: DocumentMarkers, parts: IiaParts | None = None
) -> list[Field]:
    """The fields of ``iia``'s v7 text-to-hash as ``(kind, label, value)``, in order."""
    return [field_of(p) for p in hashed_pieces(iia, markers, parts)]
