"""Client configuration from a TOML file and EWP_* environment variables."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from ewp_client.config import ClientConfig, load_config, registry_url
from ewp_client.errors import ConfigError
from ewp_client.registry import DEVELOPMENT_CATALOGUE_URL, PRODUCTION_CATALOGUE_URL

FULL = """
hei-ids = ["alpha.example", "alpha-arts.example"]
private-key = "keys/private.pem"
public-key = "/etc/ewp/public.pem"
timeout = 12.5
connect-timeout = 3
log-personal-data = true

[proxies]
"https://" = "http://proxy.example:3128"

[registry]
source = "development"
cache-dir = "cache"
max-stale-age = 3600
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ewp.toml"
    path.write_text(text, "utf-8")
    return path


def test_defaults_are_production_fifteen_minutes_five_days():
    config = load_config(env={})
    assert config.registry.url == PRODUCTION_CATALOGUE_URL
    assert config.registry.policy.default_ttl == 15 * 60
    assert config.registry.policy.max_stale_age == 5 * 24 * 3600
    assert config.registry.cache_dir is None
    assert config.hei_ids == ()
    assert config.log_personal_data is False


def test_file_settings_with_paths_relative_to_the_file(tmp_path):
    config = load_config(write(tmp_path, FULL), env={})
    assert config.hei_ids == ("alpha.example", "alpha-arts.example")
    assert config.private_key == tmp_path / "keys" / "private.pem"
    assert config.public_key == Path("/etc/ewp/public.pem")
    assert (config.timeout, config.connect_timeout) == (12.5, 3.0)
    assert config.log_personal_data is True
    assert config.proxies == {"https://": "http://proxy.example:3128"}
    assert config.registry.url == DEVELOPMENT_CATALOGUE_URL
    assert config.registry.cache_dir == tmp_path / "cache"
    assert config.registry.policy.max_stale_age == 3600


def test_environment_overrides_the_file(tmp_path):
    env = {
        "EWP_CONFIG": str(write(tmp_path, FULL)),
        "EWP_HEI_IDS": "beta.example, gamma.example",
        "EWP_REGISTRY": "production",
        "EWP_TIMEOUT": "5",
        "EWP_PROXY": "http://other-proxy:8080",
        "EWP_PRIVATE_KEY": "/run/secrets/ewp.pem",
        "EWP_LOG_PERSONAL_DATA": "no",
        "EWP_REGISTRY_MAX_STALE_AGE": "60",
        "EWP_REGISTRY_CACHE_DIR": "/var/cache/ewp",
    }
    config = load_config(env=env)
    assert config.hei_ids == ("beta.example", "gamma.example")
    assert config.registry.url == PRODUCTION_CATALOGUE_URL
    assert config.timeout == 5
    assert config.connect_timeout == 3  # from the file
    assert config.proxies == {"all://": "http://other-proxy:8080"}
    assert config.private_key == Path("/run/secrets/ewp.pem")
    assert config.log_personal_data is False
    assert config.registry.policy.max_stale_age == 60
    assert config.registry.cache_dir == Path("/var/cache/ewp")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("production", PRODUCTION_CATALOGUE_URL),
        ("Development", DEVELOPMENT_CATALOGUE_URL),
        ("https://registry.test/catalogue-v1.xml", "https://registry.test/catalogue-v1.xml"),
        ("/srv/catalogue.xml", "file:///srv/catalogue.xml"),
    ],
)
def test_registry_sources(source, expected):
    assert registry_url(source) == expected


def test_relative_registry_file_is_relative_to_the_config(tmp_path):
    config = load_config(write(tmp_path, '[registry]\nsource = "cat.xml"\n'), env={})
    assert config.registry.url == (tmp_path / "cat.xml").as_uri()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('hei-id = ["x"]\n', "unknown setting.*hei-id"),
        ('[registry]\nurl = "x"\n', "registry.url"),
        ("timeout = -1\n", "timeout must be a positive"),
        ('timeout = "soon"\n', "timeout must be a number"),
        ('hei-ids = "x.example"\n', "hei-ids must be a list"),
        ("log-personal-data = 3\n", "log-personal-data must be true or false"),
        ('[registry]\nsource = "ftp://x/cat.xml"\n', "unsupported Registry address"),
        ("hei-ids = [\n", "not valid TOML"),
        ('proxies = "http://p"\n', r"\[proxies\]"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), env={})


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(env={"EWP_CONFIG": str(tmp_path / "absent.toml")})


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="EWP_CONNECT_TIMEOUT"):
        load_config(env={"EWP_CONNECT_TIMEOUT": "0"})


def test_http_client_options_build_working_clients(tmp_path):
    config = ClientConfig(timeout=7, connect_timeout=2, proxies={"https://": "http://p:3128"})
    options = config.http_client_options()
    assert options["timeout"] == httpx.Timeout(7, connect=2)
    with httpx.Client(**options) as client:
        assert client.timeout.read == 7
    async_options = config.async_http_client_options()
    assert all(isinstance(t, httpx.AsyncHTTPTransport) for t in async_options["mounts"].values())


def test_ca_bundle_becomes_the_trust_store(tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError, match="CA bundle"):
        ClientConfig(ca_bundle=bad).http_client_options()
    certifi = pytest.importorskip("certifi")
    options = ClientConfig(ca_bundle=Path(certifi.where())).http_client_options()
    assert isinstance(options["verify"], ssl.SSLContext)


@pytest.mark.parametrize(
    "proxies",
    [{"all://": "notaurl"}, {"foo": "http://p:1"}],
    ids=["bad-proxy-url", "bad-pattern"],
)
def test_bad_proxy_settings_are_config_errors(proxies):
    with pytest.raises(ConfigError, match="proxy"):
        ClientConfig(proxies=proxies).http_client_options()
    with pytest.raises(ConfigError, match="proxy"):
        ClientConfig(proxies=proxies).async_http_client_options()


def test_limits_default_to_the_parser_limit_and_two_minutes():
    config = load_config(env={})
    assert config.max_response_size == 64 * 1024 * 1024
    assert config.deadline == 120.0


def test_limits_from_the_file_and_the_environment(tmp_path):
    path = write(tmp_path, "deadline = 30\nmax-response-size = 1048576\n")
    config = load_config(path, env={})
    assert (config.deadline, config.max_response_size) == (30.0, 1048576)
    config = load_config(path, env={"EWP_DEADLINE": "5", "EWP_MAX_RESPONSE_SIZE": "2048"})
    assert (config.deadline, config.max_response_size) == (5.0, 2048)


@pytest.mark.parametrize(
    ("text", "env", "name"),
    [
        ("max-response-size = 0\n", {}, "max-response-size"),
        ("max-response-size = 1.5\n", {}, "max-response-size"),
        ("max-response-size = true\n", {}, "max-response-size"),
        ("deadline = -1\n", {}, "deadline"),
        ("", {"EWP_MAX_RESPONSE_SIZE": "64MiB"}, "EWP_MAX_RESPONSE_SIZE"),
        ("", {"EWP_DEADLINE": "soon"}, "EWP_DEADLINE"),
    ],
)
def test_unusable_limits_are_config_errors(tmp_path, text, env, name):
    with pytest.raises(ConfigError, match=name):
        load_config(write(tmp_path, text), env=env)
