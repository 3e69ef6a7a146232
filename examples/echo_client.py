"""Say hello to a partner with the Echo API, through the client a SIS would use.

The partner here is the ``ewp_mock`` app, in process (no sockets): it
publishes its Registry catalogue, admits our client key, verifies our HTTP
Signatures and signs its answers, which the client verifies. A key the
partner does not know gets a 403, raised as ``Forbidden``.

Run: ``python examples/echo_client.py`` (needs the ``[mock]`` extra)
"""

from __future__ import annotations

import asyncio

import httpx

from ewp_client import (
    AsyncEchoClient,
    AsyncEwpClient,
    AsyncRegistryClient,
    Forbidden,
    SigningKey,
)
from ewp_client.security import generate_private_key
from ewp_mock import DEFAULT_HEI, UNI_B, MockConfig, create_app, node_of_app

BASE = "http://mock.test"
US = UNI_B  # the mock serves uni-a.example.org (DEFAULT_HEI); we are its partner


async def main() -> None:
    app = create_app(MockConfig(base_url=BASE))
    our_key = SigningKey(generate_private_key())
    node_of_app(app).register_client(our_key.public_key, [US])  # what the Registry would do

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        registry = AsyncRegistryClient(f"{BASE}/catalogue-v1.xml", http=http)
        async with AsyncEwpClient(registry, key=our_key, http=http) as client:
            echo = AsyncEchoClient(client)
            answer = await echo.echo(DEFAULT_HEI, ["hello", "world"])
            print(f"{DEFAULT_HEI} sees us as {list(answer.hei_ids)}, echoes {list(answer.echoes)}")
            posted = await echo.echo(DEFAULT_HEI, ["sent as a form"], method="POST")
            print(f"as a POST form: {list(posted.echoes)}")

        stranger = SigningKey(generate_private_key())
        async with AsyncEwpClient(registry, key=stranger, http=http) as client:
            try:
                await AsyncEchoClient(client).echo(DEFAULT_HEI, ["hello"])
            except Forbidden as exc:
                print(f"with a key the partner does not know: {exc.status} {type(exc).__name__}")


if __name__ == "__main__":
    asyncio.run(main())
