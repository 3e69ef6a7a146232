"""RSA key pairs and the EWP ``keyId``; reading key bytes, writing key files.

EWP names a key by the lower-case hex SHA-256 of its DER ``SubjectPublicKeyInfo``
(the "binary public key" the Registry publishes). Signing keys are generated
with at least 2048 bits; loading accepts any RSA size, because verification
must also work with smaller published test keys.

Key bytes often come from elsewhere (a partner's file, a catalogue), so every
loader turns whatever the cryptography library raises on them (``ValueError``,
``TypeError``, ``UnsupportedAlgorithm`` for an algorithm it does not know,
``InternalError`` when OpenSSL refuses the key material) into
:class:`~ewp_client.errors.KeyFormatError`. Key files are written with a fixed
mode whatever the umask or an earlier file said, never through a symbolic link
(:func:`write_private_key`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.exceptions import InternalError, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import ConfigError, KeyFileError, KeyFormatError

__all__ = [
    "MIN_GENERATED_BITS",
    "PRIVATE_KEY_MODE",
    "PUBLIC_KEY_MODE",
    "SigningKey",
    "generate_private_key",
    "key_fingerprint",
    "key_id",
    "load_der_public_key",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_der",
    "public_key_pem",
    "write_private_key",
    "write_public_key",
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


#: What the cryptography library raises on key bytes it cannot use. ``InternalError``:
#: OpenSSL refusing key material the ASN.1 parsed fine (an Ed448 key labelled Ed25519).
_CRYPTOGRAPHY_ERRORS: Final = (
    ValueError,
    TypeError,
    UnsupportedAlgorithm,
    InternalError,
    x509.InvalidVersion,  # a certificate of an X.509 version that does not exist
)
_OID: Final = re.compile(r"\d+(?:\.\d+)+")


def load_private_key(
    data: bytes, password: bytes | None = None, *, source: str | None = None
) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM (PKCS#1 or PKCS#8) or DER.

    Raises :class:`~ewp_client.errors.KeyFormatError` (a :class:`ConfigError`)
    naming ``source`` (e.g. the file name) for anything else: unreadable or
    wrongly encrypted bytes, a key of another or an unknown algorithm.
    """
    loader = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    key = _loaded(lambda: loader(data, password), "private key", source)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise _not_rsa(key, "private key", source)
    return key


def load_public_key(data: bytes, *, source: str | None = None) -> rsa.RSAPublicKey:
    """An RSA public key from any form a deployment meets.

    Accepts a PEM public key, a PEM X.509 certificate, a PEM private key (its
    public part), DER ``SubjectPublicKeyInfo``, or the base64 of that DER as it
    appears in manifests and catalogues. Raises
    :class:`~ewp_client.errors.KeyFormatError` naming ``source`` otherwise.
    """
    key = _loaded(lambda: _public_from(data), "public key", source)
    if not isinstance(key, rsa.RSAPublicKey):
        raise _not_rsa(key, "public key", source)
    return key


def load_der_public_key(der: bytes, *, source: str | None = None) -> rsa.RSAPublicKey:
    """An RSA public key from DER ``SubjectPublicKeyInfo`` only (a catalogue's binaries).

    Raises :class:`~ewp_client.errors.KeyFormatError` naming ``source`` otherwise.
    """
    key = _loaded(lambda: serialization.load_der_public_key(der), "DER public key", source)
    if not isinstance(key, rsa.RSAPublicKey):
        raise _not_rsa(key, "public key", source)
    return key


def _loaded(load: Callable[[], object], what: str, source: str | None) -> object:
    """``load()``, with every error the cryptography library raises as a KeyFormatError."""
    prefix = f"{source}: " if source else ""
    try:
        return load()
    except UnsupportedAlgorithm as exc:
        oid = _OID.search(str(exc))
        raise KeyFormatError(
            f"{prefix}not a usable {what}: an algorithm this library cannot load ({exc})",
            source=source,
            algorithm=oid.group(0) if oid else "unknown",
        ) from exc
    except _CRYPTOGRAPHY_ERRORS as exc:
        raise KeyFormatError(f"{prefix}not a readable {what}: {exc}", source=source) from exc


def _not_rsa(key: object, what: str, source: str | None) -> KeyFormatError:
    """The error for a readable key that is not RSA; ``algorithm`` from its class name."""
    name = type(key).__name__
    algorithm = re.sub(r"(Public|Private)Key$", "", name) or name
    prefix = f"{source}: " if source else ""
    return KeyFormatError(
        f"{prefix}not an RSA {what}: a {algorithm} key", source=source, algorithm=algorithm
    )


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


# ---------------------------------------------------------------- key files

#: The mode of a private key file (owner read/write), whatever the umask says.
PRIVATE_KEY_MODE: Final = 0o600
#: The mode of a public key file.
PUBLIC_KEY_MODE: Final = 0o644


def write_private_key(
    path: str | os.PathLike[str],
    key: rsa.RSAPrivateKey,
    *,
    password: bytes | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``key`` as PKCS#8 PEM to ``path`` with mode 0600; returns the path.

    Safe against what may already be there: a symbolic link (dangling or not)
    is refused, never followed; an existing file is replaced only with
    ``overwrite``, and then by a new file renamed over it, so the key never
    inherits the old file's mode, owner or other hard links. Raises
    :class:`~ewp_client.errors.KeyFileError` (``path``, ``reason``).
    """
    return _write_key_file(
        Path(path), private_key_pem(key, password), mode=PRIVATE_KEY_MODE, overwrite=overwrite
    )


def write_public_key(
    path: str | os.PathLike[str],
    key: rsa.RSAPublicKey | rsa.RSAPrivateKey,
    *,
    overwrite: bool = False,
) -> Path:
    """Write ``key``'s public part as PEM to ``path`` with mode 0644, as safely as a private key."""
    return _write_key_file(
        Path(path), public_key_pem(key), mode=PUBLIC_KEY_MODE, overwrite=overwrite
    )


def _write_key_file(path: Path, data: bytes, *, mode: int, overwrite: bool) -> Path:
    _check_target(path, overwrite=overwrite)
    try:
        if overwrite:
            _replace_file(path, data, mode)
        else:
            _create_file(path, data, mode)
    except FileExistsError as exc:
        # Something appeared at the path since the check: say what it is.
        _check_target(path, overwrite=False)
        raise KeyFileError(f"{path} already exists", path=str(path), reason="exists") from exc
    except OSError as exc:
        raise KeyFileError(
            f"{path}: cannot write: {exc.strerror or exc}", path=str(path), reason="os-error"
        ) from exc
    return path


def _check_target(path: Path, *, overwrite: bool) -> None:
    """Refuse a symbolic link, a non-regular file, and (unless ``overwrite``) a file at ``path``."""
    try:
        found = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise KeyFileError(
            f"{path}: cannot write: {exc.strerror or exc}", path=str(path), reason="os-error"
        ) from exc
    if stat.S_ISLNK(found):
        raise KeyFileError(
            f"{path} is a symbolic link; key files are never written through one",
            path=str(path),
            reason="symlink",
        )
    if not stat.S_ISREG(found):
        raise KeyFileError(f"{path} exists and is not a file", path=str(path), reason="not-a-file")
    if not overwrite:
        raise KeyFileError(f"{path} already exists", path=str(path), reason="exists")


def _create_file(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` exclusively: ``O_EXCL`` fails on anything there, a link included."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, mode)
    try:
        _fill(fd, data, mode)
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)


def _replace_file(path: Path, data: bytes, mode: int) -> None:
    """Write a new file next to ``path`` and rename it over it (a rename never follows links)."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _fill(fd, data, mode)
        os.close(fd)
        fd = -1
        os.replace(temporary, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        os.unlink(temporary)
        raise


def _fill(fd: int, data: bytes, mode: int) -> None:
    os.fchmod(fd, mode)  # the umask may have taken bits away (or left too many)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


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
