"""Readable locations of elements, for violations and warnings."""

from __future__ import annotations

from lxml import etree

from ..errors import SchemaValidationError, Violation
from ..xml.paths import element_path, local_name
from ..xml.schema_issues import schema_error

__all__ = ["element_path", "local_name", "violation_error"]


def violation_error(elem: etree._Element, message: str) -> SchemaValidationError:
    """A one-violation :class:`SchemaValidationError` located at ``elem``."""
    root = elem.getroottree().getroot()
    tag = str(root.tag)
    namespace = tag[1:].partition("}")[0] if tag.startswith("{") else None
    violation = Violation(line=elem.sourceline, path=element_path(elem), message=message)
    return schema_error([violation], namespace=namespace, root=local_name(tag))
