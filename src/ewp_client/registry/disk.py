"""The optional on-disk copy of the catalogue: a restart neither waits for nor needs the Registry.

Two files per catalogue URL in the cache folder: the catalogue bytes and a
small JSON record (URL, validators, times, SHA-256 of the bytes). Both are
replaced atomically; a record that does not match its bytes (a crash between
the two writes, a hand edit) is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from ..errors import XmlError
from .cache import CachedCatalogue
from .parse import parse_catalogue

log = logging.getLogger("ewp_client.registry")


class DiskCache:
    """Where one catalogue URL's copy is kept on disk."""

    def __init__(self, directory: Path, url: str) -> None:
        self.directory = directory
        self.url = url
        stem = "catalogue-" + hashlib.sha256(url.encode()).hexdigest()[:16]
        self.body_path = directory / f"{stem}.xml"
        self.meta_path = directory / f"{stem}.json"

    def load(self) -> CachedCatalogue | None:
        """The saved copy, or ``None`` when there is none or it is unusable."""
        try:
            meta = json.loads(self.meta_path.read_text("utf-8"))
            body = self.body_path.read_bytes()
        except (OSError, ValueError):
            return None
        try:
            if meta["url"] != self.url or meta["sha256"] != hashlib.sha256(body).hexdigest():
                log.warning("ignoring the on-disk catalogue %s: it does not match", self.body_path)
                return None
            catalogue = parse_catalogue(body)
            return CachedCatalogue(
                catalogue=catalogue,
                body=body,
                etag=meta.get("etag"),
                last_modified=meta.get("last_modified"),
                validated_at=float(meta["validated_at"]),
                expires_at=float(meta["expires_at"]),
            )
        except (KeyError, TypeError, ValueError, XmlError) as exc:
            log.warning("ignoring the on-disk catalogue %s: %s", self.body_path, exc)
            return None

    def save(self, entry: CachedCatalogue, *, body_changed: bool) -> None:
        """Write the copy (the bytes only when they changed); failures are logged, not raised."""
        meta = {
            "url": self.url,
            "sha256": hashlib.sha256(entry.body).hexdigest(),
            "etag": entry.etag,
            "last_modified": entry.last_modified,
            "validated_at": entry.validated_at,
            "expires_at": entry.expires_at,
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if body_changed or not self.body_path.exists():
                _write_atomically(self.body_path, entry.body)
            _write_atomically(self.meta_path, json.dumps(meta, indent=2).encode("utf-8"))
        except OSError as exc:
            log.warning("cannot save the catalogue to %s: %s", self.directory, exc)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
