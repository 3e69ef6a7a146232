"""What a partner API module contributes to the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter

from ewp_client.models.manifest_entries import ManifestEntry

from ..config import MockConfig

__all__ = ["MockApi"]


@dataclass(frozen=True, slots=True)
class MockApi:
    """A router, and the manifest entry announcing it at a node's URLs."""

    router: APIRouter
    manifest_entry: Callable[[MockConfig], ManifestEntry]
