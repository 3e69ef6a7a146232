"""The mock's local CA and server certificate, checked by real TLS handshakes (in memory)."""

from __future__ import annotations

import dataclasses
import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from ewp_mock import MockConfig, StateDir, prepare_tls
from ewp_mock.tls import (
    DEFAULT_VALIDITY,
    LocalCa,
    ServerCertificate,
    certificate_hosts,
    certificate_pem,
    server_context,
    tls_private_key_pem,
)

from .conftest import key


@pytest.fixture(scope="module")
def ca() -> LocalCa:
    return LocalCa.create()


def _server(tmp_path: Path, certificate: ServerCertificate) -> ssl.SSLContext:
    cert = tmp_path / "cert.pem"
    key = tmp_path / "key.pem"
    cert.write_bytes(certificate_pem(certificate.certificate))
    key.write_bytes(tls_private_key_pem(certificate.private_key))
    return server_context(cert, key)


def _client(tmp_path: Path, ca: LocalCa) -> ssl.SSLContext:
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(certificate_pem(ca.certificate))
    return ssl.create_default_context(cafile=str(bundle))


def handshake(server: ssl.SSLContext, client: ssl.SSLContext, hostname: str) -> str | None:
    """A TLS handshake between the two contexts over memory buffers; the TLS version agreed."""
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_in, client_in = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_end = server.wrap_bio(server_in, to_client, server_side=True)
    client_end = client.wrap_bio(client_in, to_server, server_hostname=hostname)
    done = {"client": False, "server": False}
    for _ in range(20):
        for name, end in (("client", client_end), ("server", server_end)):
            if not done[name]:
                try:
                    end.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        server_in.write(to_server.read())
        client_in.write(to_client.read())
        if all(done.values()):
            return client_end.version()
    raise AssertionError("the handshake did not finish")


@pytest.mark.parametrize("hostname", ["127.0.0.1", "::1", "localhost", "mock.example.org"])
def test_a_client_trusting_the_ca_accepts_every_name_of_the_node(
    ca: LocalCa, tmp_path: Path, hostname: str
) -> None:
    certificate = ca.issue(certificate_hosts("127.0.0.1", "mock.example.org"))
    version = handshake(_server(tmp_path, certificate), _client(tmp_path, ca), hostname)
    assert version in {"TLSv1.2", "TLSv1.3"}


def test_another_name_or_another_ca_is_refused(ca: LocalCa, tmp_path: Path) -> None:
    certificate = ca.issue(certificate_hosts("127.0.0.1"))
    server = _server(tmp_path, certificate)
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        handshake(server, _client(tmp_path, ca), "other.example.org")
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        handshake(server, _client(tmp_path, LocalCa.create()), "127.0.0.1")


def test_the_server_speaks_tls_1_2_or_later(ca: LocalCa, tmp_path: Path) -> None:
    server = _server(tmp_path, ca.issue(["127.0.0.1"]))
    assert server.minimum_version == ssl.TLSVersion.TLSv1_2


def test_names_are_the_public_host_the_listen_host_and_loopback() -> None:
    assert certificate_hosts("0.0.0.0", "mock") == ("mock", "localhost", "127.0.0.1", "::1")
    assert certificate_hosts("::", None) == ("localhost", "127.0.0.1", "::1")
    assert certificate_hosts("192.0.2.7", "[2001:db8::1]") == (
        "2001:db8::1",
        "192.0.2.7",
        "localhost",
        "127.0.0.1",
        "::1",
    )


def test_addresses_are_ip_entries_and_names_dns_entries(ca: LocalCa) -> None:
    issued = ca.issue(["mock.example.org", "127.0.0.1", "::1"])
    san = issued.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.DNSName) == ["mock.example.org"]
    assert san.value.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    constraints = issued.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.value.ca is False
    assert issued.hosts == ("mock.example.org", "127.0.0.1", "::1")


def test_validity_is_short_and_never_outlives_the_ca(ca: LocalCa) -> None:
    now = datetime.now(UTC)
    issued = ca.issue(["localhost"], validity=timedelta(days=365))
    for certificate in (ca.certificate, issued.certificate):
        assert certificate.not_valid_before_utc < now
        assert now + DEFAULT_VALIDITY - timedelta(minutes=5) < certificate.not_valid_after_utc
        assert certificate.not_valid_after_utc <= now + DEFAULT_VALIDITY + timedelta(minutes=5)
    assert issued.certificate.not_valid_after_utc <= ca.certificate.not_valid_after_utc


def test_a_certificate_needs_a_name(ca: LocalCa) -> None:
    with pytest.raises(ValueError, match="host name"):
        ca.issue(["", ""])


def test_the_node_certificate_follows_the_base_url(tmp_path: Path) -> None:
    config = MockConfig(
        host="0.0.0.0",
        port=8443,
        base_url="https://mock:8443",
        server_key=key(1),
        client_key=key(2),
    )
    state = StateDir.open(tmp_path / "state")
    server = prepare_tls(config, state)
    assert server is not None
    client = ssl.create_default_context(cafile=str(state.file("ca.pem")))
    assert handshake(server, client, "mock") in {"TLSv1.2", "TLSv1.3"}
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server, client, "0.0.0.0")
    assert (
        prepare_tls(dataclasses.replace(config, tls=False), StateDir.open(tmp_path / "p")) is None
    )
    assert list((tmp_path / "p").iterdir()) == []
