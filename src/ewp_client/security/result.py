"""What a successful verification vouches for."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["VerifyResult"]


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyResult:
    """A verified message: the signer's key, what the signature covered, and the trusted parts.

    ``headers`` holds only the signed headers (unsigned ones are dropped, as the
    specs require); ``body`` is the body the Digest was checked against. ``heis``
    are the HEIs the client key covers (empty for responses).
    """

    key_id: str
    covered: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    signature: str
    request_id: str | None = None
    heis: frozenset[str] = frozenset()

    def header(self, name: str) -> str | None:
        """A signed header's value (repeated headers joined by ``", "``), else ``None``."""
        wanted = name.lower()
        values = [v for n, v in self.headers if n.lower() == wanted]
        return ", ".join(values) if values else None
