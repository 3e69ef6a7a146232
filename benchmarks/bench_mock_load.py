"""Load on a real mock node over loopback, with ``TCP_NODELAY`` on (as served) and off (before).

The mock runs in this process (uvicorn in a thread, 127.0.0.1); the load comes
from a separate process: an asyncio client holding ``--clients`` keep-alive
connections, each sending its next request as soon as the previous answer is
complete, for ``--duration`` seconds. Two kinds of request:

* signed: an Echo GET signed by an admitted client key (a fresh ``X-Request-Id``
  and signature per request, asking for a signed answer, which the mock signs);
* unsigned: the node's Registry catalogue (``/catalogue-v1.xml``), the baseline.

"off" serves a ``proto=0`` listening socket (as ``socket.socket()`` makes it,
and as the mock did before) with ``MockServer(tcp_nodelay=False)``: accepted
connections keep Nagle's algorithm, which is what the fix removed. Each run
prints requests/s, p50/p99 latency and errors (any non-200 answer or broken
connection; must be 0), then the ratios on/off measured in the same run. With
``--rounds N`` the four runs repeat, interleaved, and the best round of each
counts (the machine is shared: the best is the least disturbed).

With ``--exchange-log`` the runs compare instead the node as made (every
exchange recorded in its ring, :attr:`MockNode.exchanges`: bodies masked and
checked against the schemas after the answer is sent) with the same app
without that layer, sockets with ``TCP_NODELAY`` on, for three kinds: the two
above and ``la-get``, a signed LAs ``get`` of the demo data's approved LA
(about 3.5 KB of XML whose student is masked and which is validated). It
prints the ratios log on / log off. Under load every kind answers the same
bytes each time, which the ring judges once; so it first prints what
recording one exchange costs in process for a body it has not seen (masking
and schema check included), for each kind's answer.

Run: ``python benchmarks/bench_mock_load.py [--duration 10] [--clients 10] [--rounds 1]
[--exchange-log]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
from _common import ROOT, http_request, percentile, read_http_response

from ewp_client.security import RequestSigner, SigningKey, generate_private_key, private_key_pem
from ewp_mock import MockConfig, MockServer, bind_socket, create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.exchange_log import ExchangeLog, ExchangeRing

CLIENT_HEI: Final = "load.example.org"
ECHO_TARGET: Final = "/ewp/echo?echo=load"
CATALOGUE_TARGET: Final = "/catalogue-v1.xml"
LA_GET_TARGET: Final = f"/ewp/las/get?sending_hei_id={UNI_A}&omobility_id=la-approved"
TARGETS: Final = {"signed": ECHO_TARGET, "unsigned": CATALOGUE_TARGET, "la-get": LA_GET_TARGET}


# ----------------------------------------------------------------- the load process


@dataclass
class Tally:
    latencies: list[float]
    errors: int = 0


def _request(target: str, authority: str, signer: RequestSigner | None) -> bytes:
    headers = [("Host", authority)]
    if signer is not None:
        headers += signer.sign(method="GET", target=target, body=b"", headers=headers).headers
    return http_request("GET", target, headers)


async def _one_client(
    port: int, target: str, signer: RequestSigner | None, until: float, tally: Tally
) -> None:
    authority = f"127.0.0.1:{port}"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(_request(target, authority, signer))
            answer = await read_http_response(reader)
            tally.latencies.append(time.perf_counter() - start)
            if answer.status != 200:
                tally.errors += 1
    except (OSError, asyncio.IncompleteReadError, ValueError):
        tally.errors += 1
    finally:
        writer.close()


async def _load(port: int, kind: str, key_file: str, clients: int, duration: float) -> Tally:
    signer = RequestSigner(SigningKey.from_pem(Path(key_file).read_bytes()))
    target = TARGETS[kind]
    tally = Tally(latencies=[])
    until = time.perf_counter() + duration
    await asyncio.gather(
        *(
            _one_client(port, target, None if kind == "unsigned" else signer, until, tally)
            for _ in range(clients)
        )
    )
    return tally


def run_load_process(args: argparse.Namespace) -> None:
    """The client side: print one JSON object (latencies in seconds, errors)."""
    started = time.perf_counter()
    tally = asyncio.run(_load(args.port, args.kind, args.key, args.clients, args.duration))
    elapsed = time.perf_counter() - started
    json.dump(
        {"latencies": tally.latencies, "errors": tally.errors, "elapsed": elapsed}, sys.stdout
    )


# ---------------------------------------------------------------------- the driver


@dataclass(frozen=True)
class Figure:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _listening_socket(nodelay: bool) -> socket.socket:
    if nodelay:
        return bind_socket("127.0.0.1", 0)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto=0: the "before"
    sock.bind(("127.0.0.1", 0))
    return sock


def measure(
    nodelay: bool, kind: str, clients: int, duration: float, *, exchange_log: bool = True
) -> Figure:
    client_key = SigningKey(generate_private_key())
    sock = _listening_socket(nodelay)
    port = sock.getsockname()[1]
    dataset = demo_dataset() if kind == "la-get" else None
    app = create_app(MockConfig(host="127.0.0.1", port=port, hei_ids=(UNI_A,)), dataset)
    node_of_app(app).register_client(client_key.public_key, [CLIENT_HEI, UNI_B])
    if not exchange_log:  # the app without its recording layer (not built before the start)
        app.user_middleware = [m for m in app.user_middleware if m.cls is not ExchangeLog]
    with tempfile.TemporaryDirectory() as tmp, MockServer(app, sock, tcp_nodelay=nodelay):
        key_file = Path(tmp) / "client.pem"
        key_file.write_bytes(private_key_pem(client_key.private_key))
        command = [
            sys.executable, __file__, "--load", "--port", str(port), "--kind", kind,
            "--key", str(key_file), "--clients", str(clients), "--duration", str(duration),
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, check=True, cwd=ROOT, timeout=duration + 60
        )
    result = json.loads(done.stdout)
    latencies = sorted(result["latencies"])
    if not latencies:
        return Figure(0.0, float("nan"), float("nan"), result["errors"])
    p99 = percentile(latencies, 0.99)
    return Figure(
        requests_per_second=len(latencies) / result["elapsed"],
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=p99 * 1000,
        errors=result["errors"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--clients", type=int, default=10, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=1, help="repeat; the best round counts")
    parser.add_argument(
        "--exchange-log", action="store_true", help="compare the exchange ring on and off"
    )
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=list(TARGETS), help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        run_load_process(args)
        return
    if args.exchange_log:
        compare_exchange_log(args.rounds, args.clients, args.duration)
        return
    print(f"mock on 127.0.0.1, {args.clients} keep-alive clients, {args.duration:g} s per run")
    print(f"{'kind':9} {'TCP_NODELAY':12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    figures: dict[tuple[str, bool], Figure] = {}
    errors = 0
    for _ in range(args.rounds):
        for kind in ("signed", "unsigned"):
            for nodelay in (False, True):
                figure = measure(nodelay, kind, args.clients, args.duration)
                errors += figure.errors
                best = figures.get((kind, nodelay))
                if best is None or figure.requests_per_second > best.requests_per_second:
                    figures[kind, nodelay] = figure
                print(
                    f"{kind:9} {'on' if nodelay else 'off (before)':12} "
                    f"{figure.requests_per_second:8.1f} {figure.p50_ms:8.2f} "
                    f"{figure.p99_ms:8.2f} {figure.errors:7d}",
                    flush=True,
                )
    if args.rounds > 1:
        print("best rounds:")
    for kind in ("signed", "unsigned"):
        on, off = figures[kind, True], figures[kind, False]
        speedup = on.requests_per_second / off.requests_per_second
        print(
            f"{kind}: on {on.requests_per_second:.1f} req/s (p50 {on.p50_ms:.2f} ms, p99 "
            f"{on.p99_ms:.2f} ms) vs off {off.requests_per_second:.1f} req/s (p50 "
            f"{off.p50_ms:.2f} ms): throughput {speedup:.1f}x, "
            f"p50 {off.p50_ms / on.p50_ms:.1f}x lower"
        )
    if errors:
        sys.exit("errors during the load: the figures above do not count")


def layer_cost_ms(body: bytes, *, keep_personal_data: bool = False, calls: int = 200) -> float:
    """Milliseconds the recording layer adds to one exchange answering ``body`` (best of 7).

    The inner app answers ``body`` at once, so the difference between the
    app wrapped in :class:`ExchangeLog` with a ring and the bare app is what
    recording costs (capture, masking, schema check, the record), free of
    the network and of the node's own work. Each answer ends with its own
    XML comment, so that no body is one the ring has judged already.
    """
    bodies = [body + f"<!-- {n} -->".encode() for n in range(calls * 7 * 2)]

    async def answer(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        headers = [(b"content-type", b"application/xml")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": bodies.pop()})

    ring = ExchangeRing(keep_personal_data=keep_personal_data)
    wrapped = ExchangeLog(answer, ring=ring, lines=False)
    scope = {
        "type": "http", "method": "GET", "path": "/ewp/las/get", "raw_path": b"/ewp/las/get",
        "query_string": b"omobility_id=x", "headers": [(b"host", b"mock.test")],
    }  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    async def rounds(app: Any) -> float:
        best = float("inf")
        for _ in range(7):
            start = time.perf_counter()
            for _ in range(calls):
                await app(dict(scope), receive, send)
            best = min(best, (time.perf_counter() - start) / calls)
        return best

    async def both() -> float:
        return await rounds(wrapped) - await rounds(answer)

    return asyncio.run(both()) * 1000


def _answers() -> dict[str, bytes]:
    """The bodies the node answers each kind of request with."""
    signer_key = SigningKey(generate_private_key())
    app = create_app(MockConfig(base_url="http://mock.test", hei_ids=(UNI_A,)), demo_dataset())
    node_of_app(app).register_client(signer_key.public_key, [UNI_B])

    async def answers() -> dict[str, bytes]:
        bodies = {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
            for kind, target in TARGETS.items():
                signed = RequestSigner(signer_key).sign(
                    method="GET", target=target, body=b"", host="mock.test"
                )
                headers = {} if kind == "unsigned" else dict(signed.headers)
                answer = await client.get(target, headers=headers)
                assert answer.status_code == 200, answer.text
                bodies[kind] = answer.content
        return bodies

    return asyncio.run(answers())


def compare_exchange_log(rounds: int, clients: int, duration: float) -> None:
    """The runs of ``--exchange-log``: each kind with the ring on and off, ratios at the end."""
    kinds = ("signed", "unsigned", "la-get")
    for kind, body in _answers().items():
        masked, kept = layer_cost_ms(body), layer_cost_ms(body, keep_personal_data=True)
        print(
            f"recording one {kind} exchange ({len(body)} bytes answered, not seen before): "
            f"{masked:.3f} ms masked, {kept:.3f} ms with personal data kept"
        )
    print(f"mock on 127.0.0.1, {clients} keep-alive clients, {duration:g} s per run")
    print(f"{'kind':9} {'log':4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    figures: dict[tuple[str, bool], Figure] = {}
    errors = 0
    for _ in range(rounds):
        for kind in kinds:
            for on in (False, True):
                figure = measure(True, kind, clients, duration, exchange_log=on)
                errors += figure.errors
                best = figures.get((kind, on))
                if best is None or figure.requests_per_second > best.requests_per_second:
                    figures[kind, on] = figure
                print(
                    f"{kind:9} {'on' if on else 'off':4} {figure.requests_per_second:8.1f} "
                    f"{figure.p50_ms:8.2f} {figure.p99_ms:8.2f} {figure.errors:7d}",
                    flush=True,
                )
    if rounds > 1:
        print("best rounds:")
    for kind in kinds:
        on, off = figures[kind, True], figures[kind, False]
        print(
            f"{kind}: log on {on.requests_per_second:.1f} req/s (p50 {on.p50_ms:.2f} ms) vs "
            f"off {off.requests_per_second:.1f} req/s (p50 {off.p50_ms:.2f} ms): throughput "
            f"x{on.requests_per_second / off.requests_per_second:.2f}, "
            f"p50 x{on.p50_ms / off.p50_ms:.2f}"
        )
    if errors:
        sys.exit("errors during the load: the figures above do not count")


if __name__ == "__main__":
    main()
