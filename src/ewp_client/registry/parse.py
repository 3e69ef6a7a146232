"""Catalogue XML -> :class:`Catalogue`.

The bytes go through the one hardened parser (no DTD, no entities, no
network). The reader is lenient where the Registry's data may be imperfect
(an entry without ``version``, a non-EWP API with nested content) and strict
where trust depends on it: a published key whose bytes do not hash to its
declared fingerprint is dropped, never indexed under that fingerprint.
"""

from __future__ import annotations

import base64
import binascii

from lxml import etree

from ..errors import UnknownDocumentError
from ..namespaces import COMMON_NS, REGISTRY_NS, SEC_INTRO_NS, XML_NS
from ..security.keys import key_fingerprint
from ..xml.parser import parse_xml
from .catalogue import Catalogue
from .model import (
    ApiEntry,
    AuthMethod,
    Hei,
    Host,
    HttpSecurity,
    LocalizedName,
    OtherHeiId,
)

_R = f"{{{REGISTRY_NS}}}"
_EWP = f"{{{COMMON_NS}}}"
_SEC = f"{{{SEC_INTRO_NS}}}"
_LANG = f"{{{XML_NS}}}lang"


def parse_catalogue(data: bytes) -> Catalogue:
    """Parse catalogue bytes; raises :class:`~ewp_client.errors.XmlError` subclasses."""
    root = parse_xml(data).getroot()
    qname = etree.QName(root)
    if root.tag != f"{_R}catalogue":
        raise UnknownDocumentError(
            f"not a Registry catalogue: the root element is <{qname.localname}> "
            f"in namespace {qname.namespace!r}",
            namespace=qname.namespace,
            root=qname.localname,
        )
    problems: list[str] = []
    hosts = tuple(_host(el) for el in root.iterchildren(f"{_R}host"))
    heis = tuple(_hei(el) for el in root.iterfind(f"{_R}institutions/{_R}hei") if el.get("id"))
    binaries: dict[str, bytes] = {}
    for el in root.iterfind(f"{_R}binaries/{_R}rsa-public-key"):
        declared = el.get("sha-256", "")
        try:
            der = base64.b64decode("".join(_text(el).split()), validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"key {declared}: its content is not base64; ignored")
            continue
        actual = key_fingerprint(der)
        if actual != declared:
            problems.append(f"key {declared}: its content hashes to {actual}; ignored")
            continue
        binaries[actual] = der
    return Catalogue(hosts=hosts, heis=heis, binaries=binaries, problems=tuple(problems))


def _text(el: etree._Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _texts(parent: etree._Element, path: str) -> tuple[str, ...]:
    return tuple(_text(el) for el in parent.iterfind(path))


def _fingerprints(parent: etree._Element, path: str) -> tuple[str, ...]:
    return tuple(el.get("sha-256", "") for el in parent.iterfind(path) if el.get("sha-256"))


def _optional_text(parent: etree._Element, path: str) -> str | None:
    el = parent.find(path)
    return _text(el) if el is not None else None


def _host(el: etree._Element) -> Host:
    apis = el.find(f"{_R}apis-implemented")
    entries = () if apis is None else tuple(api_entry(c) for c in apis.iterchildren("{*}*"))
    return Host(
        apis=entries,
        hei_ids=_texts(el, f"{_R}institutions-covered/{_R}hei-id"),
        client_keys=_fingerprints(el, f"{_R}client-credentials-in-use/{_R}rsa-public-key"),
        client_certificates=_fingerprints(el, f"{_R}client-credentials-in-use/{_R}certificate"),
        server_keys=_fingerprints(el, f"{_R}server-credentials-in-use/{_R}rsa-public-key"),
        admin_emails=_texts(el, f"{_EWP}admin-email"),
        admin_provider=_optional_text(el, f"{_EWP}admin-provider"),
        admin_notes=_optional_text(el, f"{_EWP}admin-notes"),
    )


def api_entry(el: etree._Element) -> ApiEntry:
    """One API entry (a child of ``apis-implemented``) of a catalogue or a Discovery manifest."""
    qname = etree.QName(el)
    security: HttpSecurity | None = None
    properties: list[tuple[str, str]] = []
    for child in el.iterchildren("{*}*"):
        child_name = etree.QName(child)
        if child_name.namespace == COMMON_NS:
            continue
        if child_name.localname == "http-security":
            security = _security(child)
        elif len(child) == 0:
            properties.append((child_name.localname, _text(child)))
    return ApiEntry(
        name=qname.localname,
        namespace=qname.namespace or "",
        version=el.get("version", "").strip(),
        properties=tuple(properties),
        http_security=security,
        admin_emails=_texts(el, f"{_EWP}admin-email"),
        admin_notes=_optional_text(el, f"{_EWP}admin-notes"),
    )


def _methods(parent: etree._Element, name: str) -> tuple[AuthMethod, ...] | None:
    holder = parent.find(f"{_SEC}{name}")
    if holder is None:
        return None
    methods = []
    for el in holder.iterchildren("{*}*"):
        qname = etree.QName(el)
        attributes = tuple(sorted((str(k), str(v)) for k, v in el.attrib.items()))
        methods.append(
            AuthMethod(namespace=qname.namespace or "", name=qname.localname, attributes=attributes)
        )
    return tuple(methods)


def _security(el: etree._Element) -> HttpSecurity:
    return HttpSecurity(
        client_auth=_methods(el, "client-auth-methods"),
        server_auth=_methods(el, "server-auth-methods"),
        request_encryption=_methods(el, "request-encryption-methods"),
        response_encryption=_methods(el, "response-encryption-methods"),
    )


def _hei(el: etree._Element) -> Hei:
    return Hei(
        id=el.get("id", "").strip(),
        other_ids=tuple(
            OtherHeiId(type=o.get("type", ""), value=_text(o)) for o in el.iterfind(f"{_R}other-id")
        ),
        names=tuple(
            LocalizedName(text=_text(n), lang=n.get(_LANG)) for n in el.iterfind(f"{_R}name")
        ),
    )
