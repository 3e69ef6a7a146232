"""XML <-> model codec: one decoder, one encoder, one cached context.

Decoding checks that the root element is the one the model class declares,
parses and validates the document against its bundled schema in one pass
(:func:`ewp_client.xml.validate`, hardened as :func:`ewp_client.xml.parse_xml`)
and then maps elements and attributes onto the model's fields. Encoding does the
reverse, with the root's namespace as default namespace and a stable prefix
for every other one (:mod:`._prefixes`); :func:`encode` validates what it
wrote unless told not to.

Both directions read the same per-class :class:`~._context.ClassSpec`, built
once from the dataclass fields and their ``metadata`` (see
:mod:`ewp_client.models._meta`) and cached.

Growable enumerations
---------------------
A field typed ``SomeEnum | UnknownEnumValue`` is an enumeration the spec says
may grow (LA ``reason-code``). With ``tolerate_unknown_enums=True`` (the
default) a value our schema does not list yet is reported as an
:class:`UnknownEnumWarning` instead of failing validation, and the model keeps
it as :class:`~ewp_client.models.UnknownEnumValue` (see :mod:`._tolerance`).

What a model cannot say (yet): mixed content, and a repeated group of
several elements (``(a, b)*``); a ``choice`` between locally declared elements
is two optional fields, and the schema check on :func:`encode` enforces that
exactly one is set.

How to add a message type
-------------------------
1. Check that ``ewp_client.namespaces`` has the namespace and ``SCHEMAS`` the
   bundled schema of the document (``schemas/``); add neither here.
2. In ``ewp_client/models/<concept>.py`` write one
   ``@dataclass(frozen=True, kw_only=True, slots=True)`` class per complex
   type, fields in the XSD sequence order, each with
   ``field(metadata=element("xml-name"))``, ``attribute("name")`` or
   ``text()``. Types: ``str`` (kept verbatim), ``int``, ``Decimal``, ``bool``,
   ``date``, ``datetime``, an ``Enum``, or another model; ``X | None`` for
   ``minOccurs=0``, ``tuple[X, ...]`` (default ``()``) for repeated elements,
   ``ModelA | ModelB`` with ``element()`` (no name) for a ``choice`` of global
   elements, each model naming itself in ``Meta.name``; add ``AnyElement`` to
   that union for an ``xs:any`` wildcard. An enumeration the spec says may
   grow is typed ``SomeEnum | UnknownEnumValue``, with a ``known_<field>``
   property returning ``None`` for unknown values. An XSD extension is a
   subclass (the base's fields come first, as in XML).
3. Give each class an inner ``class Meta`` with ``namespace`` (the default
   for the element fields it declares); the document root and globally
   referenced elements also set ``name``. Elements in another namespace pass
   ``namespace=`` to ``element()``.
4. If the namespace should get a conventional prefix, add it to
   ``_prefixes._CONVENTIONAL`` (otherwise the schema key is used).
5. Re-export the root model from ``ewp_client.models`` and prove it with
   ``tests.codec.roundtrip.assert_round_trip`` on an official example or on a
   document written for the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from lxml import etree

from ..errors import UnexpectedDocumentError
from ..xml import DEFAULT_LIMITS, Document, ParserLimits, as_tree, validate
from ..xml.parser import root_tag as document_root_tag
from ..xml.parser import screen
from ._context import class_spec, root_qname
from ._decode import decode_node
from ._encode import encode_node
from ._paths import local_name
from ._prefixes import prefix_for
from ._tolerance import UnknownEnumWarning, validate_tolerating_growable

__all__ = [
    "Decoded",
    "UnknownEnumWarning",
    "decode",
    "decode_with_warnings",
    "encode",
    "encode_element",
    "prefix_for",
    "root_tag",
]

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class Decoded(Generic[M]):
    """A decoded model and the warnings its document raised (unknown growable values)."""

    model: M
    warnings: tuple[UnknownEnumWarning, ...]


def root_tag(model: type) -> str:
    """The root element a document of ``model`` has, as ``{namespace}local``."""
    return root_qname(model)


def _check_root(tag: str, model: type) -> None:
    expected = root_qname(model)
    if tag != expected:
        namespace = tag[1:].partition("}")[0] if tag.startswith("{") else None
        raise UnexpectedDocumentError(
            f"expected <{local_name(expected)}> of {model.__name__}, "
            f"got <{local_name(tag)}> in namespace {namespace!r}",
            namespace=namespace,
            root=local_name(tag),
            expected=local_name(expected),
        )


def decode_with_warnings(
    document: Document,
    model: type[M],
    *,
    tolerate_unknown_enums: bool = True,
    limits: ParserLimits = DEFAULT_LIMITS,
) -> Decoded[M]:
    """Parse, validate and decode ``document`` into a ``model`` instance, with warnings.

    Raises :class:`~ewp_client.errors.MalformedXmlError` for unacceptable
    bytes, :class:`~ewp_client.errors.UnknownDocumentError` when the root is
    not ``model``'s root element, and
    :class:`~ewp_client.errors.SchemaValidationError` for an invalid document
    (with ``tolerate_unknown_enums=False``, unknown values of growable
    enumerations included). Bytes are parsed and validated in one pass.
    """
    cls: type = model
    class_spec(cls)
    source: bytes | etree._ElementTree
    if isinstance(document, etree._Element | etree._ElementTree):
        source = as_tree(document, limits=limits)
        _check_root(str(source.getroot().tag), cls)
    else:
        source = screen(document, limits)
        _check_root(document_root_tag(source, limits=limits), cls)
    if tolerate_unknown_enums:
        tree, warnings = validate_tolerating_growable(source, cls, limits=limits)
    else:
        tree, warnings = validate(source, limits=limits), ()
    return Decoded(model=decode_node(tree.getroot(), model), warnings=warnings)


def decode(
    document: Document,
    model: type[M],
    *,
    tolerate_unknown_enums: bool = True,
    limits: ParserLimits = DEFAULT_LIMITS,
) -> M:
    """Like :func:`decode_with_warnings`, returning the model alone."""
    return decode_with_warnings(
        document, model, tolerate_unknown_enums=tolerate_unknown_enums, limits=limits
    ).model


def encode_element(model: object) -> etree._Element:
    """The model as a new lxml root element (not validated)."""
    return encode_node(model)


def encode(model: object, *, validate_output: bool = True, pretty: bool = False) -> bytes:
    """The model as a UTF-8 XML document with declaration.

    The result is validated against the bundled schema unless
    ``validate_output=False``; a model the schema refuses (a missing choice,
    an :class:`~ewp_client.models.UnknownEnumValue`) raises
    :class:`~ewp_client.errors.SchemaValidationError` instead of reaching the wire.
    """
    root = encode_node(model)
    if pretty:
        etree.indent(root)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    if validate_output:  # the bytes written, so that violations give their lines
        validate(data, limits=ParserLimits(max_bytes=max(len(data), DEFAULT_LIMITS.max_bytes)))
    return data
