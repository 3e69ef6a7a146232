"""iia-hash agreement with the official kit's output: shared vectors and official examples."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ewp_client.iia.hash import compute_iia_hashes


def _expected(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {k: iia[k] for k in ("iia_id", "text_to_hash", "sha256", "valid_for_approval")}
        for iia in case["iias"]
    ]


def test_hash_vectors_agree_100_percent(
    reference_pack: Path, figures: Callable[[str], None]
) -> None:
    folder = reference_pack / "iia-hash-vectors"
    cases = [json.loads(line) for line in (folder / "cases.jsonl").read_text().splitlines()]
    agree, iias, disagreeing = 0, 0, []
    for case in cases:
        got = [
            {
                "iia_id": r.iia_id,
                "text_to_hash": r.text_to_hash,
                "sha256": r.sha256,
                "valid_for_approval": r.valid_for_approval,
            }
            for r in compute_iia_hashes((folder / case["file"]).read_bytes())
        ]
        iias += len(got)
        if got == _expected(case):
            agree += 1
        else:
            disagreeing.append(case["file"])
    line = f"iia-hash agreement (iia-hash-vectors): {agree}/{len(cases)} documents, {iias} IIAs"
    figures(line)
    assert len(cases) == 150
    assert disagreeing == []


def test_official_v7_examples_hash_to_their_declared_iia_hash(
    reference_pack: Path, figures: Callable[[str], None]
) -> None:
    examples = reference_pack / "examples" / "iias-v7"
    results = {
        name: compute_iia_hashes((examples / name).read_bytes())
        for name in ("get-response-example.xml", "xsltkit-get-response-v7.xml")
    }
    agree = sum(
        all(r.declared_hash is not None and r.matches_declared for r in rs)
        for rs in results.values()
    )
    line = f"iia-hash agreement (official v7 examples): {agree}/{len(results)}"
    figures(line)
    assert agree == len(results)
    kit = results["xsltkit-get-response-v7.xml"][0]
    assert kit.valid_for_approval is False  # it uses not-yet-defined / v6-value
    assert results["get-response-example.xml"][0].valid_for_approval is True


def test_official_v6_example_gives_the_text_of_its_v7_twin(
    reference_pack: Path, figures: Callable[[str], None]
) -> None:
    """The kit's README states the same text for its v6 and v7 examples.

    So the v6 example must hash to the ``iia-hash`` the v7 example declares.
    """
    examples = reference_pack / "examples"
    (v6,) = compute_iia_hashes((examples / "iias-v6" / "xsltkit-get-response-v6.xml").read_bytes())
    (v7,) = compute_iia_hashes((examples / "iias-v7" / "xsltkit-get-response-v7.xml").read_bytes())
    checks = {
        "sha256": v6.sha256 == v7.declared_hash,
        "text-to-hash": v6.text_to_hash == v7.text_to_hash,
    }
    line = (
        "iia-hash agreement (official v6 kit example, hash and text vs its v7 twin): "
        f"{sum(checks.values())}/{len(checks)}"
    )
    figures(line)
    assert all(checks.values()), checks
    assert v6.version == 6
    assert v6.declared_hash is None
    assert v6.valid_for_approval is True
    assert v6.text_to_hash == v7.text_to_hash
    assert v6.sha256 == v7.declared_hash
