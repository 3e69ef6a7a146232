"""The EWP Registry: the catalogue model and its lookups, the caching client, the builder."""

from __future__ import annotations

from ..security.keys import key_fingerprint
from .builder import build_catalogue, render_catalogue
from .cache import (
    DEVELOPMENT_CATALOGUE_URL,
    PRODUCTION_CATALOGUE_URL,
    CachedCatalogue,
    CachePolicy,
    freshness_lifetime,
)
from .catalogue import Catalogue
from .client import AsyncRegistryClient, RegistryClient, resolve_source
from .model import (
    DEFAULT_MAX_IDS,
    ApiEntry,
    AuthMethod,
    ClientKey,
    Hei,
    Host,
    HostedApi,
    HttpSecurity,
    LocalizedName,
    OtherHeiId,
    version_key,
)
from .parse import parse_catalogue

__all__ = [
    "DEFAULT_MAX_IDS",
    "DEVELOPMENT_CATALOGUE_URL",
    "PRODUCTION_CATALOGUE_URL",
    "ApiEntry",
    "AsyncRegistryClient",
    "AuthMethod",
    "CachePolicy",
    "CachedCatalogue",
    "Catalogue",
    "ClientKey",
    "Hei",
    "Host",
    "HostedApi",
    "HttpSecurity",
    "LocalizedName",
    "OtherHeiId",
    "RegistryClient",
    "build_catalogue",
    "freshness_lifetime",
    "key_fingerprint",
    "parse_catalogue",
    "render_catalogue",
    "resolve_source",
    "version_key",
]
