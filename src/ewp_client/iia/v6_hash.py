"""The text-to-hash of an IIA v6, as the official migration kit builds it.

IIAs v6 had no ``iia-hash``; the kit's ``transform_version_6.xsl`` gives a v6
agreement the text that the same agreement would have once served as v7, so that
a partner can tell whether a v7 copy still says what the approved v6 copy said.
It differs from the v7 text (:mod:`ewp_client.iia.text_to_hash`) in that:

* attributes are never written, and there is no ``terminated-as-a-whole``
  marker, ``not-yet-defined`` or ``v6-value`` handling;
* every ``receiving-academic-year-id`` is left out of the walk, and after each
  mobility the first and the last of its ``receiving-academic-year-id``
  children are appended as ``receiving-first-academic-year-id`` and
  ``receiving-last-academic-year-id`` (empty when there are none).

The kit writes no ``valid-for-approval`` for v6, which reads as valid: an
unmodified v6 agreement may always be approved.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from .text_to_hash import (
    CONTACTS,
    COOPERATION_CONDITIONS,
    ELEMENT,
    FIRST_YEAR,
    LAST_YEAR,
    Field,
    IiaParts,
    children_named,
    has_element_children,
    local_name,
    string_value,
)

ACADEMIC_YEAR: Final = "receiving-academic-year-id"


def _walk_v6(
    parent: etree._Element, parent_name: str, grandparent_name: str, out: list[Field]
) -> bool:
    """Append the fields of ``parent``'s descendants; whether it has element children.

    Same traversal as the v7 walk (:mod:`ewp_client.iia.text_to_hash`), without
    attributes or markers.
    """
    prefix = f"{grandparent_name}.{parent_name}."
    found = False
    for element in parent:
        tag = element.tag
        if not isinstance(tag, str):  # a comment or processing instruction
            continue
        found = True
        name = local_name(tag)
        if len(element) == 0:
            leaf = True
        elif name in CONTACTS:
            leaf = not has_element_children(element)
        else:
            leaf = not _walk_v6(element, name, parent_name, out)
        if leaf and name != ACADEMIC_YEAR:
            out.append((ELEMENT, prefix + name, string_value(element)))
    return found


def _inside_contact(mobility: etree._Element) -> bool:
    element: etree._Element | None = mobility
    while element is not None:
        if local_name(element.tag) in CONTACTS:
            return True
        element = element.getparent()
    return False


def hashed_fields_v6(iia: etree._Element, parts: IiaParts | None = None) -> list[Field]:
    """The fields of a v6 ``iia``'s text-to-hash, in order (see the module docstring)."""
    if parts is None:
        parts = IiaParts.of(iia)
    out = parts.partner_fields()
    for mobility in parts.mobilities():
        if not _inside_contact(mobility):
            _walk_v6(mobility, local_name(mobility.tag), COOPERATION_CONDITIONS, out)
        years = children_named(mobility, ACADEMIC_YEAR)
        first = string_value(years[0]) if years else ""
        last = string_value(years[-1]) if years else ""
        out += [(ELEMENT, FIRST_YEAR, first), (ELEMENT, LAST_YEAR, last)]
    return out
