"""Readable locations of elements, for violations and warnings."""

from __future__ import annotations

from lxml import etree

from ..errors import SchemaValidationError, Violation


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def element_path(elem: etree._Element) -> str:
    """``/root/child[2]/leaf[1]``: local names with 1-based positions among same-named siblings."""
    steps: list[str] = []
    current: etree._Element | None = elem
    while current is not None:
        tag = str(current.tag)
        parent = current.getparent()
        if parent is None:
            steps.append(local_name(tag))
        else:
            same = [c for c in parent.iterchildren(tag) if c is not None]
            steps.append(f"{local_name(tag)}[{same.index(current) + 1}]")
        current = parent
    return "/" + "/".join(reversed(steps))


def violation_error(elem: etree._Element, message: str) -> SchemaValidationError:
    """A one-violation :class:`SchemaValidationError` located at ``elem``."""
    root = elem.getroottree().getroot()
    tag = str(root.tag)
    namespace = tag[1:].partition("}")[0] if tag.startswith("{") else None
    violation = Violation(line=elem.sourceline, path=element_path(elem), message=message)
    return SchemaValidationError([violation], namespace=namespace, root=local_name(tag))
