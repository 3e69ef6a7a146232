"""``rsa-sha256``: RSASSA-PKCS1-v1_5 over SHA-256, the one algorithm EWP requires."""

from __future__ import annotations

import base64
import binascii
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = ["RSA_SHA256", "sign_rsa_sha256", "verify_rsa_sha256"]

RSA_SHA256: Final = "rsa-sha256"

_PADDING: Final = padding.PKCS1v15()
_HASH: Final = hashes.SHA256()


def sign_rsa_sha256(key: rsa.RSAPrivateKey, data: bytes) -> str:
    """The base64 ``rsa-sha256`` signature of ``data``."""
    return base64.b64encode(key.sign(data, _PADDING, _HASH)).decode("ascii")


def verify_rsa_sha256(key: rsa.RSAPublicKey, data: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``key``'s ``rsa-sha256`` signature of ``data``."""
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, data, _PADDING, _HASH)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
