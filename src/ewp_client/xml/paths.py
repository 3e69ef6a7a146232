"""Readable locations of elements: what violations and warnings point at."""

from __future__ import annotations

from lxml import etree


def local_name(tag: str) -> str:
    """``{namespace}name`` or ``name`` -> ``name``."""
    return tag.rpartition("}")[2]


def _position(element: etree._Element) -> int:
    """1-based position of ``element`` among its same-named siblings (counted by libxml2)."""
    tag = str(element.tag)
    return 1 + sum(1 for _ in element.itersiblings(tag, preceding=True))


def element_path(element: etree._Element) -> str:
    """``/root/child[2]/leaf[1]``: local names with 1-based positions among same-named siblings.

    Costs the element's depth plus its preceding same-named siblings (and
    theirs at each level), never a walk over the whole document.
    """
    steps: list[str] = []
    current: etree._Element | None = element
    while current is not None:
        name = local_name(str(current.tag))
        parent = current.getparent()
        steps.append(name if parent is None else f"{name}[{_position(current)}]")
        current = parent
    return "/" + "/".join(reversed(steps))


def counterpart(element: etree._Element, root: etree._Element) -> etree._Element | None:
    """The element of the tree under ``root`` standing where ``element`` stands in its own tree.

    Both trees must hold the same document (one parsed from the other's
    serialisation); ``None`` when they differ there.
    """
    steps: list[tuple[str, int]] = []
    current: etree._Element | None = element
    while current is not None and current.getparent() is not None:
        steps.append((str(current.tag), _position(current)))
        current = current.getparent()
    found: etree._Element | None = root
    for tag, position in reversed(steps):
        if found is None:
            return None
        found = next(
            (child for n, child in enumerate(found.iterchildren(tag), 1) if n == position), None
        )
    return found
