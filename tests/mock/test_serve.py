"""``ewp-mock serve`` with key files, as a CI suite starts it (real uvicorn, loopback)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from ewp_client.client import EwpCall, EwpClient
from ewp_client.codec import decode
from ewp_client.models import EchoResponse
from ewp_client.namespaces import ECHO_API
from ewp_client.registry import RegistryClient
from ewp_client.security import SigningKey, key_id, private_key_pem, public_key_pem
from ewp_mock.cli import main

from .conftest import key

CI_HEI = "ci-suite.example.org"


def write_private(path: Path, private: rsa.RSAPrivateKey) -> Path:
    path.write_bytes(private_key_pem(private))
    return path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``ewp-mock serve`` in a subprocess with fixed keys and our client key admitted."""
    server = write_private(tmp_path / "server.pem", key(1).private_key)
    own = write_private(tmp_path / "client.pem", key(2).private_key)
    ours = tmp_path / "ours.pub.pem"
    ours.write_bytes(public_key_pem(key(3).public_key))
    process = subprocess.Popen(
        [
            sys.executable, "-m", "ewp_mock.cli", "serve", "--port", "0",
            "--server-key", str(server), "--client-key", str(own),
            "--admit", f"{ours}={CI_HEI}",
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    lines: dict[str, str] = {}
    try:
        for line in process.stdout:
            if line.strip() == "ready":
                break
            label, _, value = line.partition(":")
            lines[label.strip()] = value.strip()
        else:
            assert process.stderr is not None
            pytest.fail(f"ewp-mock serve stopped: {process.stderr.read()}")
        yield lines
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_uses_the_given_keys_and_admits_the_given_client(served: dict[str, str]) -> None:
    assert served["server keyId"] == key_id(key(1).private_key)
    assert served["client keyId"] == key_id(key(2).private_key)
    assert served["admitted"] == f"{key(3).key_id} for {CI_HEI}"
    with RegistryClient(served["catalogue"], timeout=10.0) as registry, EwpClient(
        registry, key=key(3)
    ) as client:
        answer = client.call(
            EwpCall(api=ECHO_API, hei_id="mock.example.org", endpoint="url",
                    params=(("echo", "ci"),))
        )
    assert answer.status == 200
    assert answer.verified
    echo = decode(answer.tree, EchoResponse)
    assert echo.echoes == ("ci",)
    assert echo.hei_ids == (CI_HEI,)


def test_unreadable_key_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.pem"
    assert main(["serve", "--server-key", str(missing)]) == 2
    assert f"--server-key {missing}" in capsys.readouterr().err


def test_a_file_that_is_no_private_key_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    public = tmp_path / "public.pem"
    public.write_bytes(public_key_pem(key(3).public_key))
    assert main(["serve", "--client-key", str(public)]) == 2
    assert "not a readable private key" in capsys.readouterr().err


def test_short_client_keys_and_bad_admit_options_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = tmp_path / "short.pem"
    short.write_bytes(public_key_pem(rsa.generate_private_key(65537, 1024).public_key()))
    assert main(["serve", "--admit", f"{short}={CI_HEI}"]) == 2
    assert "1024 bits" in capsys.readouterr().err
    assert main(["serve", "--admit", str(short)]) == 2
    assert "KEYFILE=HEI" in capsys.readouterr().err
    ok = tmp_path / "ok.pem"
    ok.write_bytes(public_key_pem(SigningKey(key(3).private_key).public_key))
    assert main(["serve", "--admit", f"{ok}= , "]) == 2


def test_public_url_brackets_ipv6_and_base_url_wins() -> None:
    from ewp_mock import MockConfig

    assert MockConfig(host="::1", port=8123).public_url == "http://[::1]:8123"
    config = MockConfig(host="0.0.0.0", port=8000, base_url="http://mock:8000/")
    assert config.url("/ewp/echo") == "http://mock:8000/ewp/echo"
    assert config.authority == "mock:8000"


def test_a_bad_base_url_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--base-url", "ftp://mock"]) == 2
    assert "not an http(s) URL" in capsys.readouterr().err
