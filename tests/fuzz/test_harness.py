"""The harness itself: its oracle, budget, shrinker, mutations and CLI contract can all fail."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from random import Random

import pytest
from lxml import etree

from ewp_client.errors import MalformedXmlError

from . import engine, messages, mutations
from .seeds import keys
from .targets import ContractViolation, FuzzInput, Target, check_cli_contract

DOC = b"<r><a>1</a><b x='2'>text</b><c><d>2024-01-01</d></c></r>"
SETTINGS = engine.Settings(sizes=mutations.SHORT_RUN)


def _constant(data: bytes) -> Target:
    return Target("planted", lambda rng, sizes: FuzzInput("doc", (), data), lambda case: None)


def _planted(run: object) -> Target:
    target = _constant(DOC)
    target.run = run  # type: ignore[assignment]
    return target


def _raise_key_error(case: FuzzInput) -> None:
    if b"BOOM" in case.data:
        raise KeyError("planted")
    raise MalformedXmlError("fine")


def test_an_ewp_error_is_not_a_finding() -> None:
    def rejected(case: FuzzInput) -> None:
        raise MalformedXmlError("no")

    report = engine.run([_planted(rejected)], inputs_per_target=3, seed="s", settings=SETTINGS)
    assert report.findings == {}
    assert report.rejected == {"planted": 3}


def test_any_other_exception_is_one_finding_per_type_and_place() -> None:
    def broken(case: FuzzInput) -> None:
        raise KeyError("planted")

    report = engine.run([_planted(broken)], inputs_per_target=4, seed="s", settings=SETTINGS)
    (finding,) = report.findings.values()
    assert finding.error_type == "builtins.KeyError"
    assert re.search(r"tests/fuzz/test_harness\.py:\d+ in broken", finding.location)
    assert finding.count == 4
    assert report.non_ewp_exceptions == 4


def test_a_busy_hang_is_stopped_at_the_cpu_budget_and_reported_where_it_spun() -> None:
    def spin(case: FuzzInput) -> None:
        while True:
            pass

    settings = engine.Settings(sizes=mutations.SHORT_RUN, budget=0.2, slow_after=0.1)
    report = engine.run([_planted(spin)], inputs_per_target=1, seed="s", settings=settings)
    (finding,) = report.findings.values()
    assert finding.kind == "timeout"
    assert "in spin" in finding.location
    assert "CPU time" in finding.message
    assert [s.target for s in report.slow] == ["planted"]


def test_a_stalled_input_is_stopped_by_the_wall_clock() -> None:
    def stall(case: FuzzInput) -> None:
        while True:
            time.sleep(0.01)

    settings = engine.Settings(sizes=mutations.SHORT_RUN, budget=0.05, slow_after=0.1)
    report = engine.run([_planted(stall)], inputs_per_target=1, seed="s", settings=settings)
    (finding,) = report.findings.values()
    assert finding.kind == "timeout"
    assert "wall time" in finding.message


def test_a_finding_is_shrunk_to_what_still_raises_it() -> None:
    big = b"<r>" + b"<a>filler</a>" * 50 + b"<b>BOOM</b>" + b"<c>x</c>" * 50 + b"</r>"
    target = Target("planted", lambda rng, sizes: FuzzInput("doc", (), big), _raise_key_error)
    settings = engine.Settings(sizes=mutations.SHORT_RUN, shrink_attempts=500)
    report = engine.run([target], inputs_per_target=1, seed="s", settings=settings)
    (finding,) = report.findings.values()
    assert b"BOOM" in finding.example.data
    assert len(finding.example.data) < 40


def test_inputs_are_made_again_from_seed_target_and_index() -> None:
    def make(index: int) -> bytes:
        rng = engine.input_rng("seed", "validate", index)
        return mutations.mutate_document(DOC, rng, mutations.LONG_RUN)[0]

    assert make(7) == make(7)
    assert len({make(i) for i in range(20)}) > 10


@pytest.mark.parametrize("mutation", mutations.ALL_MUTATIONS, ids=lambda m: m.__name__)
def test_every_mutation_changes_the_document(mutation: mutations.Mutation) -> None:
    changed = {mutation(DOC, Random(i), mutations.SHORT_RUN) != DOC for i in range(20)}
    assert True in changed


def test_attribute_flood_and_deep_nesting_reach_their_sizes() -> None:
    sizes = mutations.Sizes(flood=2_000, depth=300)
    flooded = mutations._xml(mutations._attribute_flood)
    counts = set()
    for i in range(40):
        root = etree.fromstring(flooded(DOC, Random(i), sizes))
        counts.add(max(len(e.attrib) for e in root.iter()))
    assert max(counts) >= 2_000
    nested = mutations._xml(mutations._deep_nesting)
    depths = set()
    for i in range(40):
        root = etree.fromstring(nested(DOC, Random(i), sizes), etree.XMLParser(huge_tree=True))
        depths.add(max(len(list(e.iterancestors())) for e in root.iter()))
    assert max(depths) > 256


def test_reencoding_keeps_the_text_in_another_encoding() -> None:
    outputs = [mutations.reencode(DOC, Random(i), mutations.SHORT_RUN) for i in range(30)]
    assert any(o.startswith((b"\xff\xfe", b"\xfe\xff")) for o in outputs)
    assert any(b"\x00\x00\x00" in o for o in outputs)  # UTF-32


def test_an_unmutated_signed_request_verifies() -> None:
    from ewp_client.security import RequestVerifier

    from .targets import _resolver

    fuzz_keys = keys()
    request = messages.signed_request(fuzz_keys.client)
    result = RequestVerifier(_resolver(fuzz_keys)).verify(
        method=request.method,
        target=request.target,
        headers=request.headers,
        body=request.body,
        host=messages.HOST,
        now=messages.NOW,
    )
    assert result.body == messages.BODY


@pytest.mark.parametrize(
    ("argv", "status", "out"),
    [
        (["validate", "--json", "f"], 0, "not json"),
        (["validate", "--json", "f"], 0, '{"a": 1}\n{"b": 2}'),
        (["validate", "f"], 3, ""),
        (["validate", "f"], 0, "Traceback (most recent call last):"),
    ],
)
def test_the_cli_contract_is_checked(argv: list[str], status: int, out: str) -> None:
    with pytest.raises(ContractViolation):
        check_cli_contract(argv, status, out, "")
    check_cli_contract(argv, 1, '{"ok": true}', "")


def test_the_coverage_guided_run_starts_and_finishes_when_atheris_is_installed(
    fuzz_targets: dict[str, Target],  # skips without the reference pack
) -> None:
    pytest.importorskip("atheris", reason="atheris is optional (pip install atheris)")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.guided", "parse_xml", "-atheris_runs=20"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Done 20 runs" in done.stderr or "Done 20 in" in done.stderr


def test_the_long_run_command_prints_and_writes_its_summary(
    fuzz_targets: dict[str, Target], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .__main__ import main

    summary = tmp_path / "summary.json"
    argv = ["--inputs", "6", "--small", "--target", "parse_xml", "--target", "keys"]
    status = main([*argv, "--max-memory-mib", "0", "--json", str(summary)])
    assert status == 0
    document = json.loads(summary.read_text(encoding="utf-8"))
    assert document["inputs"] == {"parse_xml": 3, "keys": 3}
    assert document["total_inputs"] == 6
    assert document["non_ewp_exceptions"] == 0
    assert document["findings"] == []
    out = capsys.readouterr().out
    assert "non-EwpError exceptions: 0 inputs" in out
    assert re.search(r"^parse_xml\s+3\s", out, re.MULTILINE)


def test_replay_makes_the_same_input_again(
    fuzz_targets: dict[str, Target], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .__main__ import main

    saved = tmp_path / "input.bin"
    argv = ["--seed", "x", "--replay", "validate:5", "--max-memory-mib", "0", "--small"]
    assert main([*argv, "--save", str(saved)]) == 0
    rng = engine.input_rng("x", "validate", 5)
    expected = fuzz_targets["validate"].make(rng, mutations.SHORT_RUN)
    assert saved.read_bytes() == expected.data
    assert expected.describe().splitlines()[0] in capsys.readouterr().out


def test_the_slow_findings_documents_are_what_they_say() -> None:
    from ewp_client import is_valid
    from ewp_client.iia import compute_iia_hashes

    from .slow_findings import (
        echo_with_attributes,
        echo_with_comments,
        echo_with_instructions,
        echo_with_references,
        iias_with_attributes,
    )

    assert is_valid(echo_with_references(10))
    assert is_valid(echo_with_comments(10))
    assert is_valid(echo_with_instructions(10))
    assert not is_valid(echo_with_attributes(10))
    (result,) = compute_iia_hashes(iias_with_attributes(10))
    assert result.iia_id == "1"
