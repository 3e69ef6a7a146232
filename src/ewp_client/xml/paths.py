"""Readable locations of elements: what violations and warnings point at."""

from __future__ import annotations

from lxml import etree

_STRING_VALUE = etree.XPath("string()", smart_strings=False)


def string_value(element: etree._Element) -> str:
    """The XPath string value: all descendant text, untrimmed, comments skipped.

    Read by libxml2 in one pass: lxml's ``itertext()`` is quadratic in the
    comments or processing instructions splitting a value.
    """
    if len(element) == 0:
        return element.text or ""
    return str(_STRING_VALUE(element))


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


class ElementPaths:
    """:func:`element_path` for many elements of one tree, in document order, sharing work.

    Each path is built on its parent's (kept), and a position is counted from
    the last same-named sibling already placed: n violations among n siblings
    cost O(n), not O(n²).
    """

    def __init__(self) -> None:
        self._paths: dict[etree._Element, str] = {}
        self._last: dict[tuple[etree._Element, str], tuple[etree._Element, int]] = {}
        self._names: dict[str, str] = {}

    def __call__(self, element: etree._Element) -> str:
        found = self._paths.get(element)
        if found is not None:
            return found
        tag = str(element.tag)
        name = self._names.get(tag)
        if name is None:
            name = self._names[tag] = local_name(tag)
        parent = element.getparent()
        if parent is None:
            path = "/" + name
        else:
            above = self._paths.get(parent)
            if above is None:
                above = self(parent)
            path = f"{above}/{name}[{self._position(element, parent, tag)}]"
        self._paths[element] = path
        return path

    def _position(self, element: etree._Element, parent: etree._Element, tag: str) -> int:
        key = (parent, tag)
        last = self._last.get(key)
        if last is not None and element.getprevious() is last[0]:
            count = last[1] + 1  # the sibling just before was placed: the common case
        else:
            count = 1
            for sibling in element.itersiblings(tag, preceding=True):
                if last is not None and sibling is last[0]:
                    count += last[1]
                    break
                count += 1
        self._last[key] = (element, count)
        return count


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
