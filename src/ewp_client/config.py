"""Client configuration: who we are on the network and how we reach it.

A deployment needs the key that signs our requests, the HEIs we act for, the
Registry to trust (production, the EWP development registry, or a local file or
URL for tests), timeouts, a CA bundle and proxies. :func:`load_config` reads
them from a TOML file and ``EWP_*`` environment variables (the environment
wins), so that the CLI and services are configured the same way::

    hei-ids = ["uw.edu.pl"]
    private-key = "keys/ewp-private.pem"   # relative to this file
    public-key = "keys/ewp-public.pem"
    ca-bundle = "/etc/ssl/certs/ca-certificates.crt"
    timeout = 30
    connect-timeout = 10
    deadline = 120                         # seconds one exchange may take in all
    max-response-size = 67108864           # bytes (64 MiB), as received and decoded
    log-personal-data = false

    [proxies]
    "https://" = "http://proxy.example:3128"

    [registry]
    source = "development"                 # production | development | URL | path
    cache-dir = "~/.cache/ewp"
    max-stale-age = 432000                 # seconds (5 days)

Environment variables: ``EWP_CONFIG`` (the file), ``EWP_HEI_IDS`` (comma
separated), ``EWP_PRIVATE_KEY``, ``EWP_PUBLIC_KEY``, ``EWP_CA_BUNDLE``,
``EWP_TIMEOUT``, ``EWP_CONNECT_TIMEOUT``, ``EWP_DEADLINE``,
``EWP_MAX_RESPONSE_SIZE``, ``EWP_PROXY`` (all traffic),
``EWP_LOG_PERSONAL_DATA``, ``EWP_REGISTRY`` (the source),
``EWP_REGISTRY_CACHE_DIR``, ``EWP_REGISTRY_MAX_STALE_AGE``.

:data:`FILE_KEYS`, :data:`REGISTRY_KEYS` and :data:`ENV_VARS` are what the
reader accepts; ``docs/configuration.md`` documents each (a test keeps them in step).
"""

from __future__ import annotations

import os
import ssl
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import httpx

from .errors import ConfigError
from .registry.cache import DEVELOPMENT_CATALOGUE_URL, PRODUCTION_CATALOGUE_URL, CachePolicy
from .registry.client import resolve_source
from .security.body import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_SIZE
from .security.keys import SigningKey, key_id, load_public_key

#: Registry names accepted wherever a Registry source is configured.
REGISTRY_ALIASES: Final[Mapping[str, str]] = {
    "production": PRODUCTION_CATALOGUE_URL,
    "development": DEVELOPMENT_CATALOGUE_URL,
}

#: The keys of the configuration file's top level.
FILE_KEYS: Final = (
    "hei-ids",
    "private-key",
    "public-key",
    "ca-bundle",
    "timeout",
    "connect-timeout",
    "deadline",
    "max-response-size",
    "proxies",
    "log-personal-data",
    "registry",
)
#: The keys of the configuration file's ``[registry]`` table.
REGISTRY_KEYS: Final = ("source", "cache-dir", "max-stale-age")
#: Every environment variable the reader looks at.
ENV_VARS: Final = (
    "EWP_CONFIG",
    "EWP_HEI_IDS",
    "EWP_PRIVATE_KEY",
    "EWP_PUBLIC_KEY",
    "EWP_CA_BUNDLE",
    "EWP_TIMEOUT",
    "EWP_CONNECT_TIMEOUT",
    "EWP_DEADLINE",
    "EWP_MAX_RESPONSE_SIZE",
    "EWP_PROXY",
    "EWP_LOG_PERSONAL_DATA",
    "EWP_REGISTRY",
    "EWP_REGISTRY_CACHE_DIR",
    "EWP_REGISTRY_MAX_STALE_AGE",
)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryConfig:
    """Which catalogue to trust and how to cache it."""

    url: str = PRODUCTION_CATALOGUE_URL
    cache_dir: Path | None = None
    policy: CachePolicy = field(default_factory=CachePolicy)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientConfig:
    """Everything an EWP client needs besides the partner it talks to."""

    hei_ids: tuple[str, ...] = ()
    private_key: Path | None = None
    public_key: Path | None = None
    registry: RegistryConfig = field(default_factory=RegistryConfig)
    timeout: float = 30.0
    connect_timeout: float = 10.0
    ca_bundle: Path | None = None
    proxies: Mapping[str, str] = field(default_factory=dict)
    deadline: float = DEFAULT_DEADLINE
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE
    log_personal_data: bool = False

    def signing_key(self) -> SigningKey | None:
        """The key that signs our requests, read from ``private_key`` (``None`` when unset).

        When ``public_key`` is set too it must be the private key's public half
        (a deployment that publishes one key and signs with another is refused
        here rather than by every partner). Raises :class:`ConfigError`.
        """
        if self.private_key is None:
            if self.public_key is not None:
                raise ConfigError(f"public-key {self.public_key} is set but private-key is not")
            return None
        key = SigningKey.from_pem(_read_key(self.private_key, "private-key"))
        if self.public_key is not None:
            public = load_public_key(
                _read_key(self.public_key, "public-key"), source=str(self.public_key)
            )
            if key_id(public) != key.key_id:
                raise ConfigError(
                    f"public-key {self.public_key} (keyId {key_id(public)}) is not the public "
                    f"half of private-key {self.private_key} (keyId {key.key_id})"
                )
        return key

    def http_client_options(self) -> dict[str, Any]:
        """Keyword arguments for :class:`httpx.Client` / :class:`httpx.AsyncClient`."""
        options: dict[str, Any] = {
            "timeout": httpx.Timeout(self.timeout, connect=self.connect_timeout),
        }
        if self.ca_bundle is not None:
            try:
                options["verify"] = ssl.create_default_context(cafile=str(self.ca_bundle))
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(f"CA bundle {self.ca_bundle}: {exc}") from exc
        if self.proxies:
            options["mounts"] = _mounts(self.proxies, httpx.HTTPTransport)
        return options

    def async_http_client_options(self) -> dict[str, Any]:
        """Like :meth:`http_client_options`, with async transports for the proxies."""
        options = self.http_client_options()
        if self.proxies:
            options["mounts"] = _mounts(self.proxies, httpx.AsyncHTTPTransport)
        return options


def _mounts(proxies: Mapping[str, str], transport: Callable[..., Any]) -> dict[str, Any]:
    """httpx mounts for ``proxies`` (URL pattern -> proxy URL); bad entries are a ConfigError."""
    mounts = {}
    for pattern, url in proxies.items():
        if "://" not in pattern:
            raise ConfigError(
                f"proxy pattern {pattern!r} is not a URL pattern (e.g. 'https://' or 'all://')"
            )
        try:
            mounts[pattern] = transport(proxy=url)
        except (ValueError, TypeError, ImportError, httpx.InvalidURL) as exc:
            raise ConfigError(f"proxy {url!r} for {pattern!r}: {exc}") from exc
    return mounts


def registry_url(source: str, *, base: Path | None = None) -> str:
    """``production`` / ``development`` / a URL / a path (relative to ``base``) -> catalogue URL."""
    alias = REGISTRY_ALIASES.get(source.strip().lower())
    if alias is not None:
        return alias
    if base is not None and "://" not in source and not Path(source).expanduser().is_absolute():
        return resolve_source(base / source)
    return resolve_source(source)


def load_config(
    path: Path | str | None = None, *, env: Mapping[str, str] | None = None
) -> ClientConfig:
    """Read ``path`` (or ``$EWP_CONFIG``; none is fine), then apply ``EWP_*`` variables.

    Raises :class:`ConfigError` naming the setting when a value is unusable.
    """
    environ = os.environ if env is None else env
    file = path if path is not None else environ.get("EWP_CONFIG") or None
    config = ClientConfig()
    if file is not None:
        config = _from_file(Path(file))
    return _from_env(config, environ)


def _from_file(path: Path) -> ClientConfig:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    base = path.resolve().parent
    _reject_unknown(path, "", data, set(FILE_KEYS))
    reg = data.get("registry", {})
    if not isinstance(reg, dict):
        raise ConfigError(f"{path}: [registry] must be a table")
    _reject_unknown(path, "registry.", reg, set(REGISTRY_KEYS))
    proxies = data.get("proxies", {})
    if not isinstance(proxies, dict) or not all(isinstance(v, str) for v in proxies.values()):
        raise ConfigError(f"{path}: [proxies] must map URL patterns to proxy URLs")
    policy = CachePolicy()
    if "max-stale-age" in reg:
        age = _seconds("registry.max-stale-age", reg["max-stale-age"])
        policy = replace(policy, max_stale_age=age)
    source = _string("registry.source", reg.get("source", "production"))
    return ClientConfig(
        hei_ids=_hei_ids("hei-ids", data.get("hei-ids", [])),
        private_key=_path(data.get("private-key"), base, "private-key"),
        public_key=_path(data.get("public-key"), base, "public-key"),
        ca_bundle=_path(data.get("ca-bundle"), base, "ca-bundle"),
        timeout=_seconds("timeout", data.get("timeout", 30.0)),
        connect_timeout=_seconds("connect-timeout", data.get("connect-timeout", 10.0)),
        deadline=_seconds("deadline", data.get("deadline", DEFAULT_DEADLINE)),
        max_response_size=_bytes(
            "max-response-size", data.get("max-response-size", DEFAULT_MAX_RESPONSE_SIZE)
        ),
        proxies=dict(proxies),
        log_personal_data=_flag("log-personal-data", data.get("log-personal-data", False)),
        registry=RegistryConfig(
            url=registry_url(source, base=base),
            cache_dir=_path(reg.get("cache-dir"), base, "registry.cache-dir"),
            policy=policy,
        ),
    )


def _from_env(config: ClientConfig, env: Mapping[str, str]) -> ClientConfig:
    changes: dict[str, Any] = {}
    registry = config.registry
    if "EWP_HEI_IDS" in env:
        changes["hei_ids"] = _hei_ids("EWP_HEI_IDS", env["EWP_HEI_IDS"].split(","))
    for var, attr in (
        ("EWP_PRIVATE_KEY", "private_key"),
        ("EWP_PUBLIC_KEY", "public_key"),
        ("EWP_CA_BUNDLE", "ca_bundle"),
    ):
        if env.get(var):
            changes[attr] = Path(env[var]).expanduser()
    for var, attr in (
        ("EWP_TIMEOUT", "timeout"),
        ("EWP_CONNECT_TIMEOUT", "connect_timeout"),
        ("EWP_DEADLINE", "deadline"),
    ):
        if var in env:
            changes[attr] = _seconds(var, env[var])
    if "EWP_MAX_RESPONSE_SIZE" in env:
        changes["max_response_size"] = _bytes("EWP_MAX_RESPONSE_SIZE", env["EWP_MAX_RESPONSE_SIZE"])
    if env.get("EWP_PROXY"):
        changes["proxies"] = {"all://": env["EWP_PROXY"]}
    if "EWP_LOG_PERSONAL_DATA" in env:
        changes["log_personal_data"] = _flag("EWP_LOG_PERSONAL_DATA", env["EWP_LOG_PERSONAL_DATA"])
    if env.get("EWP_REGISTRY"):
        registry = replace(registry, url=registry_url(env["EWP_REGISTRY"]))
    if env.get("EWP_REGISTRY_CACHE_DIR"):
        registry = replace(registry, cache_dir=Path(env["EWP_REGISTRY_CACHE_DIR"]).expanduser())
    if "EWP_REGISTRY_MAX_STALE_AGE" in env:
        age = _seconds("EWP_REGISTRY_MAX_STALE_AGE", env["EWP_REGISTRY_MAX_STALE_AGE"])
        registry = replace(registry, policy=replace(registry.policy, max_stale_age=age))
    return replace(config, registry=registry, **changes)


def _reject_unknown(path: Path, prefix: str, table: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(prefix + k for k in unknown)}")


def _string(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name} must be a non-empty string, not {value!r}")
    return value.strip()


def _hei_ids(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{name} must be a list of HEI ids (SCHAC codes), not {value!r}")
    return tuple(v.strip() for v in value if v.strip())


def _path(value: Any, base: Path, name: str) -> Path | None:
    if value is None:
        return None
    path = Path(_string(name, value)).expanduser()
    return path if path.is_absolute() else base / path


def _seconds(name: str, value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if not seconds > 0 or seconds == float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, not {value!r}")
    return seconds


def _bytes(name: str, value: Any) -> int:
    text = str(value).strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.isdigit():
        text = int(text)
    if isinstance(text, bool) or not isinstance(text, int) or text < 1:
        raise ConfigError(f"{name} must be a positive whole number of bytes, not {value!r}")
    return text


def _read_key(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{name} {path}: cannot read: {exc.strerror or exc}") from exc


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")
