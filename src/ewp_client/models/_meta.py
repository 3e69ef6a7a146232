"""Field metadata that tells the codec how a model field appears in XML.

Models stay plain dataclasses: these helpers only build the ``metadata``
mapping of :func:`dataclasses.field`, which :mod:`ewp_client.codec` reads.
The order of the fields is the order of the XML sequence. A class names its
own XML element and namespace in an inner ``Meta`` class (``name`` only for
root or globally referenced elements; ``namespace`` is the default for the
element fields it declares).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

#: The key of :func:`dataclasses.field` metadata the codec reads.
XML_KEY: Final = "xml"


def element(name: str | None = None, *, namespace: str | None = None) -> Mapping[str, object]:
    """A child element (or, for a tuple, repeated child elements).

    ``name=None`` is for fields typed by one or several models that each name
    their own element in ``Meta`` (an XSD ``choice`` of global elements). Add
    :class:`~ewp_client.models.common.AnyElement` to such a union for an
    ``xs:any`` wildcard: children no listed model claims are kept verbatim.
    ``namespace=None`` means the namespace of the declaring class's ``Meta``.
    """
    return {XML_KEY: ("element", name, namespace)}


def attribute(name: str, *, namespace: str | None = None) -> Mapping[str, object]:
    """An attribute; unqualified unless ``namespace`` is given (e.g. ``xml:lang``)."""
    return {XML_KEY: ("attribute", name, namespace)}


def text() -> Mapping[str, object]:
    """The element's own text (simple content)."""
    return {XML_KEY: ("text", None, None)}
