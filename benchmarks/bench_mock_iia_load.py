"""Signed IIAs v7 ``get`` under load on ``ewp-mock serve``, next to an unsigned static document.

The node runs as users run it: ``python -m ewp_mock serve`` in its own process,
over TLS (its local CA trusted by the client), serving the built-in demo data
set (written as a fixture directory and loaded with ``--data``), one client
key admitted for ``uni-b.example.org`` with ``--admit``, one log line per
exchange at ``--log-level info`` (the default; the log goes to a file).

The load comes from another process: an asyncio client holding ``--clients``
keep-alive TLS connections (opened, and each used once, before the clock
starts), each sending its next request as soon as the previous answer is read
and checked, for ``--seconds`` seconds. Two runs on the same node:

* ``static``: ``GET`` of ``uni-a.example.org``'s Discovery manifest, the
  baseline. It is an unsigned document the node renders once, like the
  catalogue; the manifest is the one partners fetch from a node, and is the
  closer of the two in size to an IIA answer (the catalogue grows with every
  admitted key). Checked: status 200, bytes equal to the first answer, which
  is checked to be that manifest.
* ``iia``: IIAs v7 ``get`` of ``uni-a.example.org``'s agreements as ``uni-b``
  sees them, one real ``iia_id`` per request, taking the served ids in turn.
  Each request is signed by ``ewp_client``'s :class:`RequestSigner` (fresh
  ``X-Request-Id``, asking for a signed answer); the answer's signature is
  verified by ``ewp_client``'s :class:`ResponseVerifier` against the node's
  catalogue (binding, covered headers, dates, key, RSA, Digest) for every
  ``--verify-every``-th answer of each connection (1, the default: all).
  Checked: status 200, the signature as said, bytes equal to the first answer
  for that id, which is decoded and checked to hold exactly that agreement.

Latency is from writing a request to having read its answer (signing and
verifying are outside it, but the client's event loop is shared, so its own
work shows in the tail). Errors are non-200 answers, failed checks and broken
connections; any error makes the exit status 1. The server's ``VmRSS`` is
read from ``/proc`` before the first run and after each; its ``VmHWM`` (peak)
at the end. The CPU time of the server and of the load process during each
run is reported too: on a 2-core machine they share the cores, so a figure
where the driver is near 100 % of a core is bounded by the driver.

Run: ``python benchmarks/bench_mock_iia_load.py [--seconds 30] [--clients 50]``
(``--seconds 2`` for a quick check).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import quote, urlsplit

import httpx
from _common import (
    ROOT,
    HttpAnswer,
    http_request,
    percentile,
    process_cpu_seconds,
    process_memory_kib,
    read_http_response,
)

from ewp_client.codec import decode
from ewp_client.errors import EwpError
from ewp_client.models import IiasGetResponse, Manifest
from ewp_client.namespaces import DISCOVERY_API, IIAS_API
from ewp_client.registry import parse_catalogue
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import (
    RequestSigner,
    ResponseVerifier,
    SentRequest,
    SigningKey,
    generate_private_key,
    private_key_pem,
)
from ewp_mock.data import UNI_A, UNI_B, demo_dataset, dump_dataset

KINDS: Final = ("static", "iia")
#: Errors whose message the load process keeps (the count is always complete).
ERROR_SAMPLES: Final = 5
SERVER_START_TIMEOUT: Final = 60.0


# ----------------------------------------------------------------- the load process


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    verified: int = 0
    body_bytes: int = 0

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.samples) < ERROR_SAMPLES:
            self.samples.append(message)


@dataclass
class Plan:
    """What the clients send and how each answer is checked."""

    kind: str
    url: str
    ids: tuple[str, ...]
    signer: RequestSigner | None
    verifier: ResponseVerifier | None
    verify_every: int
    #: The first answer's bytes for each target, checked once; later ones must equal it.
    reference: dict[str, bytes] = field(default_factory=dict)

    @property
    def authority(self) -> str:
        return urlsplit(self.url).netloc

    def target(self, turn: int) -> str:
        path = urlsplit(self.url).path
        if self.kind == "static":
            return path
        return f"{path}?iia_id={quote(self.ids[turn % len(self.ids)], safe='')}"

    def request(self, target: str) -> tuple[bytes, SentRequest | None]:
        headers = [("Host", self.authority)]
        if self.signer is None:
            return http_request("GET", target, headers), None
        signed = self.signer.sign(method="GET", target=target, body=b"", headers=headers)
        sent = SentRequest.from_signature(signed)
        return http_request("GET", target, [*headers, *signed.headers]), sent

    def check(self, target: str, answer: HttpAnswer, sent: SentRequest | None, verify: bool) -> str:
        """What is wrong with ``answer`` (empty: nothing); counts verified signatures."""
        if answer.status != 200:
            return f"status {answer.status} for {target}"
        if sent is not None and self.verifier is not None:
            if not any(name.lower() == "signature" for name, _ in answer.headers):
                return f"unsigned answer for {target}"
            if verify:
                try:
                    self.verifier.verify(
                        request=sent, endpoint=self.url, headers=answer.headers, body=answer.body
                    )
                except EwpError as exc:
                    return f"{type(exc).__name__} for {target}: {exc}"
        first = self.reference.get(target)
        if first is None:
            problem = self.check_content(target, answer.body)
            if not problem:
                self.reference[target] = answer.body
            return problem
        return "" if answer.body == first else f"the answer for {target} changed"

    def check_content(self, target: str, body: bytes) -> str:
        if self.kind == "static":
            try:
                decode(body, Manifest)
            except EwpError as exc:
                return f"undecodable manifest at {target}: {exc}"
            return "" if UNI_A.encode() in body else f"the manifest at {target} omits {UNI_A}"
        wanted = target.rpartition("iia_id=")[2]
        try:
            found = decode(body, IiasGetResponse).iias
        except EwpError as exc:
            return f"undecodable IIAs answer for {target}: {exc}"
        ids = [iia.partners[0].iia_id for iia in found]
        return "" if ids == [wanted] else f"{target} answered agreements {ids}"


async def _open(url: str, trust: ssl.SSLContext) -> tuple[asyncio.StreamReader, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 443
    return await asyncio.open_connection(host, port, ssl=trust, server_hostname=host)


async def _exchange(
    plan: Plan, connection: tuple[asyncio.StreamReader, Any], turn: int
) -> tuple[str, HttpAnswer, SentRequest | None, float]:
    reader, writer = connection
    target = plan.target(turn)
    data, sent = plan.request(target)
    start = time.perf_counter()
    writer.write(data)
    answer = await read_http_response(reader)
    return target, answer, sent, time.perf_counter() - start


async def _one_client(
    plan: Plan,
    trust: ssl.SSLContext,
    number: int,
    connection: tuple[asyncio.StreamReader, Any],
    until: float,
    tally: Tally,
) -> None:
    turn = number  # connections start at different ids
    count = 0
    while time.perf_counter() < until:
        try:
            target, answer, sent, latency = await _exchange(plan, connection, turn)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            tally.error(f"connection {number}: {type(exc).__name__}: {exc}")
            connection[1].close()
            connection = await _open(plan.url, trust)  # go on, on a new connection
            continue
        tally.latencies.append(latency)
        tally.body_bytes += len(answer.body)
        verify = count % plan.verify_every == 0
        problem = plan.check(target, answer, sent, verify)
        if problem:
            tally.error(problem)
        elif verify and sent is not None:
            tally.verified += 1
        turn += 1
        count += 1
    connection[1].close()


async def _load(plan: Plan, trust: ssl.SSLContext, clients: int, seconds: float) -> dict[str, Any]:
    connections = await asyncio.gather(*(_open(plan.url, trust) for _ in range(clients)))
    warm = Tally()
    for number, connection in enumerate(connections):  # one answer each: handshakes, first checks
        target, answer, sent, _ = await _exchange(plan, connection, number)
        problem = plan.check(target, answer, sent, verify=True)
        if problem:
            warm.error(problem)
    tally = Tally(errors=warm.errors, samples=warm.samples)
    cpu, started = time.process_time(), time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(_one_client(plan, trust, n, c, until, tally) for n, c in enumerate(connections))
    )
    return {
        "latencies": tally.latencies,
        "errors": tally.errors,
        "error_samples": tally.samples,
        "elapsed": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "verified": tally.verified,
        "body_bytes": tally.body_bytes,
    }


def _plan(args: argparse.Namespace, trust: ssl.SSLContext) -> Plan:
    """Read the node's catalogue (as a client would use it as its Registry) and plan the run."""
    catalogue = parse_catalogue(httpx.get(args.catalogue, verify=trust, timeout=30).content)
    if args.kind == "static":
        url = catalogue.find_api(UNI_A, DISCOVERY_API, client_auth=None).entry.get("url")
        signer, verifier = None, None
    else:
        url = catalogue.find_api(UNI_A, IIAS_API).entry.get("get-url")
        key = SigningKey.from_pem(Path(args.key).read_bytes())
        signer = RequestSigner(key)  # asks for a signed answer
        verifier = ResponseVerifier(CatalogueKeyResolver(catalogue))
    if not url:
        raise SystemExit(f"the catalogue gives no URL for the {args.kind} run")
    ids = tuple(args.ids.split(",")) if args.ids else ()
    return Plan(args.kind, url, ids, signer, verifier, args.verify_every)


def run_load_process(args: argparse.Namespace) -> None:
    """The client side: print one JSON object (latencies in seconds, errors, CPU time)."""
    trust = ssl.create_default_context(cafile=args.ca)
    plan = _plan(args, trust)
    result = asyncio.run(_load(plan, trust, args.clients, args.seconds))
    result["url"] = plan.url
    json.dump(result, sys.stdout)


# ---------------------------------------------------------------------- the driver


@dataclass(frozen=True)
class Figure:
    kind: str
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_samples: tuple[str, ...]
    verified: int
    mean_body_bytes: float
    driver_cpu_seconds: float
    server_cpu_seconds: float
    elapsed: float
    rss_after_kib: int

    def cpu_share(self, seconds: float) -> float:
        """CPU seconds as a percentage of one core over the run."""
        return 100 * seconds / self.elapsed

    def cpu_ms_per_request(self, seconds: float) -> float:
        return 1000 * seconds / self.requests if self.requests else float("nan")


@dataclass
class Node:
    """A running ``ewp-mock serve`` process and its start-up document."""

    process: subprocess.Popen[str]
    document: dict[str, Any]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def _start_node(work: Path, client_key_file: Path, log_level: str) -> Node:
    data = work / "data"
    dump_dataset(demo_dataset(), data)
    log = work / "server.log"
    command = [
        sys.executable, "-m", "ewp_mock", "serve", "--data", str(data),
        "--admit", f"{client_key_file}={UNI_B}", "--state-dir", str(work / "state"),
        "--json", "--log-level", log_level,
    ]  # fmt: skip
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log_file, text=True
        )
    document = _read_document(process, log)
    return Node(process, document, log)


def _read_document(process: subprocess.Popen[str], log: Path) -> dict[str, Any]:
    """The ``--json`` start-up document (indented JSON ending with a ``}`` line)."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    stdout: IO[str] = process.stdout
    while time.monotonic() < deadline:
        line = stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.rstrip("\n") == "}":
            return dict(json.loads("".join(lines)))
    process.kill()
    raise SystemExit(f"ewp-mock serve did not start:\n{log.read_text()[-2000:]}")


def _stop_node(node: Node) -> int:
    node.process.send_signal(signal.SIGTERM)
    try:
        return node.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        node.process.kill()
        return node.process.wait()


def _logged_exchanges(log: Path) -> tuple[int, int]:
    """Exchanges in the node's log (``--log-level info``), and how many were not answered 200."""
    lines = [line for line in log.read_text().splitlines() if " exchange method=" in line]
    return len(lines), sum(" status=200 " not in line for line in lines)


def measure(node: Node, kind: str, args: argparse.Namespace, key_file: Path) -> Figure:
    ids = [s.iia_id for s in demo_dataset().served_iias(UNI_A)]
    command = [
        sys.executable, __file__, "--load", "--kind", kind,
        "--catalogue", node.document["catalogue"], "--ca", node.document["ca"],
        "--key", str(key_file), "--ids", ",".join(ids), "--clients", str(args.clients),
        "--seconds", str(args.seconds), "--verify-every", str(args.verify_every),
    ]  # fmt: skip
    cpu = process_cpu_seconds(node.pid)
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, timeout=args.seconds + 120
    )
    server_cpu = process_cpu_seconds(node.pid) - cpu
    if done.returncode != 0:
        raise SystemExit(f"the {kind} load process failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout)
    latencies = sorted(result["latencies"])
    count = len(latencies)
    return Figure(
        kind=kind,
        requests=count,
        requests_per_second=count / result["elapsed"],
        p50_ms=statistics.median(latencies) * 1000 if latencies else float("nan"),
        p99_ms=percentile(latencies, 0.99) * 1000 if latencies else float("nan"),
        errors=result["errors"],
        error_samples=tuple(result["error_samples"]),
        verified=result["verified"],
        mean_body_bytes=result["body_bytes"] / count if count else 0.0,
        driver_cpu_seconds=result["cpu"],
        server_cpu_seconds=server_cpu,
        elapsed=result["elapsed"],
        rss_after_kib=process_memory_kib(node.pid)["VmRSS"],
    )


def _print_figures(figures: Sequence[Figure], rss_before: int, peak: int) -> None:
    print(
        f"{'run':7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'verified':>9} "
        f"{'body B':>7} {'server CPU':>16} {'driver CPU':>16} {'RSS after':>10}"
    )
    for f in figures:
        server = (
            f"{f.cpu_share(f.server_cpu_seconds):3.0f}% "
            f"{f.cpu_ms_per_request(f.server_cpu_seconds):5.2f}ms/r"
        )
        driver = (
            f"{f.cpu_share(f.driver_cpu_seconds):3.0f}% "
            f"{f.cpu_ms_per_request(f.driver_cpu_seconds):5.2f}ms/r"
        )
        print(
            f"{f.kind:7} {f.requests_per_second:8.1f} {f.p50_ms:8.2f} {f.p99_ms:8.2f} "
            f"{f.errors:6d} {f.verified:9d} {f.mean_body_bytes:7.0f} {server:>16} "
            f"{driver:>16} {f.rss_after_kib / 1024:7.1f} MiB"
        )
    by_kind = {f.kind: f for f in figures}
    static, iia = by_kind["static"], by_kind["iia"]
    if iia.requests_per_second:
        print(
            f"signed IIA get / static manifest: {iia.requests_per_second:.1f} / "
            f"{static.requests_per_second:.1f} req/s = "
            f"{iia.requests_per_second / static.requests_per_second:.2f} "
            f"(static is {static.requests_per_second / iia.requests_per_second:.1f}x faster)"
        )
    print(
        f"server RSS: {rss_before / 1024:.1f} MiB before, "
        + ", ".join(f"{f.rss_after_kib / 1024:.1f} MiB after {f.kind}" for f in figures)
        + f"; peak (VmHWM) {peak / 1024:.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections")
    parser.add_argument(
        "--verify-every",
        type=int,
        default=1,
        metavar="N",
        help="verify the signature of every N-th IIA answer per connection (default 1: all)",
    )
    parser.add_argument(
        "--server-log-level", default="info", help="the node's --log-level (default info)"
    )
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--catalogue", help=argparse.SUPPRESS)
    parser.add_argument("--ca", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.verify_every < 1 or args.clients < 1 or args.seconds <= 0:
        parser.error("--verify-every and --clients must be at least 1, --seconds positive")
    if args.load:
        run_load_process(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-iia-") as tmp:
        work = Path(tmp)
        key_file = work / "client.pem"
        key_file.write_bytes(private_key_pem(generate_private_key()))
        node = _start_node(work, key_file, args.server_log_level)
        try:
            rss_before = process_memory_kib(node.pid)["VmRSS"]
            print(
                f"ewp-mock serve (pid {node.pid}) at {node.document['url']} over TLS, demo data; "
                f"load: {args.clients} keep-alive connections from another process, "
                f"{args.seconds:g} s per run; IIA answers verified: "
                + ("all" if args.verify_every == 1 else f"1 in {args.verify_every}"),
                flush=True,
            )
            figures = [measure(node, kind, args, key_file) for kind in KINDS]
            peak = process_memory_kib(node.pid)["VmHWM"]
        finally:
            status = _stop_node(node)
        _print_figures(figures, rss_before, peak)
        logged, not_ok = _logged_exchanges(node.log)
        if logged:
            print(
                f"server log: {logged} exchanges (with catalogue reads, warm-ups), {not_ok} not 200"
            )
        if status != 0:
            print(f"ewp-mock serve exited {status}:\n{node.log.read_text()[-2000:]}")
    errors = sum(f.errors for f in figures)
    for f in figures:
        for sample in f.error_samples:
            print(f"error ({f.kind}): {sample}", file=sys.stderr)
    if errors or status != 0:
        print(f"{errors} errors during the load: the figures above do not count", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
