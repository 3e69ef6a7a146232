"""The shared codec context: one :class:`ClassSpec` per model class, computed once.

A spec says, for each dataclass field, whether it is an element, an attribute
or the element's text, its qualified XML name (Clark notation,
``{namespace}local``), whether it repeats, and how to turn its text into a
Python value. Decoder and encoder both read these specs; nothing else in the
codec looks at type hints or field metadata.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from ..models._meta import XML_KEY
from ..models.common import AnyElement, UnknownEnumValue

FieldKind = Literal["element", "attribute", "text"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one dataclass field maps to XML.

    ``types`` lists the accepted value types: one leaf type (``str``, ``int``,
    an enum, ...), or one or several model classes. For a field typed by
    several models (an XSD choice) ``qnames`` gives each model's element name.
    ``growable`` marks an enumeration whose unknown values are kept as
    :class:`~ewp_client.models.UnknownEnumValue`; ``wildcard`` a field that
    also takes, as :class:`~ewp_client.models.AnyElement`, every child element
    no model claims (``xs:any``).
    """

    name: str
    kind: FieldKind
    qname: str | None
    many: bool
    required: bool
    types: tuple[type, ...]
    is_model: bool
    growable: bool
    wildcard: bool
    qnames: tuple[tuple[str, type], ...]


@dataclass(frozen=True, slots=True)
class ClassSpec:
    """All field specs of one model class, plus a child-element lookup table."""

    cls: type
    qname: str | None
    namespace: str | None
    fields: tuple[FieldSpec, ...]
    children: dict[str, tuple[FieldSpec, type]]
    wildcard: FieldSpec | None
    attributes: tuple[FieldSpec, ...]
    text: FieldSpec | None


def clark(namespace: str | None, local: str) -> str:
    return f"{{{namespace}}}{local}" if namespace else local


def meta_of(cls: type) -> tuple[str | None, str | None]:
    """``(name, namespace)`` from the class's ``Meta``, each possibly ``None``."""
    meta = getattr(cls, "Meta", None)
    return getattr(meta, "name", None), getattr(meta, "namespace", None)


def root_qname(cls: type) -> str:
    """The qualified element name a model class declares for itself."""
    name, namespace = meta_of(cls)
    if name is None:
        raise TypeError(f"{cls.__name__} has no Meta.name: it is not a document")
    return clark(namespace, name)


def _unwrap(hint: Any) -> tuple[bool, bool, tuple[Any, ...]]:
    """``(many, optional, member types)`` of a field's type hint."""
    many = False
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"use tuple[X, ...] for repeated fields, not {hint}")
        many, hint = True, args[0]
    members: tuple[Any, ...]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = typing.get_args(hint)
    else:
        members = (hint,)
    optional = type(None) in members
    return many, optional, tuple(m for m in members if m is not type(None))


def _field_spec(owner: type, f: dataclasses.Field[Any], hint: Any) -> FieldSpec:
    meta = f.metadata.get(XML_KEY)
    if meta is None:
        raise TypeError(f"{owner.__name__}.{f.name} has no XML metadata")
    kind, local, namespace = meta
    many, optional, members = _unwrap(hint)
    growable = UnknownEnumValue in members
    if growable:
        members = tuple(m for m in members if m is not UnknownEnumValue)
        if len(members) != 1 or not issubclass(members[0], Enum):
            raise TypeError(f"{owner.__name__}.{f.name}: UnknownEnumValue needs an enum")
    wildcard = AnyElement in members
    if wildcard:
        if kind != "element" or local is not None:
            raise TypeError(f"{owner.__name__}.{f.name}: AnyElement needs an unnamed element()")
        members = tuple(m for m in members if m is not AnyElement)
    is_model = all(dataclasses.is_dataclass(m) for m in members)
    if not is_model and len(members) != 1:
        raise TypeError(f"{owner.__name__}.{f.name}: unsupported union {hint}")
    has_default = (
        f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    )
    qname: str | None = None
    qnames: tuple[tuple[str, type], ...] = ()
    if kind == "element" and local is None:
        if not is_model:
            raise TypeError(f"{owner.__name__}.{f.name}: unnamed leaf element")
        qnames = tuple((root_qname(m), m) for m in members)
    elif kind == "element":
        qname = clark(namespace or meta_of(owner)[1], local)
        if len(members) > 1:
            raise TypeError(f"{owner.__name__}.{f.name}: a named element has one type")
        qnames = ((qname, members[0]),)
    elif kind == "attribute":
        qname = clark(namespace, local)
    return FieldSpec(
        name=f.name,
        kind=kind,
        qname=qname,
        many=many,
        required=not (optional or many or has_default),
        types=tuple(members),
        is_model=is_model,
        growable=growable,
        wildcard=wildcard,
        qnames=qnames,
    )


@functools.cache
def class_spec(cls: type) -> ClassSpec:
    """The (cached) XML mapping of a model class."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a model dataclass")
    hints = typing.get_type_hints(cls)
    specs = tuple(_field_spec(cls, f, hints[f.name]) for f in dataclasses.fields(cls))
    children: dict[str, tuple[FieldSpec, type]] = {}
    for spec in specs:
        for qname, member in spec.qnames:
            if qname in children:
                raise TypeError(f"{cls.__name__}: two fields for element {qname}")
            children[qname] = (spec, member)
    wildcards = [s for s in specs if s.wildcard]
    if len(wildcards) > 1:
        raise TypeError(f"{cls.__name__}: at most one field may take AnyElement")
    texts = [s for s in specs if s.kind == "text"]
    if len(texts) > 1 or (texts and (children or wildcards)):
        raise TypeError(f"{cls.__name__}: simple content has one text, no children")
    name, namespace = meta_of(cls)
    return ClassSpec(
        cls=cls,
        qname=clark(namespace, name) if name else None,
        namespace=namespace,
        fields=specs,
        children=children,
        wildcard=wildcards[0] if wildcards else None,
        attributes=tuple(s for s in specs if s.kind == "attribute"),
        text=texts[0] if texts else None,
    )


def reachable_classes(cls: type) -> tuple[type, ...]:
    """``cls`` and every model class its fields lead to, each once, in discovery order."""
    return _reachable(cls)


@functools.cache
def _reachable(cls: type) -> tuple[type, ...]:
    seen: dict[type, None] = {}
    stack = [cls]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen[current] = None
        for spec in class_spec(current).fields:
            if spec.is_model:
                stack.extend(reversed(spec.types))
    return tuple(seen)


@functools.cache
def namespaces_of(cls: type) -> tuple[str, ...]:
    """Every namespace an element or attribute of a ``cls`` document may be in."""
    found: dict[str, None] = {}
    for current in reachable_classes(cls):
        spec = class_spec(current)
        if spec.qname and spec.namespace:
            found[spec.namespace] = None
        for f in spec.fields:
            names = [q for q, _ in f.qnames] + ([f.qname] if f.qname else [])
            for q in names:
                if q.startswith("{"):
                    found[q[1:].partition("}")[0]] = None
    return tuple(found)
