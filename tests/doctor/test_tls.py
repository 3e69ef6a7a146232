"""The TLS check: a real handshake on loopback, and the verdicts on what it saw."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from ewp_client.doctor import Check, Status, TlsProbe, judge_tls, probe_tls
from ewp_mock.tls import LocalCa, certificate_pem, server_context, tls_private_key_pem

CHECK = Check("tls.partner", "TLS certificate of the partner")


@pytest.fixture(scope="module")
def ca() -> LocalCa:
    return LocalCa.create("doctor test CA")


def _files(tmp_path: Path, ca: LocalCa, hosts: list[str]) -> tuple[Path, Path, Path]:
    issued = ca.issue(hosts)
    cert, key, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.write_bytes(certificate_pem(issued.certificate))
    key.write_bytes(tls_private_key_pem(issued.private_key))
    ca_file.write_bytes(certificate_pem(ca.certificate))
    return cert, key, ca_file


@pytest.fixture
def tls_server(tmp_path: Path, ca: LocalCa) -> Iterator[tuple[int, Path]]:
    """A loopback TLS server whose certificate names ``partner.example`` only; (port, CA file)."""
    cert, key, ca_file = _files(tmp_path, ca, ["partner.example"])
    context = server_context(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], ca_file
    finally:
        stop.set()
        listener.close()
        thread.join(5)


def test_a_certificate_for_another_host_is_refused_and_shown(
    tls_server: tuple[int, Path],
) -> None:
    port, ca_file = tls_server
    probe = probe_tls("127.0.0.1", port, ca_bundle=ca_file, timeout=5)
    assert probe.verify_error is not None
    assert "mismatch" in probe.verify_error.lower() or "match" in probe.verify_error.lower()
    result = judge_tls(CHECK, probe, expiry_days=7)
    assert result.status is Status.FAIL
    assert result.summary.startswith("certificate refused: ")
    assert result.evidence["names"] == ["partner.example"]
    assert result.evidence["issuer"] == "doctor test CA"


def test_an_untrusted_issuer_is_refused(tls_server: tuple[int, Path], tmp_path: Path) -> None:
    port, _ca_file = tls_server
    other = tmp_path / "other-ca.pem"
    other.write_bytes(certificate_pem(LocalCa.create("another CA").certificate))
    probe = probe_tls("127.0.0.1", port, ca_bundle=other, timeout=5)
    assert probe.verify_error is not None
    assert "issuer" in probe.verify_error
    assert judge_tls(CHECK, probe, expiry_days=7).status is Status.FAIL


def test_nobody_listening_is_a_failed_connection() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    probe = probe_tls("127.0.0.1", port, ca_bundle=None, timeout=5)
    assert probe.error is not None
    result = judge_tls(CHECK, probe, expiry_days=7)
    assert result.status is Status.FAIL
    assert result.summary.startswith("no TLS connection: ")


def _probe(ca: LocalCa, days: int) -> TlsProbe:
    issued = ca.issue(["partner.example"], validity=timedelta(days=days))
    return TlsProbe("partner.example", 443, issued.certificate.public_bytes(Encoding.DER))


def test_expiry_is_a_warning_within_the_days_and_a_failure_after(ca: LocalCa) -> None:
    probe = _probe(ca, 10)
    assert judge_tls(CHECK, probe, expiry_days=7).status is Status.PASS
    soon = judge_tls(CHECK, probe, expiry_days=30)
    assert soon.status is Status.WARN
    assert soon.evidence["days-left"] == 9
    later = judge_tls(CHECK, probe, expiry_days=7, now=datetime.now(UTC) + timedelta(days=12))
    assert later.status is Status.FAIL
    assert later.summary.startswith("certificate expired ")
