"""``ewp registry show`` and ``ewp registry lookup``: output, JSON and exit status."""

from __future__ import annotations

import json
import os

import pytest

from ewp_client.cli import main

from .helpers import key_id, network_xml


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("EWP_"):
            monkeypatch.delenv(name)


@pytest.fixture
def catalogue_file(tmp_path):
    path = tmp_path / "catalogue.xml"
    path.write_bytes(network_xml())
    return path


def run_json(capsys, *argv):
    status = main(["registry", *argv, "--json"])
    out = capsys.readouterr().out
    return status, json.loads(out)


def test_show_json_lists_hosts_heis_and_keys(capsys, catalogue_file):
    status, doc = run_json(capsys, "show", "--url", str(catalogue_file))
    assert status == 0
    assert doc["source"] == catalogue_file.as_uri()
    assert [h["admin_provider"] for h in doc["hosts"]] == ["Alpha SIS", None]
    alpha_iias = doc["hosts"][0]["apis"][0]
    assert alpha_iias["name"] == "iias"
    assert alpha_iias["max_ids"] == {"max-iia-ids": 3}
    assert alpha_iias["client_auth"] == ["sec-cliauth-httpsig"]
    assert sorted(doc["keys"]) == sorted({key_id(1), key_id(2), key_id(3)})
    assert [i["id"] for i in doc["institutions"]] == [
        "alpha.example",
        "alpha-arts.example",
        "beta.example",
    ]


def test_show_over_http(capsys, registry):
    registry.publish(network_xml())
    status = main(["registry", "show", "--url", registry.url])
    out = capsys.readouterr().out
    assert status == 0
    assert "2 hosts, 3 HEIs, 3 public keys" in out
    assert "iias 7.1.0: https://beta.example/iias/get" in out


def test_show_uses_the_configured_registry(capsys, monkeypatch, catalogue_file):
    monkeypatch.setenv("EWP_REGISTRY", str(catalogue_file))
    status, doc = run_json(capsys, "show")
    assert status == 0
    assert doc["source"] == catalogue_file.as_uri()


def test_show_unreachable_registry_exits_2(capsys, registry):
    registry.status = 503
    status = main(["registry", "show", "--url", registry.url, "--json"])
    captured = capsys.readouterr()
    assert status == 2
    error = json.loads(captured.out)["error"]  # --json: still one JSON document
    assert error["kind"] == "registry-unavailable"
    assert "503" in error["message"]
    assert "503" in captured.err


def test_show_missing_file_exits_2(capsys, tmp_path):
    assert main(["registry", "show", "--url", str(tmp_path / "absent.xml")]) == 2
    assert "absent.xml" in capsys.readouterr().err


def test_lookup_best_version_first(capsys, catalogue_file):
    status, doc = run_json(
        capsys,
        "lookup",
        "--hei",
        "alpha.example",
        "--api",
        "iias",
        "--version",
        "7",
        "--url",
        str(catalogue_file),
    )
    assert status == 0
    assert doc["found"] is True
    assert [e["version"] for e in doc["entries"]] == ["7.1.0", "7.0.0"]
    assert doc["entries"][0]["urls"]["index-url"] == "https://beta.example/iias/index"
    assert doc["entries"][0]["server_keys"] == [key_id(3)]


def test_lookup_text_output(capsys, catalogue_file):
    status = main(
        [
            "registry",
            "lookup",
            "--hei",
            "beta.example",
            "--api",
            "echo",
            "--url",
            str(catalogue_file),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "echo 2.0.1 for beta.example" in out
    assert "url: https://beta.example/echo" in out
    assert "client auth: sec-cliauth-httpsig" in out


def test_lookup_nothing_found_exits_1_with_the_reason(capsys, catalogue_file):
    status, doc = run_json(
        capsys,
        "lookup",
        "--hei",
        "beta.example",
        "--api",
        "iias",
        "--version",
        "6",
        "--url",
        str(catalogue_file),
    )
    assert status == 1
    assert doc["found"] is False
    assert "7.1.0" in doc["reason"]
    assert "major version 6" in doc["reason"]


def test_lookup_unknown_hei_text_goes_to_stderr(capsys, catalogue_file):
    status = main(
        ["registry", "lookup", "--hei", "x.example", "--api", "echo", "--url", str(catalogue_file)]
    )
    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == ""
    assert "x.example" in captured.err


def test_lookup_requires_hei_and_api(capsys):
    assert main(["registry", "lookup", "--api", "echo"]) == 2


def test_bad_configuration_exits_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("EWP_CONFIG", str(tmp_path / "absent.toml"))
    assert main(["registry", "show"]) == 2
    assert "cannot read" in capsys.readouterr().err
