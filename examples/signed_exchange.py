"""One EWP exchange, signed both ways, with no network: what happens on each side.

The client signs its request (HTTP Signature client authentication), the
server verifies it and signs its answer (server authentication), the client
verifies the answer. Then a proxy "helpfully" rewrites the body, and the
client's check says exactly what went wrong.

Run: ``python examples/signed_exchange.py``
"""

from __future__ import annotations

from ewp_client.errors import HttpSignatureError
from ewp_client.security import (
    InMemoryKeyResolver,
    RequestSigner,
    RequestVerifier,
    ResponseSigner,
    ResponseVerifier,
    SentRequest,
    SigningKey,
    generate_private_key,
)

HOST = "partner.example.org"
ENDPOINT = f"https://{HOST}/ewp/echo"


def main() -> None:
    client_key = SigningKey(generate_private_key())
    server_key = SigningKey(generate_private_key())

    # What the Registry would tell each side about the other's keys.
    keys = InMemoryKeyResolver()
    keys.add_client_key(client_key.public_key, heis=["uni-a.example.org"])
    keys.add_server_key(server_key.public_key, endpoints=[f"https://{HOST}/"])

    body = b"echo=hello"
    headers = [("Content-Type", "application/x-www-form-urlencoded")]
    signed = RequestSigner(client_key).sign(
        method="POST", target="/ewp/echo", body=body, host=HOST, headers=headers
    )
    headers += signed.headers  # what goes on the wire
    print("request headers the client adds:")
    for name, value in signed.headers:
        print(f"  {name}: {value[:72]}{'...' if len(value) > 72 else ''}")

    verified = RequestVerifier(keys).verify(
        method="POST", target="/ewp/echo", headers=headers, body=body, host=HOST
    )
    print(f"server: signed by key {verified.key_id[:16]}..., for {sorted(verified.heis)}")

    answer = b"<response>...</response>"
    response_headers = [("Content-Type", "text/xml")]
    response_headers += ResponseSigner(server_key).sign(
        request_headers=headers, headers=response_headers, body=answer
    )
    checked = ResponseVerifier(keys).verify(
        request=SentRequest.from_signature(signed),
        endpoint=ENDPOINT,
        headers=response_headers,
        body=answer,
    )
    print(f"client: response verified, covering {', '.join(checked.covered)}")

    try:
        ResponseVerifier(keys).verify(
            request=SentRequest.from_signature(signed),
            endpoint=ENDPOINT,
            headers=response_headers,
            body=answer.replace(b"...", b"!!!"),
        )
    except HttpSignatureError as exc:
        print(f"client, after a proxy changed the body: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
