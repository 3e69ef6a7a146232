"""``EwpClient.from_config`` / ``AsyncEwpClient.from_config``: every client setting takes effect.

The configuration file names our key pair, our HEIs, the Registry (a
catalogue file), the limits and the personal-data switch. The partner is the
mock partner app in process (tests/support/mock_partner.py, the catalogue
file the one its node publishes), which checks that our requests are signed
with the configured key; the broken partner of tests/support/network.py
answers 503 once for the logging switch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ewp_client.client import AsyncEwpClient, EwpClient, RetryPolicy
from ewp_client.config import ClientConfig, load_config
from ewp_client.error_response import render_error_response
from ewp_client.errors import ConfigError
from ewp_client.security import private_key_pem, public_key_pem
from tests.client.test_client_core import ECHO, echo_handler
from tests.support.mock_partner import MockPartner, mock_partner
from tests.support.network import US, Network, Sleeps, key, make_network


@pytest.fixture
def net(tmp_path: Path) -> Network:
    return make_network(tmp_path)


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[MockPartner]:
    partner = mock_partner(tmp_path)
    yield partner
    partner.close()


def write_config(
    net: Network | MockPartner, tmp_path: Path, *, public_key: int = 1, extra: str = ""
) -> Path:
    keys = tmp_path / "keys"
    keys.mkdir(exist_ok=True)
    (keys / "private.pem").write_bytes(private_key_pem(net.our_key.private_key))
    (keys / "public.pem").write_bytes(public_key_pem(key(public_key).public_key))
    path = tmp_path / "ewp.toml"
    path.write_text(
        f"""
hei-ids = ["{US}"]
private-key = "keys/private.pem"
public-key = "keys/public.pem"
timeout = 7
connect-timeout = 2
deadline = 45
max-response-size = 1048576
log-personal-data = true
{extra}
[registry]
source = "{net.catalogue_path.name}"
""",
        "utf-8",
    )
    return path


def test_every_client_setting_of_the_file_takes_effect(mock: MockPartner, tmp_path: Path) -> None:
    config = load_config(write_config(mock, tmp_path), env={})
    with EwpClient.from_config(config, http=mock.http()) as client:
        answer = client.call(ECHO)  # the partner accepted our signature
        assert client.key is not None
        assert client.key.key_id == mock.our_key.key_id
        assert client.hei_ids == (US,)
        assert client.our_hei() == US
        assert (client.max_response_size, client.deadline) == (1048576, 45.0)
        assert client.log_personal_data is True
        assert client.registry.url == mock.catalogue_path.as_uri()
    assert answer.verified is not None
    assert answer.verified.key_id == mock.server_key_id
    assert f'keyId="{mock.our_key.key_id}"' in mock.requests[0].headers["Authorization"]


def test_the_client_makes_its_http_client_from_the_configuration(
    mock: MockPartner, tmp_path: Path
) -> None:
    config = load_config(write_config(mock, tmp_path), env={})
    client = EwpClient.from_config(config)
    assert client.http.timeout == httpx.Timeout(7, connect=2)
    client.close()
    assert client.http.is_closed


async def test_the_async_client_too(mock: MockPartner, tmp_path: Path) -> None:
    config = load_config(write_config(mock, tmp_path), env={})
    async with AsyncEwpClient.from_config(config, http=mock.async_http()) as client:
        answer = await client.call(ECHO)
        assert client.key is not None
        assert client.key.key_id == mock.our_key.key_id
        assert (client.hei_ids, client.deadline) == ((US,), 45.0)
    assert answer.verified is not None
    assert answer.verified.key_id == mock.server_key_id


def test_a_public_key_that_is_not_the_private_keys_half_is_refused(
    mock: MockPartner, tmp_path: Path
) -> None:
    config = load_config(write_config(mock, tmp_path, public_key=2), env={})
    with pytest.raises(ConfigError, match="not the public half") as info:
        EwpClient.from_config(config)
    assert key(2).key_id in str(info.value)
    assert mock.our_key.key_id in str(info.value)


def test_a_public_key_without_a_private_key_is_refused(tmp_path: Path) -> None:
    config = ClientConfig(public_key=tmp_path / "public.pem")
    with pytest.raises(ConfigError, match="private-key is not"):
        config.signing_key()


def test_an_unreadable_private_key_is_a_config_error(tmp_path: Path) -> None:
    config = ClientConfig(private_key=tmp_path / "missing.pem")
    with pytest.raises(ConfigError, match=r"missing\.pem"):
        config.signing_key()


def test_no_key_configured_means_unsigned_requests() -> None:
    assert ClientConfig().signing_key() is None


def test_our_hei_is_checked_against_the_configured_heis(mock: MockPartner) -> None:
    with EwpClient(mock.registry(), key=mock.our_key, hei_ids=[US, "second.example"]) as client:
        assert client.our_hei(US.upper()) == US.upper()
        with pytest.raises(ConfigError, match="2 HEIs"):
            client.our_hei()
        with pytest.raises(ConfigError, match="not among"):
            client.our_hei("stranger.example")
    with EwpClient(mock.registry(), key=mock.our_key) as client:
        assert client.our_hei("any.example") == "any.example"  # nothing configured to check


def flaky_with_personal_data() -> object:
    answers = iter([503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        if next(answers) == 200:
            return echo_handler(request)
        return httpx.Response(503, content=render_error_response("student Jan Kowalski failed"))

    return handler


@pytest.mark.parametrize("switch", [True, False], ids=["on", "off"])
def test_log_personal_data_is_the_one_switch_for_partner_text_in_logs(
    net: Network, tmp_path: Path, caplog: pytest.LogCaptureFixture, switch: bool
) -> None:
    config = load_config(write_config(net, tmp_path), env={"EWP_LOG_PERSONAL_DATA": str(switch)})
    http = httpx.Client(transport=net.partner(flaky_with_personal_data()))  # type: ignore[arg-type]
    caplog.set_level(logging.INFO, logger="ewp_client")
    with EwpClient.from_config(config, http=http, sleep=Sleeps(), retry=RetryPolicy()) as c:
        c.call(ECHO)
    assert "503" in caplog.text
    assert ("Kowalski" in caplog.text) is switch
