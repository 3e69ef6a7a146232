"""Probable causes named for a declared iia-hash that differs from the computed one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ewp_client.cli import main
from ewp_client.iia.hash import compute_iia_hashes
from ewp_client.iia.mismatch import mismatch_hints
from tests.iia.iia_xml import PARTNERS, YEARS, iia, mobility, response, simple


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hints(xml: bytes, index: int = 0) -> list[str]:
    result = compute_iia_hashes(xml)[index]
    v6 = compute_iia_hashes(xml, version=6)[index]
    return mismatch_hints(result, v6_text=v6.text_to_hash)


def test_no_hints_when_the_hash_matches_or_nothing_explains_it() -> None:
    (result,) = compute_iia_hashes(simple())
    assert hints(simple(iia_hash=result.sha256)) == []
    assert hints(simple(iia_hash="1" * 64)) == []
    assert hints(simple().replace(b"<iia-hash>" + b"0" * 64 + b"</iia-hash>", b"")) == []


def test_letter_case_and_trailing_underscore() -> None:
    (result,) = compute_iia_hashes(simple())
    assert hints(simple(iia_hash=result.sha256.upper())) == [
        "the declared hash differs only in letter case or white space"
    ]
    (hint,) = hints(simple(iia_hash=sha(result.text_to_hash + "_")))
    assert "trailing '_'" in hint


def test_trimmed_values() -> None:
    body = "<blended> true </blended>"
    (result,) = compute_iia_hashes(simple(body))
    trimmed = sha(result.text_to_hash.replace("= true _", "=true_"))
    (hint,) = hints(simple(body, iia_hash=trimmed))
    assert "trimmed" in hint


def test_terminated_marker_from_another_iia_of_the_response() -> None:
    body = f"<sending-hei-id>a.example</sending-hei-id>{YEARS}"
    (alone,) = compute_iia_hashes(response(iia(mobility(body))))
    xml = response(
        iia(
            mobility(body),
            partners=PARTNERS.replace(">A<", ">A0<"),
            conditions_attributes=' terminated-as-a-whole="true"',
        ),
        iia(mobility(body), iia_hash=alone.sha256),
    )
    assert compute_iia_hashes(xml)[1].text_to_hash == (
        "_@terminated-as-a-whole@_" + alone.text_to_hash
    )
    (hint,) = hints(xml, index=1)
    assert "left out the terminated-as-a-whole marker" in hint


def test_v6_kit_used_on_a_v7_agreement() -> None:
    body = '<blended a="1">true</blended>'
    v6_text = compute_iia_hashes(simple(body), version=6)[0].text_to_hash
    (hint,) = hints(simple(body, iia_hash=sha(v6_text)))
    assert "v6 kit" in hint


def test_verify_prints_the_probable_cause(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (result,) = compute_iia_hashes(simple())
    path = tmp_path / "trailing.xml"
    path.write_bytes(simple(iia_hash=sha(result.text_to_hash + "_")))
    assert main(["iia", "verify", str(path)]) == 1
    assert "probable cause: the partner added a trailing '_'" in capsys.readouterr().out
