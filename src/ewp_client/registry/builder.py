"""Write a Registry catalogue: what a test network (the mock partner) serves as its own Registry.

:func:`build_catalogue` assembles and checks the model (every key a host names
must be published, every HEI must have a name); :func:`render_catalogue` writes
it as XML that validates against the official ``catalogue.xsd``. The children
of each API entry are put in the order of that API's bundled
``manifest-entry.xsd`` (http-security first), so the entries validate against
their own schemas too.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from lxml import etree

from ..errors import ConfigError
from ..namespaces import COMMON_NS, REGISTRY_NS, SCHEMA_BY_NAMESPACE, SEC_INTRO_NS, XML_NS, XSD_NS
from ..security.keys import key_fingerprint
from ..xml.schemas import schema_path
from .catalogue import Catalogue
from .model import ApiEntry, AuthMethod, Hei, Host, HttpSecurity

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_R = f"{{{REGISTRY_NS}}}"
_EWP = f"{{{COMMON_NS}}}"
_SEC = f"{{{SEC_INTRO_NS}}}"


def build_catalogue(
    hosts: Iterable[Host],
    *,
    heis: Iterable[Hei] = (),
    public_keys: Iterable[bytes] = (),
) -> Catalogue:
    """A consistent :class:`Catalogue` from hosts, HEI descriptions and DER public keys.

    Raises :class:`ConfigError` when there is no host, a host names a key that
    is not among ``public_keys`` or a fingerprint that is not lower-case hex
    SHA-256, or a HEI has no name.
    """
    host_list = tuple(hosts)
    if not host_list:
        raise ConfigError("a catalogue needs at least one host")
    binaries = {key_fingerprint(der): der for der in public_keys}
    for host in host_list:
        for fp in (*host.client_keys, *host.server_keys, *host.client_certificates):
            if not _SHA256_HEX.fullmatch(fp):
                raise ConfigError(f"{fp!r} is not a lower-case hex SHA-256 fingerprint")
        for fp in (*host.client_keys, *host.server_keys):
            if fp not in binaries:
                raise ConfigError(f"key {fp} is used by a host but its public key is not given")
    host_list = tuple(
        replace(h, apis=tuple(_in_schema_order(e) for e in h.apis)) for h in host_list
    )
    hei_list = tuple(heis)
    for hei in hei_list:
        if not hei.names:
            raise ConfigError(f"HEI {hei.id!r} needs at least one name")
    return Catalogue(hosts=host_list, heis=hei_list, binaries=binaries)


def render_catalogue(catalogue: Catalogue) -> bytes:
    """The catalogue as UTF-8 XML bytes (with an XML declaration, indented)."""
    if not catalogue.hosts:
        raise ConfigError("a catalogue needs at least one host")
    root = etree.Element(f"{_R}catalogue", nsmap=_namespace_map(catalogue))
    for host in catalogue.hosts:
        _write_host(etree.SubElement(root, f"{_R}host"), host)
    institutions = etree.SubElement(root, f"{_R}institutions")
    for hei in catalogue.heis:
        _write_hei(institutions, hei)
    if catalogue.binaries:
        binaries = etree.SubElement(root, f"{_R}binaries")
        for fp, der in catalogue.binaries.items():
            el = etree.SubElement(binaries, f"{_R}rsa-public-key", {"sha-256": fp})
            el.text = base64.b64encode(der).decode("ascii")
    etree.indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _namespace_map(catalogue: Catalogue) -> dict[str | None, str | bytes]:
    """Readable prefixes: ``ewp``, ``sec``, one per API entry namespace, one per security method."""
    nsmap: dict[str | None, str | bytes] = {None: REGISTRY_NS, "ewp": COMMON_NS}
    taken: set[str | bytes] = set(nsmap.values())

    def add(base: str, namespace: str) -> None:
        if namespace in taken or not namespace:
            return
        prefix, n = base, 1
        while prefix in nsmap:
            n += 1
            prefix = f"{base}-{n}"
        nsmap[prefix] = namespace
        taken.add(namespace)

    for host in catalogue.hosts:
        for entry in host.apis:
            add(f"{entry.name}{entry.major}", entry.namespace)
            if entry.http_security is not None:
                add("sec", SEC_INTRO_NS)
                for method in _all_methods(entry.http_security):
                    add(method.label, method.namespace)
    return nsmap


def _all_methods(security: HttpSecurity) -> Iterable[AuthMethod]:
    for methods in (
        security.client_auth,
        security.server_auth,
        security.request_encryption,
        security.response_encryption,
    ):
        yield from methods or ()


def _texts(parent: etree._Element, tag: str, values: Iterable[str]) -> None:
    for value in values:
        etree.SubElement(parent, tag).text = value


def _write_host(el: etree._Element, host: Host) -> None:
    _texts(el, f"{_EWP}admin-email", host.admin_emails)
    _texts(el, f"{_EWP}admin-provider", [host.admin_provider] if host.admin_provider else [])
    _texts(el, f"{_EWP}admin-notes", [host.admin_notes] if host.admin_notes else [])
    if host.apis:
        apis = etree.SubElement(el, f"{_R}apis-implemented")
        for entry in host.apis:
            _write_api(apis, entry)
    if host.hei_ids:
        _texts(etree.SubElement(el, f"{_R}institutions-covered"), f"{_R}hei-id", host.hei_ids)
    if host.client_certificates or host.client_keys:
        creds = etree.SubElement(el, f"{_R}client-credentials-in-use")
        for fp in host.client_certificates:
            etree.SubElement(creds, f"{_R}certificate", {"sha-256": fp})
        for fp in host.client_keys:
            etree.SubElement(creds, f"{_R}rsa-public-key", {"sha-256": fp})
    if host.server_keys:
        creds = etree.SubElement(el, f"{_R}server-credentials-in-use")
        for fp in host.server_keys:
            etree.SubElement(creds, f"{_R}rsa-public-key", {"sha-256": fp})


def _write_api(parent: etree._Element, entry: ApiEntry) -> None:
    ns = f"{{{entry.namespace}}}" if entry.namespace else ""
    attrs = {"version": entry.version} if entry.version else {}
    el = etree.SubElement(parent, f"{ns}{entry.name}", attrs)
    _texts(el, f"{_EWP}admin-email", entry.admin_emails)
    _texts(el, f"{_EWP}admin-notes", [entry.admin_notes] if entry.admin_notes else [])
    if entry.http_security is not None:
        _write_security(etree.SubElement(el, f"{ns}http-security"), entry.http_security)
    for name, value in _in_schema_order(entry).properties:
        etree.SubElement(el, f"{ns}{name}").text = value


def _write_security(el: etree._Element, security: HttpSecurity) -> None:
    for list_name, methods in (
        ("client-auth-methods", security.client_auth),
        ("server-auth-methods", security.server_auth),
        ("request-encryption-methods", security.request_encryption),
        ("response-encryption-methods", security.response_encryption),
    ):
        if methods is None:
            continue
        if not methods:
            raise ConfigError(f"http-security {list_name} must list at least one method")
        holder = etree.SubElement(el, f"{_SEC}{list_name}")
        for m in methods:
            etree.SubElement(holder, f"{{{m.namespace}}}{m.name}", dict(m.attributes))


def _write_hei(parent: etree._Element, hei: Hei) -> None:
    el = etree.SubElement(parent, f"{_R}hei", {"id": hei.id})
    for other in hei.other_ids:
        etree.SubElement(el, f"{_R}other-id", {"type": other.type}).text = other.value
    for name in hei.names:
        attrs = {f"{{{XML_NS}}}lang": name.lang} if name.lang else {}
        etree.SubElement(el, f"{_R}name", attrs).text = name.text


def _in_schema_order(entry: ApiEntry) -> ApiEntry:
    """``entry`` with its properties in its manifest-entry schema's order (else as given)."""
    order = _child_order(entry.namespace, entry.name)
    if not order:
        return entry
    ranked = sorted(
        entry.properties, key=lambda p: order.index(p[0]) if p[0] in order else len(order)
    )
    return replace(entry, properties=tuple(ranked))


@functools.cache
def _child_order(namespace: str, name: str) -> Sequence[str]:
    """Child element names of the entry ``name`` in its bundled manifest-entry schema, in order.

    Empty when we bundle no schema for ``namespace``; the given order is kept then.
    """
    info = SCHEMA_BY_NAMESPACE.get(namespace)
    if info is None:
        return ()
    try:
        path = schema_path(info)
        doc = etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
    except (ConfigError, OSError, etree.XMLSyntaxError):
        return ()
    xs = {"xs": XSD_NS}
    decls = doc.xpath("/xs:schema/xs:element[@name=$n]", namespaces=xs, n=name)
    if not isinstance(decls, list) or not decls:
        return ()
    decl = decls[0]
    if not isinstance(decl, etree._Element):
        return ()
    names = decl.xpath(".//xs:sequence/xs:element/@name", namespaces=xs)
    return tuple(str(n) for n in names) if isinstance(names, list) else ()
