"""The fuzz loop and its oracle.

Every input is made from ``Random(f"{seed}:{target}:{index}")`` alone, so any
input of any run can be made again from its seed, target and index
(``python -m tests.fuzz --replay TARGET:INDEX --seed S``).

Oracle: a target may raise an :class:`~ewp_client.errors.EwpError`; any other
exception is a finding, deduplicated by exception type and the place it was
raised (the innermost frame). With a time budget, an input that runs longer is
stopped (:class:`InputTimeout`) and is a finding too; inputs slower than
``slow_after`` seconds are listed. Times are the process's CPU time, so that a
busy machine does not make inputs look slow. With a memory threshold, an input during
which the process's peak RSS grows by more than that is a finding.
"""

from __future__ import annotations

import contextlib
import resource
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from random import Random
from types import FrameType, TracebackType

from lxml import etree

from ewp_client.errors import EwpError

from .mutations import Sizes
from .targets import ContractViolation, FuzzInput, Target


class InputTimeout(BaseException):
    """Raised by the timer into a target that ran past its budget.

    A ``BaseException``, so that no ``except Exception`` in the code under test
    can turn a hang into an ordinary error.
    """


@dataclass
class Finding:
    """One distinct problem: exception type and where it was raised."""

    kind: str  # "exception", "timeout" or "memory"
    error_type: str
    location: str  # innermost frame
    boundary: str  # the last ewp_client frame it passed through
    message: str
    traceback: str
    example: FuzzInput
    example_target: str
    example_index: int
    count: int = 0
    targets: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, str]:
        return (self.error_type, self.location)


@dataclass(frozen=True, slots=True)
class SlowInput:
    target: str
    index: int
    seconds: float
    description: str


@dataclass
class Report:
    seed: str
    inputs: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)  # inputs answered by an EwpError
    seconds: dict[str, float] = field(default_factory=dict)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    slow: list[SlowInput] = field(default_factory=list)

    @property
    def total_inputs(self) -> int:
        return sum(self.inputs.values())

    @property
    def exception_findings(self) -> list[Finding]:
        return [f for f in self.findings.values() if f.kind == "exception"]

    @property
    def non_ewp_exceptions(self) -> int:
        """How many inputs raised something other than an EwpError (timeouts excluded)."""
        return sum(f.count for f in self.exception_findings)


def input_rng(seed: str, target: str, index: int) -> Random:
    return Random(f"{seed}:{target}:{index}")


def _short(filename: str) -> str:
    for marker in ("/site-packages/", "/src/", "/work/main/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _frames(tb: TracebackType | None) -> traceback.StackSummary:
    return traceback.extract_tb(tb)


def locate(exc: BaseException) -> tuple[str, str]:
    """(innermost frame, last ``ewp_client`` frame) of ``exc``'s traceback."""
    if isinstance(exc, ContractViolation):
        return f"contract: {exc.rule}", ""
    frames = _frames(exc.__traceback__)
    if isinstance(exc, InputTimeout) and len(frames) > 1:
        frames.pop()  # the timer's handler: the place is where the input was stopped
    if not frames:
        return "?", "?"
    last = frames[-1]
    inner = f"{_short(last.filename)}:{last.lineno} in {last.name}"
    ours = [f for f in frames if "/ewp_client/" in f.filename]
    boundary = f"{_short(ours[-1].filename)}:{ours[-1].lineno} in {ours[-1].name}" if ours else ""
    return inner, boundary


def _format(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-14)
    return "".join(lines)[-6000:]


def _qualified(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


#: A stalled input (sleeping, waiting) is stopped after this many budgets of wall time.
WALL_FACTOR = 6


@contextlib.contextmanager
def _budget(seconds: float | None) -> Iterator[None]:
    """Raise :class:`InputTimeout` after ``seconds`` of CPU time (or ``WALL_FACTOR`` times
    that of wall time) in the main thread; a no-op without a budget.

    CPU time, so that a busy shared machine does not turn fair inputs into findings.
    """
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        clock = "CPU" if signum == signal.SIGPROF else "wall"
        raise InputTimeout(f"over the budget of {seconds} s ({clock} time)")

    previous = {n: signal.signal(n, expire) for n in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, seconds * WALL_FACTOR)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for number, handler in previous.items():
            signal.signal(number, handler)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one input did: nothing, an EwpError, or a finding's exception."""

    seconds: float  # CPU time of the process
    rejected: bool = False
    error: BaseException | None = None
    rss_growth_mib: float = 0.0


def execute(target: Target, case: FuzzInput, *, budget: float | None = None) -> Outcome:
    """Run one input under the oracle."""
    before = _peak_rss_mib()
    start = time.process_time()
    try:
        with _budget(budget):
            target.run(case)
    except EwpError:
        return Outcome(time.process_time() - start, rejected=True)
    except (Exception, InputTimeout) as exc:
        return Outcome(time.process_time() - start, error=exc)
    finally:
        etree.clear_error_log()
    return Outcome(time.process_time() - start, rss_growth_mib=_peak_rss_mib() - before)


@dataclass(frozen=True)
class Settings:
    sizes: Sizes
    budget: float | None = None  # CPU seconds per input before it is stopped
    slow_after: float | None = None  # CPU seconds above which an input is listed as slow
    memory_mib: float | None = None  # peak RSS growth of one input that is a finding
    shrink_attempts: int = 0


def _signature(outcome: Outcome) -> tuple[str, str] | None:
    if outcome.error is None:
        return None
    return (_qualified(outcome.error), locate(outcome.error)[0])


#: CPU time one finding's shrinking may take (a slow input must not stall the run).
SHRINK_CPU_SECONDS = 20.0


def shrink(target: Target, case: FuzzInput, key: tuple[str, str], settings: Settings) -> FuzzInput:
    """A smaller input raising the same finding: elements, then lines, then bytes removed."""
    if not target.shrinkable or settings.shrink_attempts <= 0:
        return case
    attempts = settings.shrink_attempts
    deadline = time.process_time() + SHRINK_CPU_SECONDS

    def same(data: bytes) -> bool:
        nonlocal attempts
        if attempts <= 0 or time.process_time() > deadline:
            attempts = 0
            return False
        attempts -= 1
        outcome = execute(target, replace(case, data=data), budget=settings.budget)
        return _signature(outcome) == key

    data = _shrink_elements(case.data, same)
    for splitter, joiner in ((bytes.splitlines, b"\n"), (lambda d: [bytes([b]) for b in d], b"")):
        parts = splitter(data)
        if len(parts) > 4000:
            continue
        chunk = max(1, len(parts) // 2)
        while chunk >= 1 and attempts > 0:
            i = 0
            while i < len(parts) and attempts > 0:
                candidate = parts[:i] + parts[i + chunk :]
                if candidate and same(joiner.join(candidate)):
                    parts = candidate
                else:
                    i += chunk
            chunk //= 2
        data = joiner.join(parts)
    return replace(case, data=data, mutations=(*case.mutations, "shrunk"))


_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _shrink_elements(data: bytes, same: Callable[[bytes], bool]) -> bytes:
    """Remove elements (a parent before its children), then attributes, while the finding holds."""
    try:
        root = etree.fromstring(data, _STRICT)
    except (etree.XMLSyntaxError, ValueError):
        return data
    declaration = data.lstrip().startswith(b"<?xml")

    def render() -> bytes:
        return etree.tostring(root, xml_declaration=declaration, encoding="UTF-8")

    if not same(render()):
        return data
    for element in list(root.iterdescendants()):
        parent = element.getparent()
        if parent is None or element.getroottree().getroot() is not root:
            continue
        at = parent.index(element)
        tail = element.tail
        parent.remove(element)
        if not same(render()):
            parent.insert(at, element)
            element.tail = tail
    for element in root.iter():
        for name in list(element.attrib):
            value = element.attrib.pop(name)
            if not same(render()):
                element.set(name, value)
    return render()


def _record(
    report: Report,
    target: Target,
    index: int,
    case: FuzzInput,
    outcome: Outcome,
    settings: Settings,
) -> None:
    error = outcome.error
    if error is None:
        if settings.memory_mib is not None and outcome.rss_growth_mib > settings.memory_mib:
            key = ("memory", target.name)
            finding = report.findings.get(key)
            if finding is None:
                finding = report.findings[key] = Finding(
                    "memory",
                    "memory",
                    target.name,
                    "",
                    f"peak RSS grew by {outcome.rss_growth_mib:.0f} MiB",
                    "",
                    case,
                    target.name,
                    index,
                )
            finding.count += 1
            finding.targets.add(target.name)
        return
    kind = "timeout" if isinstance(error, InputTimeout) else "exception"
    error_type = _qualified(error)
    inner, boundary = locate(error)
    key = (error_type, inner)
    finding = report.findings.get(key)
    if finding is None:
        example = case if kind == "timeout" else shrink(target, case, key, settings)
        finding = report.findings[key] = Finding(
            kind,
            error_type,
            inner,
            boundary,
            str(error)[:500],
            _format(error),
            example,
            target.name,
            index,
        )
    finding.count += 1
    finding.targets.add(target.name)


def run(
    targets: Sequence[Target],
    *,
    inputs_per_target: int,
    seed: str,
    settings: Settings,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Fuzz each target with ``inputs_per_target`` inputs, interleaved; the :class:`Report`."""
    report = Report(seed=seed)
    for target in targets:
        report.inputs[target.name] = 0
        report.rejected[target.name] = 0
        report.seconds[target.name] = 0.0
    started = last_progress = time.monotonic()
    for index in range(inputs_per_target):
        for target in targets:
            case = target.make(input_rng(seed, target.name, index), settings.sizes)
            outcome = execute(target, case, budget=settings.budget)
            report.inputs[target.name] += 1
            report.seconds[target.name] += outcome.seconds
            report.rejected[target.name] += outcome.rejected
            if settings.slow_after is not None and outcome.seconds > settings.slow_after:
                slow = SlowInput(target.name, index, outcome.seconds, case.describe())
                report.slow.append(slow)
                if progress is not None:
                    first = slow.description.splitlines()[0]
                    progress(f"slow: {slow.seconds:.2f} s {target.name}:{index} {first}")
            known = len(report.findings)
            _record(report, target, index, case, outcome, settings)
            if progress is not None and len(report.findings) > known:
                finding = list(report.findings.values())[-1]
                progress(
                    f"new finding: {finding.error_type} at {finding.location} "
                    f"({target.name}:{index})"
                )
        if progress is not None and time.monotonic() - last_progress >= 30:
            last_progress = time.monotonic()
            progress(
                f"[{time.monotonic() - started:7.0f} s] "
                f"{index + 1}/{inputs_per_target} per target, "
                f"{report.total_inputs} inputs, {report.non_ewp_exceptions} non-EwpError, "
                f"{len(report.findings)} distinct findings, {len(report.slow)} slow"
            )
    return report


def save_findings(report: Report, directory: Path) -> None:
    """One ``.bin`` (the input's bytes) and one ``.txt`` (description, traceback) per finding."""
    directory.mkdir(parents=True, exist_ok=True)
    for n, finding in enumerate(report.findings.values(), 1):
        stem = directory / f"finding-{n:02d}-{finding.example_target}"
        stem.with_suffix(".bin").write_bytes(finding.example.data)
        stem.with_suffix(".txt").write_text(
            f"{finding.error_type} at {finding.location}\n"
            f"escaped ewp_client at: {finding.boundary}\n"
            f"inputs: {finding.count} ({', '.join(sorted(finding.targets))})\n"
            f"replay: --seed {report.seed} --replay {finding.example_target}:"
            f"{finding.example_index}\n"
            f"{finding.example.describe()}\n\n{finding.traceback}\n",
            encoding="utf-8",
        )
