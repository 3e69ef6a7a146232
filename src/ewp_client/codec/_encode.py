"""The one generic encoder: a model instance -> an lxml element tree."""

from __future__ import annotations

from lxml import etree

from ..models.common import AnyElement
from ..xml import parse_xml
from ._context import ClassSpec, class_spec, root_qname
from ._prefixes import nsmap_for
from ._values import to_text


def _child_class(declared: tuple[type, ...], item: object, field: str) -> type:
    """The model class whose spec encodes ``item``: the declared one it is an instance of."""
    for cls in declared:
        if type(item) is cls:
            return cls
    for cls in declared:
        if isinstance(item, cls):
            return cls
    names = " | ".join(c.__name__ for c in declared)
    raise TypeError(f"{field} holds a {type(item).__name__}, expected {names}")


def _restore(item: AnyElement) -> etree._Element:
    """The element an :class:`AnyElement` keeps (parsed with the hardened parser)."""
    return parse_xml(item.xml).getroot()


def fill_node(node: etree._Element, model: object, spec: ClassSpec) -> None:
    """Write ``model``'s fields into ``node``: attributes, text and children in field order."""
    for f in spec.fields:
        value = getattr(model, f.name)
        if value is None:
            continue
        if f.kind == "attribute":
            assert f.qname is not None
            node.set(f.qname, to_text(value))
        elif f.kind == "text":
            node.text = to_text(value)
        else:
            items = value if f.many else (value,)
            for item in items:
                if isinstance(item, AnyElement) and f.wildcard:
                    node.append(_restore(item))
                elif f.is_model:
                    cls = _child_class(f.types, item, f"{spec.cls.__name__}.{f.name}")
                    child = etree.SubElement(node, f.qname or root_qname(cls))
                    fill_node(child, item, class_spec(cls))
                else:
                    assert f.qname is not None
                    etree.SubElement(node, f.qname).text = to_text(item)


def encode_node(model: object) -> etree._Element:
    """A new root element for ``model`` (whose class has a ``Meta.name``)."""
    cls: type = type(model)
    root = etree.Element(root_qname(cls), nsmap=nsmap_for(cls))
    fill_node(root, model, class_spec(cls))
    etree.cleanup_namespaces(root)
    return root
