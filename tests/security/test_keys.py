"""Keys: generation, PEM round trips, the EWP keyId, and ``ewp keys generate|fingerprint``."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ed448, rsa
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from ewp_client.cli import main
from ewp_client.errors import (
    CatalogueKeyError,
    ConfigError,
    KeyFileError,
    KeyFormatError,
    RegistryError,
    UnknownKeyError,
)
from ewp_client.registry import Host, build_catalogue, parse_catalogue, render_catalogue
from ewp_client.registry.model import load_rsa_public_key
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import (
    RequestSigner,
    RequestVerifier,
    ResponseSigner,
    ResponseVerifier,
    SentRequest,
    SigningKey,
    generate_private_key,
    key_fingerprint,
    key_id,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_der,
    public_key_pem,
)
from ewp_client.security.keys import load_der_public_key, write_private_key, write_public_key


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
    out = capsys.readouterr().out
    json.loads(out)  # one JSON document
    assert "16384" in out
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


# ------------------------------------------------- keys of other or unknown algorithms

#: The DER of the OID 1.3.101.113 (Ed448) and of 1.3.101.99, which names no algorithm.
_ED448_OID = b"\x06\x03\x2b\x65\x71"
_MADE_UP_OID = b"\x06\x03\x2b\x65\x63"


def _spki(public: object) -> bytes:
    assert isinstance(public, ed448.Ed448PublicKey | dsa.DSAPublicKey)
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def pem(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der).decode("ascii")
    return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n".encode("ascii")


def made_up_algorithm_spki() -> bytes:
    """DER SubjectPublicKeyInfo of a key whose algorithm OID (1.3.101.99) names nothing."""
    der = _spki(ed448.Ed448PrivateKey.generate().public_key())
    assert der.count(_ED448_OID) == 1
    return der.replace(_ED448_OID, _MADE_UP_OID)


def _made_up_algorithm_certificate(pair: SigningKey) -> bytes:
    """A certificate (signed with RSA) whose subject key has an algorithm nobody knows."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "partner.example.org")])
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ed448.Ed448PrivateKey.generate().public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(pair.private_key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    assert der.count(_ED448_OID) == 1
    return pem("CERTIFICATE", der.replace(_ED448_OID, _MADE_UP_OID))


MADE_UP = "1.3.101.99"


def _unusable_public_keys(pair: SigningKey) -> list[tuple[str, bytes, str]]:
    """(form, bytes, the ``algorithm`` the error must report)."""
    made_up = made_up_algorithm_spki()
    dsa_key = _spki(dsa.generate_private_key(1024).public_key())
    ed448_key = _spki(ed448.Ed448PrivateKey.generate().public_key())
    return [
        ("made-up OID, PEM", pem("PUBLIC KEY", made_up), MADE_UP),
        ("made-up OID, DER", made_up, MADE_UP),
        ("made-up OID, base64 DER", base64.encodebytes(made_up), MADE_UP),
        ("made-up OID, certificate", _made_up_algorithm_certificate(pair), MADE_UP),
        ("DSA, PEM", pem("PUBLIC KEY", dsa_key), "DSA"),
        ("Ed448, PEM", pem("PUBLIC KEY", ed448_key), "Ed448"),
    ]


def test_public_keys_of_other_or_unknown_algorithms_are_key_format_errors(
    pair: SigningKey,
) -> None:
    for form, data, algorithm in _unusable_public_keys(pair):
        with pytest.raises(KeyFormatError) as caught:
            load_public_key(data, source="partner.pem")
        assert caught.value.source == "partner.pem", form
        assert caught.value.algorithm == algorithm, form
        assert str(caught.value).startswith("partner.pem: "), form


def test_private_keys_of_other_or_unknown_algorithms_are_key_format_errors(
    pair: SigningKey,
) -> None:
    ed = ed448.Ed448PrivateKey.generate()
    pkcs8 = ed.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    made_up = pem("PRIVATE KEY", pkcs8.replace(_ED448_OID, _MADE_UP_OID))
    for data, algorithm in ((made_up, MADE_UP), (pem("PRIVATE KEY", pkcs8), "Ed448")):
        with pytest.raises(KeyFormatError) as caught:
            load_private_key(data, source="key.pem")
        assert (caught.value.source, caught.value.algorithm) == ("key.pem", algorithm)
    # A public key file whose PEM holds a private key of a made-up algorithm, too.
    with pytest.raises(KeyFormatError) as caught:
        load_public_key(made_up)
    assert caught.value.algorithm == MADE_UP


def test_encrypted_private_key_without_or_with_a_wrong_password(pair: SigningKey) -> None:
    encrypted = private_key_pem(pair.private_key, b"right")
    for password in (None, b"wrong"):
        with pytest.raises(KeyFormatError) as caught:
            load_private_key(encrypted, password, source="key.pem")
        assert caught.value.algorithm is None
    with pytest.raises(KeyFormatError):  # a password for a key that has none
        load_private_key(private_key_pem(pair.private_key), b"pw")


def test_catalogue_keys_of_unknown_algorithms_read_as_unknown_never_raise(
    pair: SigningKey,
) -> None:
    """A catalogue publishing such a key: its holder is refused as unknown (403), nothing else."""
    made_up = made_up_algorithm_spki()
    dsa_key = _spki(dsa.generate_private_key(1024).public_key())
    kids = [key_fingerprint(made_up), key_fingerprint(dsa_key)]
    host = Host(apis=(), hei_ids=("uni.example.org",), client_keys=tuple(kids))
    built = build_catalogue([host], public_keys=[made_up, dsa_key])
    parsed = parse_catalogue(render_catalogue(built))
    for catalogue in (built, parsed):
        resolver = CatalogueKeyResolver(catalogue)
        for kid, algorithm in zip(kids, (MADE_UP, "DSA"), strict=True):
            assert resolver.client_key(kid) is None
            assert resolver.public_key(kid) is None
            with pytest.raises(CatalogueKeyError) as caught:
                load_rsa_public_key(catalogue.binaries[kid], kid)
            assert (caught.value.key_id, caught.value.algorithm) == (kid, algorithm)
            assert kid in str(caught.value)


def test_catalogue_binary_that_is_no_der_is_a_catalogue_key_error() -> None:
    with pytest.raises(CatalogueKeyError) as caught:
        load_rsa_public_key(b"\x30\x03\x02\x01\x00", "ab" * 32)
    assert caught.value.algorithm is None
    assert isinstance(caught.value, RegistryError)


def test_cli_fingerprint_of_a_made_up_algorithm_exits_2_naming_the_file(
    pair: SigningKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.pem"
    path.write_bytes(pem("PUBLIC KEY", made_up_algorithm_spki()))
    assert main(["keys", "fingerprint", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert MADE_UP in err
    assert "Traceback" not in err


# ------------------------------------------------------------------------ key files


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077, 0o777])
def test_new_key_files_get_their_modes_whatever_the_umask(
    pair: SigningKey, tmp_path: Path, mask: int
) -> None:
    with _umask(mask):
        private = write_private_key(tmp_path / "private.pem", pair.private_key)
        public = write_public_key(tmp_path / "public.pem", pair.private_key)
    assert (_mode(private), _mode(public)) == (0o600, 0o644)
    assert key_id(load_private_key(private.read_bytes())) == pair.key_id
    assert key_id(load_public_key(public.read_bytes())) == pair.key_id


@pytest.mark.parametrize("mask", [0o000, 0o022])
def test_overwriting_a_0644_key_leaves_0600(pair: SigningKey, tmp_path: Path, mask: int) -> None:
    path = tmp_path / "private.pem"
    path.write_bytes(b"old key")
    path.chmod(0o644)
    with _umask(mask):
        write_private_key(path, pair.private_key, overwrite=True)
    assert _mode(path) == 0o600
    assert key_id(load_private_key(path.read_bytes())) == pair.key_id
    assert sorted(p.name for p in tmp_path.iterdir()) == ["private.pem"]  # no temporary left


def test_overwriting_never_writes_into_another_hard_link(pair: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "private.pem"
    path.write_bytes(b"old key")
    other = tmp_path / "elsewhere.pem"
    os.link(path, other)
    write_private_key(path, pair.private_key, overwrite=True)
    assert other.read_bytes() == b"old key"
    assert key_id(load_private_key(path.read_bytes())) == pair.key_id


def test_an_existing_key_is_kept_unless_overwrite(pair: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "private.pem"
    path.write_bytes(b"old key")
    with pytest.raises(KeyFileError) as caught:
        write_private_key(path, pair.private_key)
    assert (caught.value.path, caught.value.reason) == (str(path), "exists")
    assert path.read_bytes() == b"old key"


@pytest.mark.parametrize("overwrite", [False, True])
@pytest.mark.parametrize("target_exists", [False, True])
def test_a_symlink_at_the_key_path_is_refused_and_its_target_untouched(
    pair: SigningKey, tmp_path: Path, overwrite: bool, target_exists: bool
) -> None:
    target = tmp_path / "target.pem"
    if target_exists:
        target.write_bytes(b"someone else's file")
        target.chmod(0o644)
    link = tmp_path / "private.pem"
    link.symlink_to(target)
    for write in (write_private_key, write_public_key):
        with pytest.raises(KeyFileError) as caught:
            write(link, pair.private_key, overwrite=overwrite)
        assert (caught.value.path, caught.value.reason) == (str(link), "symlink")
        assert "symbolic link" in str(caught.value)
    assert link.is_symlink()
    if target_exists:
        assert target.read_bytes() == b"someone else's file"
        assert _mode(target) == 0o644
    else:
        assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["private.pem"] + (["target.pem"] if target_exists else [])
    )


def test_a_directory_or_a_missing_directory_is_a_key_file_error(
    pair: SigningKey, tmp_path: Path
) -> None:
    (tmp_path / "dir.pem").mkdir()
    with pytest.raises(KeyFileError) as caught:
        write_private_key(tmp_path / "dir.pem", pair.private_key, overwrite=True)
    assert caught.value.reason == "not-a-file"
    for overwrite in (False, True):
        with pytest.raises(KeyFileError) as caught:
            write_private_key(tmp_path / "missing" / "k.pem", pair.private_key, overwrite=overwrite)
        assert caught.value.reason == "os-error"


def test_key_material_openssl_refuses_is_a_key_format_error() -> None:
    """Found by mutation: an Ed448 private key labelled Ed25519 (OpenSSL "key setup failed")."""
    pkcs8 = ed448.Ed448PrivateKey.generate().private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    relabelled = pkcs8.replace(_ED448_OID, b"\x06\x03\x2b\x65\x70")
    with pytest.raises(KeyFormatError):
        load_private_key(relabelled)
    with pytest.raises(KeyFormatError):
        load_public_key(pem("PRIVATE KEY", relabelled))


def _seed_keys() -> list[bytes]:
    """Valid keys of several algorithms in every encoding a loader reads."""
    rsa_key = generate_private_key()
    seeds = [_certificate(SigningKey(rsa_key))]
    others = (ed448.Ed448PrivateKey.generate(), dsa.generate_private_key(1024))
    for private in (rsa_key, *others):
        for encoding in (serialization.Encoding.DER, serialization.Encoding.PEM):
            seeds.append(
                private.public_key().public_bytes(
                    encoding, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
            seeds.append(
                private.private_bytes(
                    encoding, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
    return seeds


SEEDS = _seed_keys()


@st.composite
def _mutated_keys(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["set", "cut", "insert", "relabel"]))
        if kind == "set" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 16))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif (oid := data.find(b"\x06\x03\x2b\x65")) >= 0:  # another Edwards/Montgomery OID
            data[oid + 4] = draw(st.integers(0x6E, 0x72))
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(data=st.one_of(_mutated_keys(), st.binary(max_size=300)))
def test_loaders_return_an_rsa_key_or_raise_key_format_error(data: bytes) -> None:
    for load in (load_public_key, load_private_key, load_der_public_key):
        try:
            key = load(data)
        except KeyFormatError:
            continue
        assert isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey)


def test_signatures_naming_a_published_key_of_a_made_up_algorithm_are_unknown_key_errors(
    pair: SigningKey,
) -> None:
    """The whole path: a request and a response signed under such a keyId are refused as 403."""
    made_up = made_up_algorithm_spki()
    kid = key_fingerprint(made_up)
    endpoint = "https://partner.example.org/ewp/echo"
    host = Host(
        apis=(),
        hei_ids=("uni.example.org",),
        client_keys=(kid,),
        server_keys=(kid,),
    )
    resolver = CatalogueKeyResolver(build_catalogue([host], public_keys=[made_up]))
    impostor = SigningKey(pair.private_key, key_id=kid)  # an RSA signature claiming that keyId
    signed = RequestSigner(impostor).sign(
        method="GET", target="/ewp/echo", body=b"", host="partner.example.org"
    )
    with pytest.raises(UnknownKeyError) as caught:
        RequestVerifier(resolver).verify(
            method="GET",
            target="/ewp/echo",
            headers=signed.headers,  # Host included
            body=b"",
            host="partner.example.org",
        )
    assert (caught.value.key_id, caught.value.status) == (kid, 403)
    answer = ResponseSigner(impostor).sign(
        request_headers=signed.headers, headers=(("Content-Type", "text/xml"),), body=b"<x/>"
    )
    with pytest.raises(UnknownKeyError):
        ResponseVerifier(resolver).verify(
            request=SentRequest.from_signature(signed),
            endpoint=endpoint,
            headers=(("Content-Type", "text/xml"), *answer),
            body=b"<x/>",
        )


def test_cli_generate_force_over_a_0644_key_leaves_0600(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "private-key.pem").write_bytes(b"old key")
    (tmp_path / "private-key.pem").chmod(0o644)
    assert main(["keys", "generate", "--out", str(tmp_path), "--force", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    private = tmp_path / "private-key.pem"
    assert _mode(private) == 0o600
    assert report["key_id"] == key_id(load_private_key(private.read_bytes()))


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_cli_generate_never_writes_through_a_symlink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], force: list[str]
) -> None:
    out = tmp_path / "keys"
    out.mkdir()
    target = tmp_path / "elsewhere.pem"
    (out / "private-key.pem").symlink_to(target)  # dangling
    assert main(["keys", "generate", "--out", str(out), *force]) == 2
    assert "private-key.pem" in capsys.readouterr().err
    assert not target.exists()
    assert (out / "private-key.pem").is_symlink()
