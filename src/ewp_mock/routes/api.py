"""What a partner API module contributes to the app."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fastapi import APIRouter

from ewp_client.models.manifest_entries import ManifestEntry
from ewp_client.server import EndpointRules

from ..config import MockConfig

__all__ = ["MockApi"]


@dataclass(frozen=True, slots=True)
class MockApi:
    """A router, the manifest entry announcing it at a node's URLs, and its endpoints' rules.

    ``endpoints`` maps each path the router serves to its request rules: the
    signature middleware verifies exactly these paths, and answers a method
    the rules do not take with 405 before reading the request.
    """

    router: APIRouter
    manifest_entry: Callable[[MockConfig], ManifestEntry]
    endpoints: Mapping[str, EndpointRules]
