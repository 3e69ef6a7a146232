"""Seeds: the official examples and IIA vectors (read where they lie), and keys made at run time.

Nothing of the reference pack is copied: :func:`corpus` reads
``../shared/ewp-reference`` when the fuzzer starts and raises
:class:`ReferenceMissing` (tests turn it into a skip) when the pack is absent.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from ewp_client.security import SigningKey, generate_private_key
from tests.conformance import reference


class ReferenceMissing(RuntimeError):
    """The official reference pack is not where the fuzzer reads its seeds."""


@dataclass(frozen=True, slots=True)
class Seed:
    name: str  # path relative to the reference pack, or a description
    data: bytes


@dataclass(frozen=True, slots=True)
class Corpus:
    """Seed documents by what reads them."""

    documents: tuple[Seed, ...]  # every example, vector and fragment
    iia_responses: tuple[Seed, ...]  # IIAs v7/v6 get responses
    la_responses: tuple[Seed, ...]  # LAs get responses
    catalogues: tuple[Seed, ...]  # Registry catalogues

    def all_bytes(self) -> tuple[bytes, ...]:
        return tuple(s.data for s in self.documents)


def _read(paths: list[Path]) -> tuple[Seed, ...]:
    root = reference.REFERENCE
    return tuple(Seed(str(p.relative_to(root)), p.read_bytes()) for p in sorted(paths))


@functools.cache
def corpus() -> Corpus:
    """The seeds from the reference pack; :class:`ReferenceMissing` when it is absent."""
    if not reference.available() or not reference.VECTORS.is_dir():
        raise ReferenceMissing(reference.MISSING_REASON)
    examples = list(reference.EXAMPLES.rglob("*.xml"))
    vectors = list(reference.VECTORS.glob("*.xml"))
    full = [p for p in examples if not p.name.endswith(".part.xml")]
    iia = [p for p in full if "get-response" in p.name and p.parent.name.startswith("iias-v")]
    las = [p for p in full if p.parent.name == "omobility-las-v1" and "get-response" in p.name]
    catalogues = [p for p in full if p.parent.name == "registry-v1"]
    return Corpus(
        documents=_read(examples + vectors),
        iia_responses=_read(iia + vectors),
        la_responses=_read(las),
        catalogues=_read(catalogues),
    )


# ------------------------------------------------------------------ keys


@dataclass(frozen=True, slots=True)
class Keys:
    """Keys made for this run: the signing parties and key files of every kind."""

    client: SigningKey
    server: SigningKey
    files: tuple[Seed, ...]  # PEM/DER/base64 public and private keys, a certificate


def _certificate(key: rsa.RSAPrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzz.example.org")])
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@functools.cache
def keys() -> Keys:
    client = SigningKey(generate_private_key())
    server = SigningKey(generate_private_key())
    public = client.private_key.public_key()
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = public.public_bytes(serialization.Encoding.DER, spki)
    pem = serialization.Encoding.PEM
    files = [
        Seed("rsa public PEM", public.public_bytes(pem, spki)),
        Seed("rsa public DER", der),
        Seed("rsa public base64 DER", base64.b64encode(der)),
        Seed(
            "rsa public PKCS#1 PEM",
            public.public_bytes(pem, serialization.PublicFormat.PKCS1),
        ),
        Seed(
            "rsa private PKCS#8 PEM",
            client.private_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        ),
        Seed("rsa certificate PEM", _certificate(client.private_key)),
        Seed(
            "ec public PEM",
            ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(pem, spki),
        ),
        Seed(
            "ed25519 public PEM",
            ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(pem, spki),
        ),
    ]
    return Keys(client=client, server=server, files=tuple(files))
