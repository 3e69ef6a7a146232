"""RSA key pairs and the EWP ``keyId``.

EWP names a key by the lower-case hex SHA-256 of its DER ``SubjectPublicKeyInfo``
(the "binary public key" the Registry publishes). Signing keys are generated
with at least 2048 bits; loading accepts any RSA size, because verification
must also work with smaller published test keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import ConfigError

__all__ = [
    "MIN_GENERATED_BITS",
    "SigningKey",
    "generate_private_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_der",
    "public_key_pem",
]

#: The smallest key :func:`generate_private_key` makes.
MIN_GENERATED_BITS: Final = 2048


#: Larger keys take minutes to make and gain nothing in EWP.
MAX_GENERATED_BITS: Final = 16384


def generate_private_key(bits: int = MIN_GENERATED_BITS) -> rsa.RSAPrivateKey:
    """A fresh RSA private key (public exponent 65537)."""
    if not MIN_GENERATED_BITS <= bits <= MAX_GENERATED_BITS:
        raise ConfigError(
            f"RSA keys must have {MIN_GENERATED_BITS} to {MAX_GENERATED_BITS} bits, not {bits}"
        )
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def public_key_der(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> bytes:
    """The DER ``SubjectPublicKeyInfo`` of ``key`` (what the Registry publishes)."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_fingerprint(der: bytes) -> str:
    """The ``keyId`` of a public key given as DER SubjectPublicKeyInfo: its lower-case hex SHA-256.

    This is what the Registry lists keys by and what a signature's ``keyId`` names.
    """
    return hashlib.sha256(der).hexdigest()


def key_id(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> str:
    """The EWP ``keyId`` of ``key`` (see :func:`key_fingerprint`)."""
    return key_fingerprint(public_key_der(key))


def public_key_pem(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> bytes:
    """``-----BEGIN PUBLIC KEY-----`` PEM of ``key``'s public part."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def private_key_pem(key: rsa.RSAPrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM of ``key``, encrypted when ``password`` is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_private_key(data: bytes, password: bytes | None = None) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM (PKCS#1 or PKCS#8) or DER; :class:`ConfigError` otherwise."""
    loader = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    try:
        key = loader(data, password)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"not a readable private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError(f"not an RSA private key: {type(key).__name__}")
    return key


def load_public_key(data: bytes) -> rsa.RSAPublicKey:
    """An RSA public key from any form a deployment meets.

    Accepts a PEM public key, a PEM X.509 certificate, a PEM private key (its
    public part), DER ``SubjectPublicKeyInfo``, or the base64 of that DER as it
    appears in manifests and catalogues. Raises :class:`ConfigError` otherwise.
    """
    try:
        key = _public_from(data)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"not a readable public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError(f"not an RSA public key: {type(key).__name__}")
    return key


def _public_from(data: bytes) -> object:
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    if b"PRIVATE KEY-----" in data:
        return serialization.load_pem_private_key(data, None).public_key()
    if b"-----BEGIN" in data:
        return serialization.load_pem_public_key(data)
    if data[:1] == b"\x30":  # a DER SEQUENCE
        return serialization.load_der_public_key(data)
    try:
        der = base64.b64decode(b"".join(data.split()), validate=True)
    except binascii.Error as exc:
        raise ValueError("neither PEM, DER nor base64 DER") from exc
    return serialization.load_der_public_key(der)


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key with its ``keyId`` computed once."""

    private_key: rsa.RSAPrivateKey = field(repr=False)
    key_id: str = ""

    def __post_init__(self) -> None:
        if not self.key_id:
            object.__setattr__(self, "key_id", key_id(self.private_key))

    @classmethod
    def from_pem(cls, data: bytes, password: bytes | None = None) -> SigningKey:
        return cls(load_private_key(data, password))

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()
