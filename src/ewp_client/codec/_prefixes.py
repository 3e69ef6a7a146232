"""Stable namespace prefixes for the documents the encoder writes.

The root element's namespace is the default namespace; every other namespace
gets the same prefix in every document: a short conventional one where the
EWP examples use one, else the key of its bundled schema.
"""

from __future__ import annotations

import functools
from typing import Final

from ..namespaces import (
    ACADEMIC_TERM_V1_NS,
    ACADEMIC_TERM_V2_NS,
    ADDRESS_NS,
    COMMON_NS,
    CONTACT_NS,
    COURSES_NS,
    LAS_GET_NS,
    LAS_UPDATE_REQUEST_NS,
    PHONE_NS,
    REGISTRY_NS,
    SCHEMA_BY_NAMESPACE,
    SEC_INTRO_NS,
    XML_NS,
)
from ._context import namespaces_of, root_qname

_CONVENTIONAL: Final[dict[str, str]] = {
    COMMON_NS: "ewp",
    PHONE_NS: "phone",
    CONTACT_NS: "c",
    ADDRESS_NS: "a",
    ACADEMIC_TERM_V2_NS: "trm",
    ACADEMIC_TERM_V1_NS: "trm1",
    COURSES_NS: "course",
    LAS_GET_NS: "la",
    LAS_UPDATE_REQUEST_NS: "req",
    REGISTRY_NS: "r",
    SEC_INTRO_NS: "sec",
}


def prefix_for(namespace: str) -> str:
    """The prefix this library always uses for ``namespace`` (when it is not the default)."""
    conventional = _CONVENTIONAL.get(namespace)
    if conventional is not None:
        return conventional
    info = SCHEMA_BY_NAMESPACE.get(namespace)
    if info is None:
        raise ValueError(f"no bundled schema declares namespace {namespace!r}")
    return info.key


@functools.cache
def nsmap_for(cls: type) -> dict[str | None, str]:
    """Declarations for the root of a ``cls`` document: its own namespace as default, then
    the others sorted by prefix."""
    root_ns = root_qname(cls)[1:].partition("}")[0]
    others = {
        prefix_for(namespace): namespace
        for namespace in namespaces_of(cls)
        if namespace not in (root_ns, XML_NS)
    }
    return {None: root_ns, **dict(sorted(others.items()))}
