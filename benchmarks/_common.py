"""Helpers shared by the benchmarks.

Timing by best-of-N and the reference pack; for the mock's load benchmarks, a small
HTTP/1.1 client for loopback connections and the figures they report (latency
percentiles, a process's RSS and CPU time, read from ``/proc``).
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "ewp-reference"
sys.path.insert(0, str(ROOT))


def best_of(fn: Callable[[], object], *, repeat: int = 7, number: int = 1) -> float:
    """Seconds per call: the best of ``repeat`` rounds of ``number`` calls (least noise)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def need_reference() -> None:
    if not REFERENCE.is_dir():
        sys.exit(f"the official reference pack is needed at {REFERENCE}")


# ------------------------------------------------- loopback HTTP/1.1 load (mock benchmarks)


@dataclass(frozen=True)
class HttpAnswer:
    """One HTTP/1.1 response as read off the wire: status, headers in order, raw body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_request(method: str, target: str, headers: Sequence[tuple[str, str]]) -> bytes:
    """The bytes of a body-less HTTP/1.1 request (keep-alive, the HTTP/1.1 default)."""
    lines = [f"{method} {target} HTTP/1.1", *(f"{n}: {v}" for n, v in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def read_http_response(reader: asyncio.StreamReader) -> HttpAnswer:
    """Read one response with a ``Content-Length`` body (all the mock sends); ValueError if not."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = []
    length: int | None = None
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
        if name.strip().lower() == "content-length":
            length = int(value)
    if length is None:
        raise ValueError(f"a {status} response without Content-Length")
    return HttpAnswer(status, headers, await reader.readexactly(length))


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``ordered`` (sorted, not empty) lies (nearest rank)."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(len(ordered) * fraction) - 1))]


def process_memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` (peak RSS) of a Linux process, in KiB, from ``/proc/PID/status``."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time a Linux process has used so far (``/proc/PID/stat``)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "; utime, stime: 14th, 15th
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
