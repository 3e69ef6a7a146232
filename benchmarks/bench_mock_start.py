"""How long a test waits for its mock partner: start to the first signed answer.

Each start makes a partner as the pytest plugin's fixtures do
(:mod:`ewp_mock.testing`: the session's RSA keys reused, the demo data set),
makes our blocking client, and sends one signed Echo request; the time until
its verified answer is one sample (the client reads the node's catalogue
first, as a fresh client must). Closing is timed apart. Kinds:

* in process (``ewp_partner``): the app on a background event loop, no socket;
* real port (``ewp_partner_server``): uvicorn on a free loopback port, TLS with
  a local CA made for the partner;
* network (``ewp_network``): two nodes, in process (each node makes its own
  two RSA keys, which dominates).

Baselines, measured in the same process: one signed Echo request sent by a
warm client to an already running partner of the same kind (its catalogue
read, its connection open). Figures are medians of ``--starts`` (20) starts
and of 200 baseline requests; ratios are start / baseline.

The cost of one reset (``partner.control.reset()``: the demo data loaded
again, the outbox, the received notifications and the clock back, through
the control API) is the median of ``--resets`` (50) resets of a running
in-process partner, each after one IIA and one LA change through the control
API (not timed), given against the in-process baseline and against an
in-process start: what isolating tests by a reset saves over a fresh partner.

Run: ``python benchmarks/bench_mock_start.py [--starts 20] [--resets 50]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from collections.abc import Callable

import _common  # noqa: F401  (puts the project root on sys.path)

from ewp_client import EchoClient, EwpClient
from ewp_client.security import SigningKey, generate_private_key
from ewp_mock.data import UNI_A
from ewp_mock.testing import Partner, PartnerKeys, PartnerNetwork

BASELINE_REQUESTS = 200


def echo(client: EwpClient) -> None:
    answer = EchoClient(client).echo(UNI_A, ["bench"])
    assert answer.echoes == ("bench",)


def baseline(partner: Partner) -> float:
    """Median seconds of one signed Echo through a warm client of a running partner."""
    samples = []
    with partner.client() as client:
        echo(client)  # catalogue read, connection open
        for _ in range(BASELINE_REQUESTS):
            start = time.perf_counter()
            echo(client)
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def starts(make: Callable[[], Partner | PartnerNetwork], count: int) -> tuple[float, float]:
    """Median seconds from making a partner to its first signed answer, and to close it."""
    first, close = [], []
    for _ in range(count):
        start = time.perf_counter()
        partner = make()
        echo(partner.client())
        answered = time.perf_counter()
        partner.close()
        first.append(answered - start)
        close.append(time.perf_counter() - answered)
    return statistics.median(first), statistics.median(close)


def resets(partner: Partner, count: int) -> float:
    """Median seconds of one control-API reset, each after a change (not timed)."""
    control = partner.control
    template = partner.node.las.find(UNI_A, "la-approved")
    assert template is not None
    samples = []
    for n in range(count):
        control.put_las(dataclasses.replace(template.la, omobility_id=f"bench-{n}"))
        start = time.perf_counter()
        control.reset()
        samples.append(time.perf_counter() - start)
    assert partner.node.las.find(UNI_A, f"bench-{count - 1}") is None
    return statistics.median(samples)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--resets", type=int, default=50)
    args = parser.parse_args()

    t0 = time.perf_counter()
    keys = PartnerKeys.generate()
    key_time = time.perf_counter() - t0
    SigningKey(generate_private_key())  # warm the RSA code path
    with Partner.in_process(keys=keys) as warm:  # builds the demo data once, as a session would
        echo(warm.client())

    with Partner.in_process(keys=keys) as running:
        base_in_process = baseline(running)
        reset = resets(running, args.resets)
    with Partner.served(keys=keys) as running:
        base_served = baseline(running)

    kinds = {
        "in process": (lambda: Partner.in_process(keys=keys), base_in_process),
        "in process, no data": (lambda: Partner.in_process(keys=keys, data=None), base_in_process),
        "real port (TLS)": (lambda: Partner.served(keys=keys), base_served),
        "network of 2, in process": (
            lambda: PartnerNetwork.start(key=keys.ours),
            base_in_process,
        ),
    }
    print(f"RSA keys of a session (3, generated once): {ms(key_time)}")
    print(f"baseline, one signed Echo to a running partner in process: {ms(base_in_process)}")
    print(f"baseline, one signed Echo to a running partner on a real port: {ms(base_served)}")
    print(f"median of {args.starts} starts (start -> first signed answer; close apart):")
    first_in_process = 0.0
    for name, (make, base) in kinds.items():
        first, close = starts(make, args.starts)
        first_in_process = first_in_process or first
        print(
            f"  {name:<26} {ms(first):>10}  = {first / base:6.1f}x its baseline;  close {ms(close)}"
        )
    print(
        f"one reset through the control API (median of {args.resets}): {ms(reset)}"
        f"  = {reset / base_in_process:.1f}x the in-process baseline"
        f"  = {reset / first_in_process:.2f}x an in-process start"
    )


if __name__ == "__main__":
    main()
