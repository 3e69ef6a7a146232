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
    """A router, the manifest entry announcing it for one HEI, and its endpoints' rules.

    ``manifest_entry(config, hei_id)`` is the entry in ``hei_id``'s manifest
    (APIs without a HEI parameter, such as IIAs v7, have URLs per HEI).
    ``endpoints(config)`` maps each path the router serves to its request
    rules: the signature middleware verifies exactly these paths, and answers
    a method the rules do not take with 405 before reading the request.
    """

    router: APIRouter
    manifest_entry: Callable[[MockConfig, str], ManifestEntry]
    endpoints: Callable[[MockConfig], Mapping[str, EndpointRules]]
