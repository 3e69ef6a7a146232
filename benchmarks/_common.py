"""Helpers shared by the benchmarks: timing by best-of-N, and the reference pack."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
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
