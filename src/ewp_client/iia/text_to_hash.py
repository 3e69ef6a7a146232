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

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Final, NamedTuple

from lxml import etree

from ..errors import IiaError

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

# Over attributes rather than elements: libxml2 evaluates this form several times faster.
_marked_not_valid = etree.XPath(
    "boolean(//@not-yet-defined[.='true' or .='1'] | //@v6-value[.!=''])"
)


class FieldKind(Enum):
    """How a field is written in the text."""

    ELEMENT = "element"  # _label=value_
    ATTRIBUTE = "attribute"  # _@label=value@_
    MARKER = "marker"  # _@label@_


class HashedField(NamedTuple):
    """One field of the text-to-hash, in the order the text holds it."""

    kind: FieldKind
    label: str
    value: str

    def render(self) -> str:
        if self.kind is FieldKind.ELEMENT:
            return f"_{self.label}={self.value}_"
        if self.kind is FieldKind.ATTRIBUTE:
            return f"_@{self.label}={self.value}@_"
        return f"_@{self.label}@_"


ELEMENT: Final = FieldKind.ELEMENT
ATTRIBUTE: Final = FieldKind.ATTRIBUTE


def render(fields: list[HashedField] | tuple[HashedField, ...]) -> str:
    """The text-to-hash made of ``fields``."""
    return "".join(field.render() for field in fields)


@dataclass(frozen=True, slots=True)
class DocumentMarkers:
    """What the kit reads from the whole response rather than from one ``<iia>``."""

    terminated_as_a_whole: bool
    valid_for_approval: bool

    @classmethod
    def of(cls, root: etree._Element) -> DocumentMarkers:
        terminated = any(
            local_name(key) == TERMINATED and value in _TRUE
            for conditions in root.iter(f"{{*}}{COOPERATION_CONDITIONS}")
            for key, value in conditions.attrib.items()
        )
        return cls(
            terminated_as_a_whole=terminated,
            valid_for_approval=not _marked_not_valid(root),
        )


_LOCAL_NAMES: dict[str, str] = {}
_LOCAL_NAMES_LIMIT: Final = 4096


def local_name(tag: str) -> str:
    """``{ns}name`` or ``name`` -> ``name`` (memoised: an IIA has few distinct tags)."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < _LOCAL_NAMES_LIMIT:
            _LOCAL_NAMES[tag] = name
    return name


def string_value(element: etree._Element) -> str:
    """The XPath string value: all descendant text, untrimmed, comments skipped."""
    if len(element) == 0:
        return element.text or ""
    return "".join(element.itertext())


def iias(root: etree._Element) -> Iterator[etree._Element]:
    """Every ``iia`` element of the document (any namespace, any depth), in document order."""
    return root.iter("{*}iia")


def first_partner_iia_id(iia: etree._Element) -> str:
    """The kit's ``<iia-id>`` output: the first partner's iia-id(s), space-separated."""
    partner = next(iia.iterchildren("{*}partner"), None)
    if partner is None:
        return ""
    return " ".join(string_value(i) for i in partner.iterchildren("{*}iia-id"))


def single_value(parent: etree._Element, name: str, what: str) -> str:
    """The string value of ``parent``'s only child ``name``; empty when it has none.

    The kit stops with an XPath type error when there are several: the hash is
    undefined then, and so is ours.
    """
    found = list(parent.iterchildren(f"{{*}}{name}"))
    if not found:
        return ""
    if len(found) > 1:
        raise IiaError(
            f"{what} has {len(found)} <{name}> elements (line {found[1].sourceline}); "
            "the iia-hash is undefined for it"
        )
    return string_value(found[0])


def partner_fields(iia: etree._Element) -> list[HashedField]:
    """``iia-id_1``, ``iia-id_2``...: one field per ``<partner>``, in order."""
    return [
        HashedField(
            FieldKind.ELEMENT, f"iia-id_{n}", single_value(partner, "iia-id", f"partner {n}")
        )
        for n, partner in enumerate(iia.iterchildren("{*}partner"), start=1)
    ]


def mobilities(iia: etree._Element) -> Iterator[etree._Element]:
    """The children of every ``<cooperation-conditions>`` of ``iia``, in document order."""
    for conditions in iia.iterchildren(f"{{*}}{COOPERATION_CONDITIONS}"):
        yield from conditions.iterchildren("*")


def _is_not_yet_defined(element: etree._Element) -> bool:
    return element.get(NOT_YET_DEFINED) in _TRUE


def _blocked_from_above(mobility: etree._Element) -> bool:
    """Whether the mobility itself or an ancestor hides all the mobility's descendants."""
    for element in (mobility, *mobility.iterancestors()):
        if _is_not_yet_defined(element) or local_name(element.tag) in CONTACTS:
            return True
    return False


def has_element_children(element: etree._Element) -> bool:
    """``count(*) > 0``: comments and processing instructions are not children that count."""
    if len(element) == 0:
        return False
    return isinstance(element[0].tag, str) or next(element.iterchildren("*"), None) is not None


def _walk_v7(parent: etree._Element, grandparent_name: str, out: list[HashedField]) -> None:
    # Hot path: the kit's per-descendant rules, evaluated top-down so that a
    # not-yet-defined element or a contact prunes its whole subtree at once.
    parent_name = local_name(parent.tag)
    prefix = f"{grandparent_name}.{parent_name}."
    for element in parent.iterchildren("*"):
        attributes = element.items()
        if attributes and element.get(NOT_YET_DEFINED) in _TRUE:
            continue
        name = _LOCAL_NAMES.get(element.tag) or local_name(element.tag)
        has_children = has_element_children(element)
        if name not in _YEARS:
            label = prefix + name
            for key, value in attributes:
                if key not in _UNWRITTEN_ATTRIBUTES:
                    out.append(HashedField(ATTRIBUTE, f"{label}.{local_name(key)}", value))
            if not has_children:
                value = element.get(V6_VALUE) if attributes and name == ISCED_CODE else None
                out.append(HashedField(ELEMENT, label, value or string_value(element)))
        if has_children and name not in CONTACTS:
            _walk_v7(element, parent_name, out)


def hashed_fields(iia: etree._Element, markers: DocumentMarkers) -> list[HashedField]:
    """The fields of ``iia``'s v7 text-to-hash, in order (see the module docstring)."""
    out: list[HashedField] = []
    if markers.terminated_as_a_whole:
        out.append(HashedField(FieldKind.MARKER, TERMINATED, ""))
    out.extend(partner_fields(iia))
    for mobility in mobilities(iia):
        if not _blocked_from_above(mobility):
            _walk_v7(mobility, COOPERATION_CONDITIONS, out)
        where = f"mobility <{local_name(mobility.tag)}> (line {mobility.sourceline})"
        out.append(HashedField(FieldKind.ELEMENT, FIRST_YEAR, single_value(mobility, FIRST_YEAR, where)))
        out.append(HashedField(FieldKind.ELEMENT, LAST_YEAR, single_value(mobility, LAST_YEAR, where)))
    return out
