"""The short fuzz run: a fixed seed, small sizes, every target; any non-EwpError fails.

This is the in-suite guard of issue #16's promise that partner input only ever
raises :class:`~ewp_client.errors.EwpError`. It asserts no times: hangs and
slow inputs are the long run's business (``python -m tests.fuzz``). A finding
still open (``test_regressions.OPEN_FINDINGS``, each with a strict-xfail
regression test) makes the target an expected failure instead; any other
finding fails it.
"""

from __future__ import annotations

import pytest

from . import engine, mutations
from .targets import TARGET_NAMES, Target
from .test_regressions import OPEN_FINDINGS

#: Inputs per target: about 3-5 s for all targets together on the reference machine.
INPUTS = 40
SETTINGS = engine.Settings(sizes=mutations.SHORT_RUN, shrink_attempts=60)


def _explain(report: engine.Report) -> str:
    lines = [f"{report.non_ewp_exceptions} inputs raised something other than an EwpError:"]
    for f in report.findings.values():
        lines += [
            f"- {f.error_type} x{f.count} at {f.location} (escaped at {f.boundary})",
            f"  replay: .venv/bin/python -m tests.fuzz --small --seed {report.seed} "
            f"--replay {f.example_target}:{f.example_index}",
            f"  input: {f.example.data[:300]!r}",
            "  " + f.traceback.replace("\n", "\n  "),
        ]
    return "\n".join(lines)


def test_every_target_is_run(fuzz_targets: dict[str, Target]) -> None:
    assert tuple(fuzz_targets) == TARGET_NAMES


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_partner_input_raises_only_ewp_errors(fuzz_targets: dict[str, Target], name: str) -> None:
    report = engine.run(
        [fuzz_targets[name]], inputs_per_target=INPUTS, seed="short-run", settings=SETTINGS
    )
    assert report.inputs == {name: INPUTS}
    open_ones = {key: OPEN_FINDINGS[key] for key in report.findings if key in OPEN_FINDINGS}
    for key in open_ones:
        del report.findings[key]
    assert not report.findings, _explain(report)
    if open_ones:
        pytest.xfail("; ".join(sorted(set(open_ones.values()))))
