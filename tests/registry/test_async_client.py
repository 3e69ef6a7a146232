"""The asyncio client against the same real HTTP server: same caching, task-safe."""

from __future__ import annotations

import asyncio
import threading

import pytest

from ewp_client.errors import RegistryUnavailableError
from ewp_client.registry import AsyncRegistryClient

from .helpers import key_id, network_xml


@pytest.fixture
async def client(registry, clock):
    async with AsyncRegistryClient(registry.url, clock=clock) as c:
        yield c


async def test_304_keeps_the_copy(registry, client, clock):
    registry.publish(network_xml(), etag='"v1"')
    first = await client.catalogue()
    clock.advance(15 * 60)
    assert await client.catalogue() is first
    assert registry.requests[1]["if-none-match"] == '"v1"'
    assert len(registry.requests) == 2


async def test_lifetime_is_clamped(registry, client, clock):
    registry.publish(network_xml(), cache_control="max-age=1")
    await client.catalogue()
    clock.advance(59)
    await client.catalogue()
    assert len(registry.requests) == 1
    clock.advance(1)
    await client.catalogue()
    assert len(registry.requests) == 2


async def test_stale_fallback_window(registry, client, clock):
    registry.publish(network_xml())
    first = await client.catalogue()
    registry.status = 503
    clock.advance(5 * 24 * 3600)
    assert await client.catalogue() is first
    clock.advance(61)
    with pytest.raises(RegistryUnavailableError):
        await client.catalogue()


async def test_unknown_key_forces_one_refresh(registry, client, clock):
    registry.publish(network_xml())
    await client.catalogue()
    registry.publish(network_xml(rotated=True))
    assert await client.client_key(key_id(4)) is None  # copy confirmed under a minute ago
    clock.advance(61)
    assert await client.heis_covered_by(key_id(4)) == {"alpha.example", "alpha-arts.example"}
    assert len(registry.requests) == 2


async def test_concurrent_first_readers_share_one_download(registry, client):
    registry.publish(network_xml())
    results = await asyncio.gather(*(client.catalogue() for _ in range(10)))
    assert all(r is results[0] for r in results)
    assert len(registry.requests) == 1


async def test_readers_keep_the_stale_copy_while_one_task_refreshes(registry, client, clock):
    registry.publish(network_xml())
    first = await client.catalogue()
    registry.publish(network_xml(rotated=True))
    registry.gate = threading.Event()
    registry.arrived.clear()
    clock.advance(15 * 60)
    refresher = asyncio.create_task(client.catalogue())
    assert await asyncio.to_thread(registry.arrived.wait, 10)
    readers = await asyncio.gather(*(client.catalogue() for _ in range(10)))
    assert all(r is first for r in readers)
    assert not refresher.done()
    registry.gate.set()
    fresh = await refresher
    assert fresh.client_key(key_id(4)) is not None
    assert len(registry.requests) == 2


async def test_concurrent_unknown_keys_share_one_forced_refresh(registry, client, clock):
    registry.publish(network_xml())
    await client.catalogue()
    registry.publish(network_xml(rotated=True))
    clock.advance(61)
    keys = await asyncio.gather(*(client.client_key(key_id(4)) for _ in range(10)))
    assert all(k is not None for k in keys)
    assert len(registry.requests) == 2


async def test_server_key_for_endpoint(registry, client, clock):
    registry.publish(network_xml())
    served = await client.find_api("alpha.example", "iias", major=6)
    catalogue = await client.catalogue()
    assert catalogue.is_server_key_for(key_id(2), served.entry.urls["get-url"])
    assert not catalogue.is_server_key_for(key_id(3), served.entry.urls["get-url"])


async def test_disk_copy_is_shared_with_the_sync_client(registry, clock, tmp_path):
    from ewp_client.registry import RegistryClient

    registry.publish(network_xml(), etag='"v1"')
    with RegistryClient(registry.url, clock=clock, cache_dir=tmp_path) as sync_client:
        sync_client.catalogue()
    registry.status = 503
    async with AsyncRegistryClient(registry.url, clock=clock, cache_dir=tmp_path) as c:
        assert (await c.catalogue()).client_key(key_id(1)) is not None
    assert len(registry.requests) == 1


async def test_local_file_source(tmp_path, clock):
    path = tmp_path / "catalogue.xml"
    path.write_bytes(network_xml())
    async with AsyncRegistryClient(str(path), clock=clock) as c:
        assert (await c.find_api("beta.example", "echo")).entry.url == "https://beta.example/echo"
