"""The caching Registry client against a real HTTP server on 127.0.0.1.

Time is a :class:`FakeClock`; what the tests observe is what went over the wire
(requests counted and their headers) and what the client returns or raises.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ewp_client.errors import MalformedXmlError, RegistryUnavailableError
from ewp_client.registry import CachePolicy, RegistryClient

from .helpers import key_id, network_xml, serve_registry

DAY = 24 * 3600
LAST_MODIFIED = "Tue, 14 Nov 2023 22:13:20 GMT"


@pytest.fixture
def client(registry, clock):
    with RegistryClient(registry.url, clock=clock) as c:
        yield c


def test_default_url_is_the_production_registry():
    with RegistryClient() as c:
        assert c.url == "https://registry.erasmuswithoutpaper.eu/catalogue-v1.xml"


def test_copy_is_reused_for_fifteen_minutes_without_cache_headers(registry, client, clock):
    registry.publish(network_xml())
    first = client.catalogue()
    clock.advance(15 * 60 - 1)
    assert client.catalogue() is first
    assert len(registry.requests) == 1
    clock.advance(1)
    client.catalogue()
    assert len(registry.requests) == 2


def test_304_keeps_the_copy_and_sends_both_validators(registry, client, clock):
    registry.publish(network_xml(), etag='"v1"', last_modified=LAST_MODIFIED)
    first = client.catalogue()
    assert "if-none-match" not in registry.requests[0]
    clock.advance(15 * 60)
    assert client.catalogue() is first
    assert registry.requests[1]["if-none-match"] == '"v1"'
    assert registry.requests[1]["if-modified-since"] == LAST_MODIFIED
    assert client.cached.validated_at == clock.now
    # The 304 renewed the lifetime: no request for another 15 minutes.
    clock.advance(15 * 60 - 1)
    client.catalogue()
    assert len(registry.requests) == 2


def test_304_on_last_modified_alone(registry, client, clock):
    registry.publish(network_xml(), last_modified=LAST_MODIFIED)
    first = client.catalogue()
    clock.advance(15 * 60)
    assert client.catalogue() is first
    assert registry.requests[1]["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in registry.requests[1]


def test_changed_catalogue_replaces_the_copy(registry, client, clock):
    registry.publish(network_xml(), etag='"v1"')
    assert client.catalogue().client_key(key_id(4)) is None
    registry.publish(network_xml(rotated=True), etag='"v2"')
    clock.advance(15 * 60)
    assert client.catalogue().client_key(key_id(4)) is not None
    assert client.cached.etag == '"v2"'


@pytest.mark.parametrize(
    ("headers", "lifetime"),
    [
        ({"cache_control": "max-age=5"}, 60),  # below 1 minute: raised to 1 minute
        ({"cache_control": "public, max-age=86400"}, 3 * 3600),  # above 3 hours: cut to 3 hours
        ({"cache_control": "max-age=1200"}, 1200),
        ({"cache_control": "max-age=1200", "age": "300"}, 900),
        ({"cache_control": "no-cache"}, 60),
        ({"expires": "Tue, 14 Nov 2023 23:13:20 GMT", "date": LAST_MODIFIED}, 3600),
        ({"expires": "yesterday-ish"}, 60),
    ],
)
def test_lifetime_follows_cache_headers_clamped_to_one_minute_and_three_hours(
    registry, client, clock, headers, lifetime
):
    registry.publish(network_xml(), **headers)
    client.catalogue()
    clock.advance(lifetime - 1)
    client.catalogue()
    assert len(registry.requests) == 1, "asked again before the lifetime ended"
    clock.advance(1)
    client.catalogue()
    assert len(registry.requests) == 2, "did not ask again when the lifetime ended"


def test_registry_down_serves_stale_copy_for_five_days(registry, client, clock):
    registry.publish(network_xml())
    first = client.catalogue()
    registry.status = 503
    clock.advance(15 * 60)
    assert client.catalogue() is first
    assert len(registry.requests) == 2
    # Within the retry interval the Registry is not asked again.
    clock.advance(59)
    assert client.catalogue() is first
    assert len(registry.requests) == 2
    clock.advance(5 * DAY - 15 * 60 - 59)
    assert client.catalogue() is first
    clock.advance(1)
    with pytest.raises(RegistryUnavailableError, match="503"):
        client.catalogue()


def test_stale_window_is_configurable(registry, clock):
    registry.publish(network_xml())
    with RegistryClient(registry.url, clock=clock, policy=CachePolicy(max_stale_age=3600)) as c:
        c.catalogue()
        registry.status = 500
        clock.advance(3600)
        c.catalogue()
        clock.advance(61)
        with pytest.raises(RegistryUnavailableError, match="more than the 3600 s allowed"):
            c.catalogue()


def test_registry_recovering_ends_the_fallback(registry, client, clock):
    registry.publish(network_xml(), etag='"v1"')
    first = client.catalogue()
    registry.status = 502
    clock.advance(2 * DAY)
    assert client.catalogue() is first
    registry.status = None
    clock.advance(60)
    assert client.catalogue() is first  # 304: still the same catalogue...
    assert client.cached.validated_at == clock.now  # ...but confirmed now


def test_unreachable_registry_serves_stale_copy(clock):
    with serve_registry() as server:
        server.publish(network_xml())
        client = RegistryClient(server.url, clock=clock)
        first = client.catalogue()
    # The server is gone: connections are refused.
    clock.advance(DAY)
    assert client.catalogue() is first
    clock.advance(5 * DAY)
    with pytest.raises(RegistryUnavailableError, match="more than the 432000 s allowed"):
        client.catalogue()
    client.close()


def test_no_copy_and_no_registry_is_unavailable(registry, client):
    registry.status = 503
    with pytest.raises(RegistryUnavailableError, match="no cached copy"):
        client.catalogue()


def test_garbage_from_the_registry_keeps_the_old_copy(registry, client, clock):
    registry.publish(network_xml())
    first = client.catalogue()
    registry.publish(b"<catalogue><host>")
    clock.advance(15 * 60)
    assert client.catalogue() is first


def test_garbage_and_no_copy_says_why(registry, client):
    registry.publish(b"<html>Service Unavailable")
    with pytest.raises(RegistryUnavailableError) as info:
        client.catalogue()
    assert isinstance(info.value.__cause__, MalformedXmlError)


def test_unknown_key_forces_one_refresh(registry, client, clock):
    registry.publish(network_xml(), etag='"v1"')
    client.catalogue()
    registry.publish(network_xml(rotated=True), etag='"v2"')
    clock.advance(61)  # the copy is fresh (15 minutes) but older than a minute
    key = client.client_key(key_id(4))
    assert key is not None
    assert key.hei_ids == {"alpha.example", "alpha-arts.example"}
    assert len(registry.requests) == 2
    assert registry.requests[1]["if-none-match"] == '"v1"'


def test_forced_refreshes_are_rate_limited(registry, client, clock):
    registry.publish(network_xml())
    client.catalogue()
    clock.advance(61)
    assert client.client_key("0" * 64) is None
    assert len(registry.requests) == 2
    for _ in range(5):
        clock.advance(10)
        assert client.client_key("1" * 64) is None
    assert len(registry.requests) == 2, "bogus key ids must not turn into Registry downloads"
    clock.advance(10)
    assert client.client_key("2" * 64) is None
    assert len(registry.requests) == 3


def test_known_key_needs_no_refresh(registry, client, clock):
    registry.publish(network_xml())
    clock.advance(0)
    assert client.heis_covered_by(key_id(3)) == {"alpha.example", "beta.example"}
    clock.advance(120)
    assert client.public_key(key_id(2)) is not None
    assert len(registry.requests) == 1


def test_rotated_server_key_is_found_after_a_forced_refresh(registry, client, clock):
    registry.publish(network_xml())
    served = client.find_api("beta.example", "iias", major=7).entry.urls["get-url"]
    assert not client.catalogue().is_server_key_for(key_id(4), served)
    assert not client.refresh_for_unknown().is_server_key_for(key_id(4), served)  # too soon
    # Beta starts signing responses with key 4 (and the catalogue says so).
    registry.publish(network_xml(beta_key=4))
    clock.advance(61)
    fresh = client.refresh_for_unknown()
    assert fresh.is_server_key_for(key_id(4), served)
    assert not fresh.is_server_key_for(key_id(2), served), "Alpha's key never signs for Beta"
    assert len(registry.requests) == 2


def test_forced_refresh_while_registry_down_answers_from_the_copy(registry, client, clock):
    registry.publish(network_xml())
    client.catalogue()
    registry.status = 503
    clock.advance(61)
    assert client.client_key(key_id(4)) is None
    assert client.client_key(key_id(1)) is not None
    assert len(registry.requests) == 2


def test_concurrent_readers_keep_the_stale_copy_while_one_refreshes(registry, client, clock):
    registry.publish(network_xml(), etag='"v1"')
    first = client.catalogue()
    registry.publish(network_xml(rotated=True), etag='"v2"')
    registry.gate = threading.Event()
    registry.arrived.clear()
    clock.advance(15 * 60)
    with ThreadPoolExecutor(max_workers=9) as pool:
        refresher = pool.submit(client.catalogue)
        assert registry.arrived.wait(10)
        readers = [pool.submit(client.catalogue) for _ in range(8)]
        # The refresh is still held by the server, yet every reader has its answer.
        assert all(r.result(timeout=10) is first for r in readers)
        registry.gate.set()
        fresh = refresher.result(timeout=10)
    assert fresh is not first
    assert fresh.client_key(key_id(4)) is not None
    assert len(registry.requests) == 2


def test_concurrent_first_readers_share_one_download(registry, client):
    registry.publish(network_xml())
    registry.gate = threading.Event()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [pool.submit(client.catalogue) for _ in range(8)]
        assert registry.arrived.wait(10)
        registry.gate.set()
        catalogues = {id(r.result(timeout=10)) for r in results}
    assert len(catalogues) == 1
    assert len(registry.requests) == 1


def test_concurrent_unknown_keys_share_one_forced_refresh(registry, client, clock):
    registry.publish(network_xml())
    client.catalogue()
    registry.publish(network_xml(rotated=True))
    clock.advance(61)
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(lambda _: client.client_key(key_id(4)), range(8)))
    assert all(k is not None for k in keys)
    assert len(registry.requests) == 2


def test_disk_copy_survives_a_restart_and_revalidates(registry, clock, tmp_path):
    registry.publish(network_xml(), etag='"v1"', cache_control="max-age=600")
    with RegistryClient(registry.url, clock=clock, cache_dir=tmp_path) as first:
        first.catalogue()
    assert len(registry.requests) == 1
    # A new process within the lifetime: no request at all.
    clock.advance(300)
    with RegistryClient(registry.url, clock=clock, cache_dir=tmp_path) as second:
        assert second.catalogue().client_key(key_id(1)) is not None
    assert len(registry.requests) == 1
    # After the lifetime: a conditional GET with the saved ETag.
    clock.advance(300)
    with RegistryClient(registry.url, clock=clock, cache_dir=tmp_path) as third:
        third.catalogue()
    assert len(registry.requests) == 2
    assert registry.requests[1]["if-none-match"] == '"v1"'


def test_disk_copy_serves_when_the_registry_is_down_at_start(registry, clock, tmp_path):
    registry.publish(network_xml())
    with RegistryClient(registry.url, clock=clock, cache_dir=tmp_path) as c:
        c.catalogue()
    registry.status = 503
    clock.advance(2 * DAY)
    with RegistryClient(registry.url, clock=clock, cache_dir=tmp_path) as c:
        assert c.catalogue().client_key(key_id(1)) is not None


def test_tampered_disk_copy_is_ignored(registry, clock, tmp_path):
    registry.publish(network_xml())
    with RegistryClient(registry.url, clock=clock, cache_dir=tmp_path) as c:
        c.catalogue()
    (body,) = tmp_path.glob("catalogue-*.xml")
    body.write_bytes(body.read_bytes().replace(b"alpha.example", b"evil.example"))
    with RegistryClient(registry.url, clock=clock, cache_dir=tmp_path) as c:
        assert c.catalogue().hosts_covering("evil.example") == ()
    assert len(registry.requests) == 2


def test_local_file_is_reread_only_when_it_changes(tmp_path, clock):
    path = tmp_path / "catalogue.xml"
    path.write_bytes(network_xml())
    with RegistryClient(path, clock=clock) as c:
        first = c.catalogue()
        assert c.url.startswith("file://")
        clock.advance(60)
        assert c.catalogue() is first
        path.write_bytes(network_xml(rotated=True))
        clock.advance(60)
        assert c.catalogue().client_key(key_id(4)) is not None


def test_http_is_the_argument_and_http_client_its_deprecated_name(registry, clock):
    import httpx

    from ewp_client.errors import ConfigError

    registry.publish(network_xml())
    shared = httpx.Client()
    with RegistryClient(registry.url, http=shared, clock=clock) as client:
        assert client.catalogue().hei("beta.example") is not None
    assert not shared.is_closed, "a shared client is not closed with the Registry client"
    with pytest.warns(DeprecationWarning, match="http="):
        old = RegistryClient(registry.url, http_client=shared, clock=clock)
    assert old.catalogue().hei("beta.example") is not None
    with (
        pytest.raises(ConfigError, match="not both"),
        pytest.warns(DeprecationWarning, match="http="),
    ):
        RegistryClient(registry.url, http=shared, http_client=shared)
    shared.close()
