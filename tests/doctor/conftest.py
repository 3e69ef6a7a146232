"""``ewp doctor`` run in process against a mock partner served over loopback TLS.

:func:`doctor` configures the client as a deployment does (``EWP_*``
variables: our key file, our HEI, the CA the mock's certificate comes from,
the mock's catalogue) and runs ``ewp doctor`` through :func:`ewp_client.cli.main`.
A partner with a known problem is the mock playing that fault scenario
(``Partner.served(scenarios=[...])``, see test_scenarios.py); a break no
scenario plays is made by monkeypatching the mock's server half, as
tests/mock/conformance/test_broken_servers.py does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ewp_client.cli import main
from ewp_client.config import ENV_VARS
from ewp_client.security import private_key_pem
from ewp_mock.testing import Partner, PartnerKeys

#: The mock's certificate lives 14 days: the expiry warning is held below that.
EXPIRY_DAYS = "7"


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.out)
        return document

    def check(self, check_id: str) -> dict[str, Any]:
        found = [c for c in self.json()["checks"] if c["id"] == check_id]
        assert len(found) == 1, f"{check_id} not reported once: {self.out}"
        return found[0]


Doctor = Callable[..., Run]


@pytest.fixture(scope="session")
def partner_keys() -> PartnerKeys:
    return PartnerKeys.generate()


@pytest.fixture
def served_partner(partner_keys: PartnerKeys) -> Iterator[Partner]:
    """The mock partner on a loopback port over TLS, as the plugin's ``ewp_partner_server``
    makes it (made here, so that these tests need no installed ``pytest11`` entry point)."""
    with Partner.served(keys=partner_keys) as partner:
        yield partner


def configure(
    partner: Partner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    catalogue_file: bool = False,
) -> None:
    """The configuration a deployment gives the CLI, pointing at ``partner``.

    ``catalogue_file``: the Registry is a copy of the mock's catalogue in a
    file, for a partner whose TLS a client refuses (it serves its catalogue too).
    """
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    key_file = tmp_path / "our-key.pem"
    key_file.write_bytes(private_key_pem(partner.key.private_key))
    assert partner.ca_file is not None
    registry = partner.catalogue_url
    if catalogue_file:
        catalogue = tmp_path / "catalogue.xml"
        catalogue.write_bytes(partner.catalogue_xml)
        registry = str(catalogue)
    monkeypatch.setenv("EWP_PRIVATE_KEY", str(key_file))
    monkeypatch.setenv("EWP_HEI_IDS", ",".join(partner.admitted))
    monkeypatch.setenv("EWP_CA_BUNDLE", str(partner.ca_file))
    monkeypatch.setenv("EWP_REGISTRY", registry)


def run_doctor(capsys: pytest.CaptureFixture[str], hei: str, *options: str) -> Run:
    """``ewp doctor HEI --expiry-days 7 *options``, in process."""
    capsys.readouterr()
    status = main(["doctor", hei, "--expiry-days", EXPIRY_DAYS, *options])
    captured = capsys.readouterr()
    return Run(status, captured.out, captured.err)


@pytest.fixture
def doctor_env(served_partner: Partner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Partner:
    """The configuration a deployment gives the CLI, pointing at the served mock."""
    configure(served_partner, tmp_path, monkeypatch)
    return served_partner


@pytest.fixture
def doctor(doctor_env: Partner, capsys: pytest.CaptureFixture[str]) -> Doctor:
    """``doctor(*options)``: ``ewp doctor <the mock's HEI> --expiry-days 7 *options``."""

    def run(*options: str, hei: str | None = None) -> Run:
        return run_doctor(capsys, hei or doctor_env.hei_ids[0], *options)

    return run
