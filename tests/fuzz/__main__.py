"""The long fuzz run: ``.venv/bin/python -m tests.fuzz --inputs 100000`` (from the project root).

Prints the inputs run per target, every non-``EwpError`` exception (count,
deduplicated by type and the place it was raised, with a shrunk reproducer
and its traceback), inputs stopped at the time budget, memory findings and
slow inputs. Exit status 0 when no finding and no slow input, 1 otherwise, 2 when the reference
pack is missing. See ``tests/fuzz/README.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from . import engine, mutations
from .seeds import ReferenceMissing, corpus, keys
from .targets import build_targets


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n")[0])
    p.add_argument("--inputs", type=int, default=100_000, help="inputs in total (split evenly)")
    p.add_argument("--seed", default="ewp-fuzz", help="run seed (inputs derive from it)")
    p.add_argument("--target", action="append", help="only this target (repeatable)")
    p.add_argument("--budget", type=float, default=10.0, help="seconds per input before a stop")
    p.add_argument("--slow-after", type=float, default=1.0, help="list inputs slower than this")
    p.add_argument(
        "--memory-mib", type=float, default=512.0, help="peak RSS growth that is a finding"
    )
    p.add_argument(
        "--max-memory-mib",
        type=int,
        default=8192,
        help="address-space limit of the process (0: none)",
    )
    p.add_argument("--shrink", type=int, default=300, help="attempts to shrink each new finding")
    p.add_argument("--small", action="store_true", help="the short run's sizes (small floods)")
    p.add_argument("--save", type=Path, help="write each finding's input and traceback here")
    p.add_argument("--json", type=Path, help="write the summary as JSON here")
    p.add_argument("--replay", metavar="TARGET:INDEX", help="run one input again and show it")
    p.add_argument("--list", action="store_true", help="list the targets and exit")
    return p


def _limit_memory(mib: int) -> None:
    if mib <= 0:
        return
    limit = mib * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _print_report(report: engine.Report, wall: float, slow_after: float) -> None:
    print(f"seed {report.seed!r}: {report.total_inputs} inputs in {wall:.0f} s")
    print(f"{'target':<20}{'inputs':>9}{'EwpError':>10}{'findings':>10}{'s/input':>10}")
    for name, count in report.inputs.items():
        hits = sum(f.count for f in report.findings.values() if name in f.targets)
        per = report.seconds[name] / count if count else 0.0
        print(f"{name:<20}{count:>9}{report.rejected[name]:>10}{hits:>10}{per * 1000:>8.2f}ms")
    print()
    print(f"non-EwpError exceptions: {report.non_ewp_exceptions} inputs, ", end="")
    print(f"{len(report.exception_findings)} distinct (type + location)")
    for finding in report.findings.values():
        print(f"\n== {finding.kind}: {finding.error_type} x{finding.count}")
        print(f"   at {finding.location}")
        if finding.boundary:
            print(f"   escaped ewp_client at {finding.boundary}")
        print(f"   targets: {', '.join(sorted(finding.targets))}")
        print(f"   message: {finding.message[:200]}")
        print(
            f"   replay: --seed {report.seed} --replay {finding.example_target}:"
            f"{finding.example_index}"
        )
        print("   " + finding.example.describe().replace("\n", "\n   "))
        if len(finding.example.data) <= 400:
            print(f"   input: {finding.example.data!r}")
    print(f"\nslow inputs (findings: over {slow_after} s): {len(report.slow)}")
    for slow in sorted(report.slow, key=lambda s: -s.seconds)[:30]:
        first = slow.description.splitlines()[0]
        print(f"  {slow.seconds:6.2f} s  {slow.target}:{slow.index}  {first}")


def _summary(report: engine.Report, wall: float) -> dict[str, object]:
    return {
        "seed": report.seed,
        "seconds": round(wall, 1),
        "inputs": report.inputs,
        "total_inputs": report.total_inputs,
        "rejected_with_ewp_error": report.rejected,
        "non_ewp_exceptions": report.non_ewp_exceptions,
        "findings": [
            {
                "kind": f.kind,
                "type": f.error_type,
                "location": f.location,
                "boundary": f.boundary,
                "count": f.count,
                "targets": sorted(f.targets),
                "message": f.message,
                "replay": f"{f.example_target}:{f.example_index}",
                "input_hex": f.example.data.hex() if len(f.example.data) <= 4096 else None,
            }
            for f in report.findings.values()
        ],
        "slow": [
            {"target": s.target, "index": s.index, "seconds": round(s.seconds, 2)}
            for s in report.slow
        ],
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        targets = build_targets(corpus(), keys())
    except ReferenceMissing as exc:
        print(f"cannot fuzz: {exc}", file=sys.stderr)
        return 2
    if args.list:
        print("\n".join(targets))
        return 0
    chosen = [targets[name] for name in (args.target or targets)]
    sizes = mutations.SHORT_RUN if args.small else mutations.LONG_RUN
    settings = engine.Settings(
        sizes=sizes,
        budget=args.budget,
        slow_after=args.slow_after,
        memory_mib=args.memory_mib,
        shrink_attempts=args.shrink,
    )
    _limit_memory(args.max_memory_mib)
    try:
        if args.replay:
            name, _, index = args.replay.partition(":")
            target = targets[name]
            case = target.make(engine.input_rng(args.seed, name, int(index)), sizes)
            print(case.describe())
            outcome = engine.execute(target, case, budget=args.budget)
            print(f"{outcome.seconds:.3f} s; EwpError: {outcome.rejected}")
            if outcome.error is not None:
                print(engine._format(outcome.error))
            if args.save:
                args.save.write_bytes(case.data)
            return 1 if outcome.error is not None else 0
        per_target = max(1, args.inputs // len(chosen))
        started = time.monotonic()
        report = engine.run(
            chosen,
            inputs_per_target=per_target,
            seed=args.seed,
            settings=settings,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
        wall = time.monotonic() - started
    finally:
        for target in targets.values():
            target.close()
    _print_report(report, wall, args.slow_after)
    if args.save:
        engine.save_findings(report, args.save)
    if args.json:
        args.json.write_text(json.dumps(_summary(report, wall), indent=2), encoding="utf-8")
    return 1 if report.findings or report.slow else 0


if __name__ == "__main__":
    sys.exit(main())
