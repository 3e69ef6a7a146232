"""The one generic decoder: a schema-valid element tree -> a model instance."""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

from ..models.common import AnyElement
from ..xml.paths import string_value
from ._context import FieldSpec, class_spec
from ._paths import local_name, violation_error
from ._values import from_text


def _text(node: etree._Element) -> str:
    """The element's character data; comments and processing instructions are skipped."""
    return string_value(node)


def _leaf(raw: str, spec: FieldSpec, where: etree._Element) -> Any:
    try:
        return from_text(raw, spec.types[0], growable=spec.growable)
    except (ValueError, ArithmeticError) as exc:  # a value Python cannot hold (year 0, ...)
        raise violation_error(where, f"{spec.name}: {exc}") from exc


def keep_verbatim(node: etree._Element) -> AnyElement:
    """An unmodelled element as exclusive canonical XML (its own namespaces only).

    libxml2 refuses to canonicalise relative namespace URIs; such an element
    is kept in lxml's plain serialisation instead.
    """
    try:
        xml = etree.tostring(node, method="c14n", exclusive=True, with_comments=False)
    except etree.C14NError:
        clone = copy.deepcopy(node)
        clone.tail = None
        xml = etree.tostring(clone)
    return AnyElement(tag=str(node.tag), xml=xml)


def decode_node(node: etree._Element, cls: type) -> Any:
    """Build a ``cls`` instance from ``node`` (already validated against its schema)."""
    spec = class_spec(cls)
    kwargs: dict[str, Any] = {}
    for attr in spec.attributes:
        assert attr.qname is not None
        raw = node.get(attr.qname)
        if raw is not None:
            kwargs[attr.name] = _leaf(raw, attr, node)
    if spec.text is not None:
        kwargs[spec.text.name] = _leaf(_text(node), spec.text, node)
    repeated: dict[str, list[Any]] = {}
    for child in node.iterchildren(etree.Element):
        entry = spec.children.get(str(child.tag))
        value: Any
        if entry is not None:
            field, member = entry
            value = (
                decode_node(child, member) if field.is_model else _leaf(_text(child), field, child)
            )
        elif spec.wildcard is not None:
            field, value = spec.wildcard, keep_verbatim(child)
        else:
            raise violation_error(
                child, f"<{local_name(str(child.tag))}> is not part of {cls.__name__}"
            )
        if field.many:
            repeated.setdefault(field.name, []).append(value)
        elif field.name in kwargs:
            raise violation_error(child, f"{cls.__name__}.{field.name} occurs more than once")
        else:
            kwargs[field.name] = value
    for name, values in repeated.items():
        kwargs[name] = tuple(values)
    missing = [f.name for f in spec.fields if f.required and f.name not in kwargs]
    if missing:
        raise violation_error(node, f"{cls.__name__} lacks {', '.join(missing)}")
    return cls(**kwargs)
