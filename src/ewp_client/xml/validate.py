"""Validate EWP documents against the bundled schemas, offline.

The verdict comes from libxml2 (through lxml) with the schema compiled once per
thread and cached: that is as fast as validating gets in Python. libxml2 stops
at the first error of a content model and its messages are terse, so when a
document is invalid we compute the diagnostics a second time with xmlschema on
the same bundled schemas, which lists every violation with its line, element
path and the rule broken. Valid documents never pay for that.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

from lxml import etree

from ..errors import SchemaValidationError, UnknownDocumentError, Violation
from ..namespaces import SCHEMAS, SchemaInfo
from .parser import DEFAULT_LIMITS, ParserLimits, parse_xml
from .schemas import schema_for, schema_path

_local = threading.local()

Document = bytes | etree._Element | etree._ElementTree


def _validator(info: SchemaInfo) -> etree.XMLSchema:
    """The compiled schema for ``info``; one per thread, as lxml keeps an error log per object."""
    cache: dict[str, etree.XMLSchema] | None = getattr(_local, "validators", None)
    if cache is None:
        cache = _local.validators = {}
    validator = cache.get(info.key)
    if validator is None:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        validator = etree.XMLSchema(etree.parse(str(schema_path(info)), parser))
        cache[info.key] = validator
    return validator


def _split(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def schema_of(root: etree._Element) -> SchemaInfo:
    """The bundled schema for ``root``'s namespace, or :class:`UnknownDocumentError`."""
    namespace, local = _split(root.tag) if isinstance(root.tag, str) else (None, "?")
    info = schema_for(namespace) if namespace is not None else None
    if info is None:
        where = f"namespace {namespace!r}" if namespace else "no namespace"
        raise UnknownDocumentError(
            f"no bundled EWP schema for <{local}> in {where}", namespace=namespace, root=local
        )
    return info


def _as_tree(document: Document, limits: ParserLimits) -> etree._ElementTree:
    if isinstance(document, etree._ElementTree):
        return document
    if isinstance(document, etree._Element):
        return document.getroottree()
    return parse_xml(document, limits=limits)


def validate(
    document: Document,
    *,
    schema: SchemaInfo | None = None,
    limits: ParserLimits = DEFAULT_LIMITS,
) -> etree._ElementTree:
    """Validate an EWP document and return its parsed tree.

    ``document`` is raw bytes (parsed with the hardened parser) or an lxml
    element/tree. The schema is chosen by the root element's namespace unless
    ``schema`` is given. Raises :class:`~ewp_client.errors.MalformedXmlError`
    (or a subclass) for bytes that are not acceptable XML,
    :class:`~ewp_client.errors.UnknownDocumentError` when no bundled schema
    declares the root, and :class:`~ewp_client.errors.SchemaValidationError`
    listing every violation otherwise.
    """
    tree = _as_tree(document, limits)
    root = tree.getroot()
    info = schema if schema is not None else schema_of(root)
    validator = _validator(info)
    if validator.validate(tree):
        return tree
    fast_log = [
        Violation(line=e.line or None, path=e.path or "/", message=e.message)
        for e in validator.error_log
    ]
    violations = diagnose(tree, info) or fast_log
    _, local = _split(root.tag) if isinstance(root.tag, str) else (None, "?")
    raise SchemaValidationError(violations, namespace=info.namespace, root=local)


def is_valid(
    document: Document,
    *,
    schema: SchemaInfo | None = None,
    limits: ParserLimits = DEFAULT_LIMITS,
) -> bool:
    """The verdict alone: True when ``document`` is known and schema-valid.

    No diagnostics are computed. Bytes that are not acceptable XML still raise
    :class:`~ewp_client.errors.MalformedXmlError`.
    """
    tree = _as_tree(document, limits)
    try:
        info = schema if schema is not None else schema_of(tree.getroot())
    except UnknownDocumentError:
        return False
    return bool(_validator(info).validate(tree))


@functools.cache
def _xmlschema(key: str) -> Any:
    import xmlschema

    info = next(s for s in SCHEMAS if s.key == key)
    return xmlschema.XMLSchema10(str(schema_path(info)), allow="local", defuse="always")


_diag_lock = threading.Lock()


def diagnose(tree: etree._ElementTree, info: SchemaInfo) -> list[Violation]:
    """Every violation xmlschema finds in ``tree``, with line, path and reason."""
    with _diag_lock:
        schema = _xmlschema(info.key)
        errors = list(schema.iter_errors(tree))
    prefixes = {ns: p for p, ns in tree.getroot().nsmap.items() if ns}
    out: list[Violation] = []
    for error in errors:
        line = _line_of(error)
        reason = _readable(error.reason or error.message, prefixes)
        out.append(Violation(line=line, path=error.path or "/", message=reason))
    return out


def _line_of(error: Any) -> int | None:
    """The source line of the offending element: the child an error names, else the element."""
    elem = getattr(error, "elem", None)
    if elem is None:
        return None
    index = getattr(error, "index", None)
    if isinstance(index, int):
        children = [c for c in elem if isinstance(c.tag, str)]
        if 0 <= index < len(children):
            elem = children[index]
    line = getattr(elem, "sourceline", None)
    return line if isinstance(line, int) else None


_CLARK = re.compile(r"\{([^}]*)\}([\w.-]+)")


def _readable(text: str, prefixes: dict[str, str | None]) -> str:
    """One line, with ``{namespace}name`` shown as the document's own ``prefix:name``."""

    def short(m: re.Match[str]) -> str:
        prefix = prefixes.get(m[1], "?")
        if prefix is None:
            return m[2]
        return f"{prefix}:{m[2]}" if prefix != "?" else m[0]

    return _CLARK.sub(short, " ".join(text.split()))
