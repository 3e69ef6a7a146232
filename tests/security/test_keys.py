"""Keys: generation, PEM round trips, the EWP keyId, and ``ewp keys generate|fingerprint``."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from ewp_client.cli import main
from ewp_client.errors import ConfigError
from ewp_client.security import (
    SigningKey,
    generate_private_key,
    key_id,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_der,
    public_key_pem,
)


@pytest.fixture(scope="module")
def pair() -> SigningKey:
    return SigningKey(generate_private_key())


def test_key_id_is_lower_hex_sha256_of_der_spki(pair: SigningKey) -> None:
    der = pair.public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert pair.key_id == hashlib.sha256(der).hexdigest()
    assert pair.key_id == pair.key_id.lower()
    assert len(pair.key_id) == 64


def test_generation_refuses_small_keys() -> None:
    with pytest.raises(ConfigError):
        generate_private_key(1024)


def test_pem_round_trips(pair: SigningKey) -> None:
    assert key_id(load_private_key(private_key_pem(pair.private_key))) == pair.key_id
    assert key_id(load_private_key(private_key_pem(pair.private_key, b"pw"), b"pw")) == pair.key_id
    assert key_id(load_public_key(public_key_pem(pair.private_key))) == pair.key_id


def test_public_key_forms_a_deployment_meets(pair: SigningKey) -> None:
    der = public_key_der(pair.private_key)
    manifest_base64 = base64.encodebytes(der)  # wrapped lines, as in a manifest
    for form in (der, manifest_base64, private_key_pem(pair.private_key), _certificate(pair)):
        assert key_id(load_public_key(form)) == pair.key_id


def test_unreadable_keys_raise_config_error() -> None:
    with pytest.raises(ConfigError):
        load_public_key(b"not a key")
    with pytest.raises(ConfigError):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def _certificate(pair: SigningKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "partner.example.org")])
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(pair.public_key)
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(pair.private_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_cli_generate_writes_a_private_key_only_we_can_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "generate", "--out", str(tmp_path / "k"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    private = tmp_path / "k" / "private-key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert report["bits"] == 2048
    assert report["key_id"] == key_id(load_private_key(private.read_bytes()))
    assert base64.b64decode(report["public_key_base64"]) == public_key_der(
        load_public_key((tmp_path / "k" / "public-key.pem").read_bytes())
    )


def test_cli_generate_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "generate", "--out", str(tmp_path)]) == 0
    before = (tmp_path / "private-key.pem").read_bytes()
    assert main(["keys", "generate", "--out", str(tmp_path)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert (tmp_path / "private-key.pem").read_bytes() == before


def test_cli_generate_refuses_small_and_absurd_key_sizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "generate", "--out", str(tmp_path), "--bits", "1024"]) == 2
    # Would take hours; refused at once, with one JSON document under --json.
    assert main(["keys", "generate", "--json", "--out", str(tmp_path), "--bits", "99999999"]) == 2
    assert "16384" in json.loads(capsys.readouterr().out)["error"]
    assert not list(tmp_path.iterdir())


def test_cli_fingerprint_prints_the_key_id(
    pair: SigningKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cert.pem"
    path.write_bytes(_certificate(pair))
    assert main(["keys", "fingerprint", str(path)]) == 0
    assert capsys.readouterr().out.strip() == pair.key_id
    assert main(["keys", "fingerprint", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["key_id"] == pair.key_id


@pytest.mark.parametrize("content", [None, b"garbage"])
def test_cli_fingerprint_unreadable_input_exits_2(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "key.pem"
    if content is not None:
        path.write_bytes(content)
    assert main(["keys", "fingerprint", str(path)]) == 2
