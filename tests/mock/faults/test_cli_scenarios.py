"""``ewp-mock scenarios`` lists the scenarios; ``ewp-mock serve --scenario`` plays them.

Listing: one line per scenario (name, what it does, which API), ``--json`` one
document, a ``--scenario-file``'s scenarios listed with the built-in ones, a
bad file or an unknown name an exit status 2 that says what is known. Serving:
a node started with two scenarios, one from a file, shows both on the wire.
"""

from __future__ import annotations

import gzip
import json
import ssl
from pathlib import Path

import httpx
import pytest

from ewp_client.security import RequestSigner, digest_header
from ewp_mock.cli import main
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.faults import ScenarioRegistry
from tests.mock.conftest import key
from tests.mock.test_cli_serve import _key_files, _public_key_file, start

OWN_FILE = """
[[scenario]]
name = "institutions-unsigned"
summary = "Institutions answers not signed"
api = "Institutions get"

[[scenario.behaviour]]
type = "unsigned"
apis = ["institutions"]
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "own.toml"
    path.write_text(OWN_FILE, encoding="utf-8")
    return path


def test_the_listing_has_one_line_per_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    registry = ScenarioRegistry.load()
    assert len(lines) == len(registry) == 29
    assert [line.split(":")[0] for line in lines] == list(registry.names)
    assert (
        "httpsig-digest-mismatch: Digest over the plain body, body then sent gzip-encoded [any]"
        in lines
    )


def test_the_json_listing_is_one_document_with_the_behaviours(
    capsys: pytest.CaptureFixture[str], scenario_file: Path
) -> None:
    assert main(["scenarios", "--json", "--scenario-file", str(scenario_file)]) == 0
    document = json.loads(capsys.readouterr().out)
    by_name = {s["name"]: s for s in document["scenarios"]}
    assert len(by_name) == 30
    own = by_name["institutions-unsigned"]
    assert own["source"] == str(scenario_file)
    assert own["behaviours"] == [
        {"type": "unsigned", "stage": "signed", "does": "answers not signed", "on": "institutions"}
    ]
    assert by_name["tls-expired"]["behaviours"][0]["stage"] == "tls"


def test_a_file_scenario_is_listed_with_the_built_in_ones(
    capsys: pytest.CaptureFixture[str], scenario_file: Path
) -> None:
    assert main(["scenarios", "--scenario-file", str(scenario_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == (
        "institutions-unsigned: Institutions answers not signed [Institutions get]"
    )


def test_an_unusable_scenario_file_is_exit_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[scenario]]\nname = "x"\n', encoding="utf-8")
    assert main(["scenarios", "--scenario-file", str(bad)]) == 2
    assert f"{bad}: scenario x: needs a summary" in capsys.readouterr().err
    assert main(["scenarios", "--json", "--scenario-file", str(tmp_path / "missing.toml")]) == 2
    captured = capsys.readouterr()
    assert "cannot read" in captured.err
    assert json.loads(captured.out)["error"]["kind"] == "config"


def test_serving_an_unknown_scenario_is_exit_2_with_the_known_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--scenario", "nope", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'nope'; known: cnr-rejects-valid-notification, " in err
    assert "tls-wrong-host" in err


def test_a_served_node_plays_two_scenarios_one_from_a_file(
    tmp_path: Path, scenario_file: Path
) -> None:
    node = start(
        *_key_files(tmp_path),
        "--state-dir",
        str(tmp_path / "state"),
        "--admit",
        f"{_public_key_file(tmp_path, 3)}={UNI_B}",
        "--scenario",
        "httpsig-digest-mismatch",
        "--scenario",
        "institutions-unsigned",
        "--scenario-file",
        str(scenario_file),
    )
    try:
        assert node.document["scenarios"] == ["httpsig-digest-mismatch", "institutions-unsigned"]
        base = node.document["url"]
        host = base.split("://")[1]
        context = ssl.create_default_context(cafile=node.document["ca"])
        signer = RequestSigner(key(3))
        with httpx.Client(verify=context) as http:

            def get(target: str) -> httpx.Response:
                signed = signer.sign(method="GET", target=target, body=b"", host=host)
                request = http.build_request("GET", base + target, headers=signed.headers)
                response = http.send(request, stream=True)
                response.raw = b"".join(response.iter_raw())  # type: ignore[attr-defined]
                return response

            iias = get(f"/ewp/iias/{UNI_A}/index")
            raw: bytes = iias.raw  # type: ignore[attr-defined]
            assert iias.headers["content-encoding"] == "gzip"
            assert iias.headers["digest"] == digest_header(gzip.decompress(raw))
            assert iias.headers["digest"] != digest_header(raw)
            institutions = get(f"/ewp/institutions?hei_id={UNI_A}")
            assert "signature" not in institutions.headers  # the file's scenario
            assert institutions.headers["content-encoding"] == "gzip"  # and the built-in one
    finally:
        assert node.stop() == 0
