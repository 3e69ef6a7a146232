"""The partner's TLS certificate: trusted, issued for the host, not about to expire.

:func:`probe_tls` connects once with the trust the client uses (the
configured CA bundle, or the system's) and, when that handshake fails on the
certificate, once more without checking, only to show the certificate that
was refused. :func:`judge_tls` turns what it saw into a check result (no I/O).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.x509.oid import NameOID

from ..client.tls import PROBLEMS
from .evidence import Check
from .report import CheckResult

__all__ = ["DEFAULT_EXPIRY_DAYS", "TLS_ISSUES", "TlsProbe", "judge_tls", "probe_tls"]

#: A certificate expiring within this many days is worth a warning.
DEFAULT_EXPIRY_DAYS: Final = 30
#: The certificate defects a refusal names, as ``ewp-mock`` reproduces them (the
#: known-issues catalogue has no TLS rows): the client's problem names
#: (:data:`ewp_client.client.tls.PROBLEMS`, from OpenSSL's verify code), prefixed.
TLS_ISSUES: Final = frozenset(
    f"tls-{problem}" for problem in ("self-signed", "expired", "wrong-host", "missing-intermediate")
)


def _defect(verify_code: int | None) -> str | None:
    issue = f"tls-{PROBLEMS.get(verify_code or 0, 'untrusted')}"
    return issue if issue in TLS_ISSUES else None


@dataclass(frozen=True, slots=True)
class TlsProbe:
    """What one TLS handshake with ``host:port`` showed.

    ``certificate`` is the leaf the server sent (DER), when any;
    ``verify_error`` why our trust refused it (``None``: trusted and issued
    for the host); ``error`` a failure to connect at all.
    """

    host: str
    port: int
    certificate: bytes | None = None
    verify_error: str | None = None
    protocol: str | None = None
    error: str | None = None
    verify_code: int | None = None


def _context(ca_bundle: Path | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)


def _handshake(host: str, port: int, context: ssl.SSLContext, timeout: float) -> tuple[bytes, str]:
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        return tls.getpeercert(binary_form=True) or b"", tls.version() or ""


def probe_tls(host: str, port: int, *, ca_bundle: Path | None, timeout: float) -> TlsProbe:
    """Handshake with ``host:port`` as the client would; see :class:`TlsProbe`."""
    try:
        der, protocol = _handshake(host, port, _context(ca_bundle), timeout)
        return TlsProbe(host, port, certificate=der, protocol=protocol)
    except ssl.SSLCertVerificationError as exc:
        refused = exc.verify_message or str(exc)
        code = exc.verify_code if isinstance(exc.verify_code, int) else None
    except (OSError, ssl.SSLError) as exc:
        return TlsProbe(host, port, error=f"{type(exc).__name__}: {exc}")
    unchecked = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    unchecked.check_hostname = False
    unchecked.verify_mode = ssl.CERT_NONE
    try:
        der, protocol = _handshake(host, port, unchecked, timeout)
    except (OSError, ssl.SSLError):
        return TlsProbe(host, port, verify_error=refused, verify_code=code)
    return TlsProbe(
        host, port, certificate=der, verify_error=refused, protocol=protocol, verify_code=code
    )


def _names(certificate: x509.Certificate) -> list[str]:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [
        *san.get_values_for_type(x509.DNSName),
        *map(str, san.get_values_for_type(x509.IPAddress)),
    ]


def _common_name(name: x509.Name) -> str:
    found = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(found[0].value) if found else name.rfc4514_string()


def certificate_evidence(der: bytes, now: datetime) -> dict[str, Any]:
    """The fields of a certificate an engineer looks at first."""
    certificate = x509.load_der_x509_certificate(der)
    expires = certificate.not_valid_after_utc
    return {
        "subject": _common_name(certificate.subject),
        "issuer": _common_name(certificate.issuer),
        "names": _names(certificate),
        "not-before": certificate.not_valid_before_utc.isoformat(),
        "not-after": expires.isoformat(),
        "days-left": (expires - now).days,
        "serial": format(certificate.serial_number, "x"),
    }


def judge_tls(
    check: Check, probe: TlsProbe, *, expiry_days: int, now: datetime | None = None
) -> CheckResult:
    """Fail an untrusted, misnamed or expired certificate; warn one expiring within
    ``expiry_days``."""
    now = now or datetime.now(UTC)
    evidence: dict[str, Any] = {"host": probe.host, "port": probe.port}
    if probe.protocol:
        evidence["protocol"] = probe.protocol
    if probe.error is not None:
        return check.failed(f"no TLS connection: {probe.error}", evidence | {"error": probe.error})
    if probe.certificate:
        evidence |= certificate_evidence(probe.certificate, now)
    if probe.verify_error is not None:
        evidence["verify-error"] = probe.verify_error
        return check.failed(
            f"certificate refused: {probe.verify_error}", evidence, _defect(probe.verify_code)
        )
    days = evidence.get("days-left")
    if isinstance(days, int) and days < 0:
        return check.failed(f"certificate expired {-days} day(s) ago", evidence, "tls-expired")
    if isinstance(days, int) and days < expiry_days:
        return check.warned(f"certificate expires in {days} day(s)", evidence)
    return check.passed(f"trusted, issued for {probe.host}, {days} days left", evidence)
