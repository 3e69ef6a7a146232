"""Growable enumerations: an unknown value is a warning, not an invalid document.

Some enumerations (the LA component ``reason-code``) may gain values in later
releases of an API, and the spec tells clients to treat a value they do not
know as if it were absent. Our schemas list only the values known today, so a
partner already using a newer one sends a document our validator rejects.

When validation fails, we look for such values at the places the target
model marks as growable (fields typed ``SomeEnum | UnknownEnumValue``), remove
them from a copy of the document (an absent attribute or optional element is
exactly what the spec says to assume) and validate the copy. If the copy is
valid, the document is accepted with one :class:`UnknownEnumWarning` per value;
otherwise the copy's violations are raised, so the error lists only the real
problems. The model is decoded from the original document and keeps each raw
value as :class:`~ewp_client.models.UnknownEnumValue`.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from enum import Enum
from typing import cast

from lxml import etree

from ..errors import SchemaValidationError
from ..xml import DEFAULT_LIMITS, ParserLimits, as_tree, validate
from ..xml.paths import string_value
from ._context import class_spec, reachable_classes, root_qname
from ._paths import element_path, local_name


@dataclass(frozen=True, slots=True)
class UnknownEnumWarning:
    """A growable enumeration holds a value this library does not know.

    ``name`` is the attribute or element name (``reason-code``), ``path`` and
    ``line`` locate the element carrying it, ``known`` lists the values known.
    """

    line: int | None
    path: str
    name: str
    value: str
    known: tuple[str, ...]

    def __str__(self) -> str:
        where = self.line if self.line is not None else "?"
        return (
            f"{where}: {self.path}: unknown {self.name} {self.value!r}, treated as absent "
            f"(known: {', '.join(self.known)})"
        )


@dataclass(frozen=True, slots=True)
class _Growable:
    element: str  # qualified name of the element holding the value
    attribute: str | None  # the attribute holding it, or None for the element's text
    known: frozenset[str]
    ordered: tuple[str, ...]


@functools.cache
def _growables(cls: type) -> tuple[_Growable, ...]:
    """Every place in a ``cls`` document where a growable enumeration's value may stand."""
    classes = reachable_classes(cls)
    occurs: dict[type, set[str]] = {cls: {root_qname(cls)}}
    for current in classes:
        for f in class_spec(current).fields:
            for qname, member in f.qnames if f.is_model else ():
                occurs.setdefault(member, set()).add(qname)
    found: list[_Growable] = []
    for current in classes:
        for f in class_spec(current).fields:
            if not f.growable:
                continue
            enum_type = cast("type[Enum]", f.types[0])
            values = tuple(str(m.value) for m in enum_type)
            places: list[tuple[str, str | None]]
            if f.kind == "element":
                assert f.qname is not None
                places = [(f.qname, None)]
            else:
                places = [(q, f.qname) for q in sorted(occurs.get(current, ()))]
            found.extend(_Growable(e, a, frozenset(values), values) for e, a in places)
    return tuple(found)


def _unknown_values(
    root: etree._Element, growables: tuple[_Growable, ...]
) -> list[tuple[etree._Element, _Growable, str]]:
    hits: list[tuple[etree._Element, _Growable, str]] = []
    for g in growables:
        for elem in root.iter(g.element):
            raw = elem.get(g.attribute) if g.attribute else string_value(elem)
            if raw is not None and raw.strip() not in g.known:
                hits.append((elem, g, raw.strip()))
    return hits


def validate_tolerating_growable(
    document: bytes | etree._ElementTree, cls: type, *, limits: ParserLimits = DEFAULT_LIMITS
) -> tuple[etree._ElementTree, tuple[UnknownEnumWarning, ...]]:
    """Validate ``document`` and return its tree; unknown growable values become warnings."""
    try:
        return validate(document, limits=limits), ()
    except SchemaValidationError:
        tree = as_tree(document, limits=limits)  # bytes: parsed again, on this path only
        hits = _unknown_values(tree.getroot(), _growables(cls))
        if not hits:
            raise
    neutral = copy.deepcopy(tree.getroot())
    targets = []
    for elem, g, _ in hits:
        matches = neutral.xpath(tree.getpath(elem))
        assert isinstance(matches, list)
        targets.append((matches[0], g))
    for target, g in targets:
        if not isinstance(target, etree._Element):
            continue
        if g.attribute is not None:
            target.attrib.pop(g.attribute, None)
        elif (parent := target.getparent()) is not None:
            parent.remove(target)
    validate(neutral)
    warnings = tuple(
        UnknownEnumWarning(
            line=elem.sourceline,
            path=element_path(elem),
            name=local_name(g.attribute or g.element),
            value=value,
            known=g.ordered,
        )
        for elem, g, value in hits
    )
    return tree, warnings
