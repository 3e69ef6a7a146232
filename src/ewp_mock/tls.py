"""TLS for a mock node: a local certificate authority and the server certificate it issues.

EWP requires ``https://`` in manifests and catalogues, so ``ewp-mock serve``
speaks TLS by default. Nobody outside trusts a mock, so the node makes its own
CA at start and issues itself a server certificate; clients trust the node by
trusting that CA's certificate (``ca.pem`` in the state directory).

* Keys are ECDSA P-256: generating them costs microseconds (an RSA 2048 key
  costs a quarter of a second), and every TLS client in use (curl/OpenSSL,
  Java, Python) accepts them. The HTTP Signature keys stay RSA, as EWP says.
* The CA's private key never leaves the process: nobody can mint further
  certificates under a CA a developer was asked to trust, and a restarted node
  makes a new CA (clients re-read ``ca.pem``).
* Both certificates are valid from an hour ago (clocks of containers drift)
  for :data:`DEFAULT_VALIDITY`; a mock node is not meant to live longer.
* The server certificate names, as subjectAltName, the host clients use (the
  host of ``--base-url``, else the listen address) and the loopback names
  (``localhost``, ``127.0.0.1``, ``::1``), so a health check inside the
  container or on the machine itself reaches it too. A wildcard listen address
  (``0.0.0.0``, ``::``) is never named: clients cannot connect to it.
* The server accepts TLS 1.2 and 1.3 only.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CERTIFICATE_DEFECTS",
    "DEFAULT_VALIDITY",
    "LOOPBACK_NAMES",
    "LocalCa",
    "ServerCertificate",
    "certificate_hosts",
    "certificate_pem",
    "node_certificate",
    "self_signed_certificate",
    "server_context",
    "tls_private_key_pem",
]

#: How long the CA and server certificates are valid (from an hour before they are made).
DEFAULT_VALIDITY: Final = timedelta(days=14)
#: Names every server certificate carries, so that the machine itself can always connect.
LOOPBACK_NAMES: Final = ("localhost", "127.0.0.1", "::1")

_BACKDATE: Final = timedelta(hours=1)
_WILDCARD_HOSTS: Final = frozenset({"", "0.0.0.0", "::"})

TlsKey = ec.EllipticCurvePrivateKey


def _new_key() -> TlsKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ewp_mock"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


@dataclass(frozen=True)
class ServerCertificate:
    """A server certificate, its private key, and the host names it is valid for."""

    certificate: x509.Certificate
    private_key: TlsKey
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class LocalCa:
    """A certificate authority made for one run of a node; its key stays in memory."""

    certificate: x509.Certificate
    private_key: TlsKey

    @classmethod
    def create(
        cls,
        common_name: str = "ewp_mock local CA",
        *,
        validity: timedelta = DEFAULT_VALIDITY,
        path_length: int = 0,
        issuer: LocalCa | None = None,
    ) -> LocalCa:
        """A root CA, or with ``issuer`` an intermediate CA that ``issuer`` signed.

        ``path_length`` is how many intermediate CAs may follow it (0: it
        issues server certificates only).
        """
        key = _new_key()
        now = datetime.now(UTC)
        name = _name(common_name)
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        not_after = now + validity
        if issuer is not None:
            not_after = min(not_after, issuer.certificate.not_valid_after_utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name if issuer is None else issuer.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(key if issuer is None else issuer.private_key, hashes.SHA256())
        )
        return cls(certificate=certificate, private_key=key)

    def issue(
        self,
        hosts: Iterable[str],
        *,
        validity: timedelta = DEFAULT_VALIDITY,
        valid_from: datetime | None = None,
    ) -> ServerCertificate:
        """A server certificate for ``hosts`` (DNS names or IP addresses, the first is its CN).

        It is valid from ``valid_from`` (default now; an hour before, for
        drifting clocks) for ``validity``, and never longer than the CA.
        """
        ca_ski = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        return _server_certificate(
            hosts,
            issuer=self.certificate.subject,
            issuer_key=self.private_key,
            issuer_ski=ca_ski.value,
            valid_from=valid_from,
            not_after=self.certificate.not_valid_after_utc,
            validity=validity,
        )


def self_signed_certificate(hosts: Iterable[str]) -> ServerCertificate:
    """A server certificate for ``hosts`` that signs itself: no CA a client trusts issued it."""
    return _server_certificate(hosts, validity=DEFAULT_VALIDITY)


def _server_certificate(
    hosts: Iterable[str],
    *,
    validity: timedelta,
    issuer: x509.Name | None = None,
    issuer_key: TlsKey | None = None,
    issuer_ski: x509.SubjectKeyIdentifier | None = None,
    valid_from: datetime | None = None,
    not_after: datetime | None = None,
) -> ServerCertificate:
    """A server certificate issued by ``issuer`` (``None``: by itself)."""
    names = tuple(dict.fromkeys(h for h in hosts if h))
    if not names:
        raise ValueError("a server certificate needs at least one host name")
    key = _new_key()
    start = valid_from or datetime.now(UTC)
    end = start + validity if not_after is None else min(start + validity, not_after)
    subject = _name(names[0])
    own_ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - _BACKDATE)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([_general_name(h) for h in names]), critical=False
        )
        .add_extension(own_ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski or own_ski),
            critical=False,
        )
        .sign(key if issuer_key is None else issuer_key, hashes.SHA256())
    )
    return ServerCertificate(certificate=certificate, private_key=key, hosts=names)


#: The host a ``wrong-host`` certificate names instead of the node's.
WRONG_HOST: Final = "wrong-host.invalid"
#: How long ago an ``expired`` certificate stopped being valid.
EXPIRED_AGO: Final = timedelta(days=30)
#: The defects :func:`node_certificate` can give a certificate (the TLS fault scenarios).
CERTIFICATE_DEFECTS: Final = ("self-signed", "expired", "wrong-host", "missing-intermediate")


def node_certificate(
    hosts: Iterable[str], defect: str | None = None, *, common_name: str = "ewp_mock local CA"
) -> tuple[LocalCa, ServerCertificate]:
    """A fresh CA (what clients trust) and the server certificate for ``hosts``.

    ``defect`` makes the certificate fail a client that trusts that CA:
    ``self-signed`` (it signs itself), ``expired`` (a month ago),
    ``wrong-host`` (it names only :data:`WRONG_HOST`), ``missing-intermediate``
    (an intermediate CA under the trusted one issued it, and the node serves
    the certificate alone, without that intermediate).
    """
    hosts = tuple(hosts)
    if defect == "missing-intermediate":
        root = LocalCa.create(common_name, path_length=1)
        intermediate = LocalCa.create(f"{common_name} (intermediate)", issuer=root)
        return root, intermediate.issue(hosts)
    ca = LocalCa.create(common_name)
    if defect is None:
        return ca, ca.issue(hosts)
    if defect == "self-signed":
        return ca, self_signed_certificate(hosts)
    if defect == "expired":
        start = datetime.now(UTC) - EXPIRED_AGO
        return ca, ca.issue(hosts, valid_from=start, validity=timedelta(days=1))
    if defect == "wrong-host":
        return ca, ca.issue((WRONG_HOST,))
    raise ValueError(f"unknown certificate defect {defect!r}; known: {CERTIFICATE_DEFECTS}")


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host.lower())


def certificate_hosts(listen_host: str, public_host: str | None = None) -> tuple[str, ...]:
    """The names a node's certificate carries: the public host, the listen host, loopback.

    ``public_host`` is the host of ``--base-url`` (clients use it); the listen
    host is named too unless it is a wildcard address.
    """
    hosts = [h.strip("[]") for h in (public_host or "", listen_host)]
    named = [h for h in hosts if h not in _WILDCARD_HOSTS]
    return tuple(dict.fromkeys([*named, *LOOPBACK_NAMES]))


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def tls_private_key_pem(key: TlsKey) -> bytes:
    """PKCS#8 PEM, unencrypted: what ``ssl`` and most servers load."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def server_context(certificate_file: Path, key_file: Path) -> ssl.SSLContext:
    """The server side TLS context: TLS 1.2 or later, this certificate and key."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile=str(certificate_file), keyfile=str(key_file))
    return context
