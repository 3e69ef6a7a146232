"""The state directory of a running node: what any client needs to trust and call it.

``ewp-mock serve --state-dir DIR`` writes these files at start (``DIR`` is
made, mode 0700, when missing; without the option a temporary directory is
made, printed, and removed when the node stops):

=========================  =====  ==================================================
file                       mode   what it is
=========================  =====  ==================================================
``ca.pem``                 0644   the local CA certificate: trust it (curl
                                  ``--cacert``, a Java truststore, httpx ``verify``,
                                  ``EWP_CA_BUNDLE``)
``tls-certificate.pem``    0644   the node's TLS server certificate (issued by the CA)
``tls-key.pem``            0600   its private key (ECDSA P-256)
``server-key.pem``         0600   the RSA key the node signs its responses with
``server-public-key.pem``  0644   its public part (published in the catalogue)
``client-key.pem``         0600   the node's own client credential (RSA)
``client-public-key.pem``  0644   its public part (published in the catalogue)
``catalogue.xml``          0644   the Registry catalogue the node serves, as at start
``node.json``              0644   the start-up document (URLs, keyIds, files), the
                                  same as ``ewp-mock serve --json`` prints
``exchanges.jsonl``        0600   every exchange received and sent, one JSON object
                                  a line, appended as it ends (made at the first);
                                  students' personal data masked unless
                                  ``--keep-personal-data``. Past 16 MiB it is renamed
                                  ``exchanges.jsonl.1`` (replacing the older one)
                                  and a new file begun: at most about 32 MiB in all
=========================  =====  ==================================================

With ``--plain-http`` the TLS files are not written. Files of an earlier run
are replaced (by a new file renamed over the old one, so a reader never sees
half a file and a key never inherits an old file's mode); a symbolic link
where a file goes is refused, never written through. The CA's private key is
never written (see :mod:`ewp_mock.tls`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ewp_client.errors import KeyFileError, StateDirError
from ewp_client.security import SigningKey, write_private_key, write_public_key

from .tls import LocalCa, ServerCertificate, certificate_pem, tls_private_key_pem

__all__ = [
    "CATALOGUE_FILE",
    "CA_FILE",
    "CLIENT_KEY_FILE",
    "CLIENT_PUBLIC_KEY_FILE",
    "NODE_FILE",
    "SERVER_KEY_FILE",
    "SERVER_PUBLIC_KEY_FILE",
    "TLS_CERTIFICATE_FILE",
    "TLS_KEY_FILE",
    "StateDir",
]

CA_FILE: Final = "ca.pem"
TLS_CERTIFICATE_FILE: Final = "tls-certificate.pem"
TLS_KEY_FILE: Final = "tls-key.pem"
SERVER_KEY_FILE: Final = "server-key.pem"
SERVER_PUBLIC_KEY_FILE: Final = "server-public-key.pem"
CLIENT_KEY_FILE: Final = "client-key.pem"
CLIENT_PUBLIC_KEY_FILE: Final = "client-public-key.pem"
CATALOGUE_FILE: Final = "catalogue.xml"
NODE_FILE: Final = "node.json"

_PRIVATE: Final = 0o600
_PUBLIC: Final = 0o644


@dataclass(frozen=True)
class StateDir:
    """A node's state directory; ``temporary`` ones are removed by :meth:`close`."""

    path: Path
    temporary: bool = False

    @classmethod
    def open(cls, path: Path | None) -> StateDir:
        """``path`` (made, mode 0700, when missing), or a new temporary directory when ``None``."""
        if path is None:
            return cls(Path(tempfile.mkdtemp(prefix="ewp-mock-")), temporary=True)
        if path.is_symlink() and not path.is_dir():
            raise StateDirError(
                f"{path}: a dangling symbolic link, not a directory",
                path=str(path),
                reason="symlink",
            )
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except FileExistsError as exc:
            raise StateDirError(
                f"{path}: not a directory", path=str(path), reason="not-a-directory"
            ) from exc
        except OSError as exc:
            raise _os_error(path, exc) from exc
        if not path.is_dir():
            raise StateDirError(
                f"{path}: not a directory", path=str(path), reason="not-a-directory"
            )
        return cls(path)

    def file(self, name: str) -> Path:
        return self.path / name

    # ------------------------------------------------------------------ writing

    def write_tls(self, ca: LocalCa, server: ServerCertificate) -> None:
        """The CA certificate, the server certificate and its key (0600)."""
        self.write(CA_FILE, certificate_pem(ca.certificate))
        self.write(TLS_CERTIFICATE_FILE, certificate_pem(server.certificate))
        self.write(TLS_KEY_FILE, tls_private_key_pem(server.private_key), mode=_PRIVATE)

    def write_keys(self, server_key: SigningKey, client_key: SigningKey) -> None:
        """The node's RSA keys (private 0600, public 0644), through the library's safe writers."""
        for private, public, key in (
            (SERVER_KEY_FILE, SERVER_PUBLIC_KEY_FILE, server_key),
            (CLIENT_KEY_FILE, CLIENT_PUBLIC_KEY_FILE, client_key),
        ):
            try:
                write_private_key(self.file(private), key.private_key, overwrite=True)
                write_public_key(self.file(public), key.public_key, overwrite=True)
            except KeyFileError as exc:
                raise StateDirError(str(exc), path=exc.path, reason=_reason(exc)) from exc

    def write_document(self, document: dict[str, Any]) -> None:
        """``node.json``: the start-up document."""
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        self.write(NODE_FILE, text.encode("utf-8"))

    def write(self, name: str, data: bytes, *, mode: int = _PUBLIC) -> Path:
        """Write ``name`` whole, by a new file renamed over any old one; returns its path."""
        target = self.file(name)
        if target.is_symlink():
            raise StateDirError(
                f"{target}: a symbolic link; not written through",
                path=str(target),
                reason="symlink",
            )
        try:
            descriptor, temporary = tempfile.mkstemp(dir=self.path, prefix=f".{name}.")
        except OSError as exc:
            raise _os_error(self.path, exc) from exc
        try:
            with os.fdopen(descriptor, "wb") as out:
                os.fchmod(out.fileno(), mode)
                out.write(data)
            os.replace(temporary, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise _os_error(target, exc) from exc
        return target

    def close(self) -> None:
        """Remove the directory if it is a temporary one (a given one stays, files and all)."""
        if self.temporary:
            shutil.rmtree(self.path, ignore_errors=True)


def _os_error(path: Path, exc: OSError) -> StateDirError:
    return StateDirError(
        f"{path}: cannot write: {exc.strerror or exc}", path=str(path), reason="os-error"
    )


def _reason(exc: KeyFileError) -> str:
    return exc.reason if exc.reason in ("symlink", "os-error") else "os-error"
