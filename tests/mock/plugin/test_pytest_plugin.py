"""The pytest plugin (ewp_mock.pytest_plugin), run on small suites with ``pytester``.

Each suite is what a CI author would write; the inner run loads the plugin
with ``-p`` (as the ``pytest11`` entry point does once the package is
installed) and these tests assert its outcome: passed and failed counts, the
messages a user reads, and what is left running afterwards.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from ewp_mock.data import demo_dataset, dump_dataset

pytest_plugins = ["pytester"]

PLUGIN = "ewp_mock.pytest_plugin"


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_suite=textwrap.dedent(source))
    return pytester.runpytest_inprocess("-p", PLUGIN, "-p", "no:cacheprovider", *args)


EACH_FIXTURE = """
    import pytest
    import httpx

    from ewp_client import (
        AsyncEchoClient, AsyncEwpClient, AsyncRegistryClient, EchoClient, EwpClient, IiasClient,
        RegistryClient,
    )

    A, B = "uni-a.example.org", "uni-b.example.org"

    def test_in_process(ewp_partner):
        assert ewp_partner.served_on is None
        with ewp_partner.client() as client:
            assert EchoClient(client).echo(A, ["hi"]).hei_ids == (B,)
            assert IiasClient(client).index(A)  # the demo data has IIAs with uni-b

    @pytest.mark.asyncio
    async def test_in_process_async(ewp_partner):
        async with ewp_partner.async_client() as client:
            answer = await AsyncEchoClient(client).echo(A, ["hi"])
        assert answer.hei_ids == (B,)

    def test_real_port(ewp_partner_server):
        host, port = ewp_partner_server.served_on
        assert ewp_partner_server.url == f"https://{host}:{port}"
        with ewp_partner_server.client() as client:
            assert EchoClient(client).echo(A, ["hi"]).hei_ids == (B,)

    @pytest.mark.asyncio
    async def test_real_port_async(ewp_partner_server):
        async with ewp_partner_server.async_client() as client:
            answer = await AsyncEchoClient(client).echo(A, ["hi"])
        assert answer.hei_ids == (B,)

    def test_session_server(ewp_partner_server_session):
        with ewp_partner_server_session.client() as client:
            assert EchoClient(client).echo(A, ["hi"]).hei_ids == (B,)

    def test_network(ewp_network):
        assert ewp_network.names == ("a", "b")
        with ewp_network.client() as ours:
            assert EchoClient(ours).echo(A, ["hi"]).hei_ids == (B,)
            assert EchoClient(ours).echo(B, ["hi"]).hei_ids == (A,)
        with ewp_network.client("b") as as_b:  # node b's own key, known to a
            assert EchoClient(as_b).echo(A, ["hi"]).hei_ids == (B,)

    def test_respx(ewp_partner, ewp_respx):
        # code that makes its own clients, with httpx's default transport
        with RegistryClient(ewp_partner.catalogue_url) as registry:
            with EwpClient(registry, key=ewp_partner.key) as client:
                assert EchoClient(client).echo(A, ["hi"]).hei_ids == (B,)
        assert ewp_respx.calls.call_count == 2  # the catalogue, the echo

    @pytest.mark.asyncio
    async def test_respx_async(ewp_partner, ewp_respx):
        async with AsyncRegistryClient(ewp_partner.catalogue_url) as registry:
            async with AsyncEwpClient(registry, key=ewp_partner.key) as client:
                answer = await AsyncEchoClient(client).echo(A, ["hi"])
        assert answer.hei_ids == (B,)
        assert ewp_respx.calls.call_count == 2

    def test_factory(ewp_partner_factory):
        other = ewp_partner_factory(heis=["c.example.org"], data=None, admit=["d.example.org"])
        with other.client() as client:
            assert EchoClient(client).echo("c.example.org", []).hei_ids == ("d.example.org",)
"""


def test_a_suite_using_each_fixture_passes(pytester: pytest.Pytester) -> None:
    result = run(pytester, EACH_FIXTURE)
    result.assert_outcomes(passed=9)


def _our_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith(("ewp-mock", "asyncio_"))}


LEAVES_NOTHING = """
    import pytest
    from ewp_client import EchoClient

    def record(partner, pytestconfig):
        host, port = partner.served_on
        path = pytestconfig.rootpath / "ports.txt"
        with path.open("a") as f:
            f.write(f"{host} {port}\\n")

    def test_server(ewp_partner_server, pytestconfig):
        record(ewp_partner_server, pytestconfig)
        with ewp_partner_server.client() as client:
            EchoClient(client).echo("uni-a.example.org", [])

    def test_session(ewp_partner_server_session, pytestconfig):
        record(ewp_partner_server_session, pytestconfig)
        ewp_partner_server_session.client()  # left open: the fixture closes it

    def test_factory_served(ewp_partner_factory, pytestconfig):
        record(ewp_partner_factory(served=True), pytestconfig)

    @pytest.mark.ewp_network(mode="loopback")
    def test_loopback_network(ewp_network, pytestconfig):
        for name in ewp_network.names:
            url = ewp_network.url(name).removeprefix("https://")
            host, port = url.rsplit(":", 1)
            (pytestconfig.rootpath / "ports.txt").open("a").write(f"{host} {port}\\n")
        with ewp_network.client() as client:
            EchoClient(client).echo("uni-b.example.org", [])

    def test_in_process(ewp_partner, ewp_network):
        with ewp_partner.client() as client:
            EchoClient(client).echo("uni-a.example.org", [])
        ewp_network.client("a")  # left open
"""


WARM_UP = """
    from ewp_client import EchoClient

    def test_warm_up(ewp_partner):  # starts the threads the library keeps for the process
        with ewp_partner.client() as client:
            EchoClient(client).echo("uni-a.example.org", [])
"""


def test_fixtures_leave_no_server_port_or_thread(pytester: pytest.Pytester) -> None:
    run(pytester, WARM_UP).assert_outcomes(passed=1)
    before = set(threading.enumerate())

    run(pytester, LEAVES_NOTHING).assert_outcomes(passed=5)

    ports = [line.split() for line in (pytester.path / "ports.txt").read_text().splitlines()]
    assert len(ports) == 5
    for host, port in ports:
        with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
            probe.connect((host, int(port)))
    assert _our_threads() - before == set()
    assert set(threading.enumerate()) - before == set()


NOT_SHARED = """
    import pytest
    from ewp_client import EchoClient, Forbidden, SigningKey
    from ewp_client.security import generate_private_key

    A = "uni-a.example.org"
    STRANGER = SigningKey(generate_private_key())

    def echo(partner):
        with partner.client(key=STRANGER) as client:
            return EchoClient(client).echo(A, []).hei_ids

    def test_admitted_in_one(ewp_partner, ewp_partner_server, ewp_partner_factory):
        twin = ewp_partner_factory()
        ewp_partner.admit(STRANGER, ["z.example.org"])
        assert echo(ewp_partner) == ("z.example.org",)
        for other in (ewp_partner_server, twin):
            with pytest.raises(Forbidden):
                echo(other)
        assert len({ewp_partner.url, ewp_partner_server.url}) == 2

    def test_not_in_the_next_test(ewp_partner):
        with pytest.raises(Forbidden):
            echo(ewp_partner)

    def test_network_nodes_apart(ewp_network):
        ewp_network.node("a").register_client(STRANGER.public_key, ["z.example.org"])
        with ewp_network.client(key=STRANGER) as client:
            assert EchoClient(client).echo(A, []).hei_ids == ("z.example.org",)
            with pytest.raises(Forbidden):
                EchoClient(client).echo("uni-b.example.org", [])
"""


def test_two_partners_do_not_share_state(pytester: pytest.Pytester) -> None:
    run(pytester, NOT_SHARED).assert_outcomes(passed=3)


NETWORK_ACTS = """
    from datetime import UTC, datetime

    import pytest
    from ewp_client import LasClient, Signer
    from ewp_client.cnr import CnrKind

    A = "uni-a.example.org"
    PENDING = "la-changes-pending"  # a demo LA of uni-a's with a proposal to approve
    SIGNER = Signer(name="Bruno Rossi", position="coordinator", email="b@uni-b.example",
                    timestamp=datetime(2026, 9, 25, 10, 0, tzinfo=UTC), app="plugin test")

    def approve_as_b_and_wait(ewp_network):
        with ewp_network.client("b") as as_b:
            las = LasClient(as_b)
            la = las.get_one(A, PENDING)
            las.approve(A, PENDING, la.changes_proposal.id, SIGNER)
        ewp_network.idle()  # node a's delivery task has sent what was due
        return [(r.sending_hei_id, r.object_ids) for r in ewp_network.node("b").received
                if r.kind is CnrKind.LA]

    def test_in_process(ewp_network):
        assert approve_as_b_and_wait(ewp_network) == [(A, (PENDING,))]

    @pytest.mark.ewp_network(mode="loopback")
    def test_loopback(ewp_network):
        assert ewp_network.ca_file.is_file()
        assert approve_as_b_and_wait(ewp_network) == [(A, (PENDING,))]
"""


def test_the_network_nodes_notify_each_other(pytester: pytest.Pytester) -> None:
    run(pytester, NETWORK_ACTS).assert_outcomes(passed=2)


MARKED = """
    import pytest
    from ewp_client import EchoClient, IiasClient, LasClient

    @pytest.mark.ewp_partner(heis=["x.example.org", "w.example.org"], data=None,
                             admit=["y.example.org"])
    def test_chosen(ewp_partner):
        assert ewp_partner.hei_ids == ("x.example.org", "w.example.org")
        with ewp_partner.client() as client:
            assert EchoClient(client).echo("w.example.org", []).hei_ids == ("y.example.org",)
            assert IiasClient(client).index("x.example.org") == ()  # bare: no data

    @pytest.mark.ewp_partner(admit=[])
    def test_admitted_for_no_hei(ewp_partner):
        with ewp_partner.client() as client:
            assert EchoClient(client).echo("uni-a.example.org", []).hei_ids == ()

    def test_default_demo_data(ewp_partner):
        with ewp_partner.client() as client:
            assert IiasClient(client).index("uni-a.example.org")
            assert LasClient(client).index("uni-a.example.org")

    @pytest.mark.ewp_partner(data=None)
    def test_bare_on_a_real_port(ewp_partner_server):
        with ewp_partner_server.client() as client:
            assert IiasClient(client).index("uni-a.example.org") == ()

    @pytest.mark.ewp_network(nodes={"p": ["p.example.org"], "q": ["q.example.org"],
                                    "r": ["r.example.org"]}, data=None)
    def test_three_nodes(ewp_network):
        assert ewp_network.names == ("p", "q", "r")
        with ewp_network.client("r") as as_r:
            assert EchoClient(as_r).echo("p.example.org", []).hei_ids == ("r.example.org",)
        with ewp_network.client() as ours:
            heis = EchoClient(ours).echo("q.example.org", []).hei_ids
        assert sorted(heis) == ["p.example.org", "r.example.org"]
"""


def test_the_marker_chooses_heis_data_and_admitted_keys(pytester: pytest.Pytester) -> None:
    run(pytester, MARKED).assert_outcomes(passed=5)


CONTROLLED = """
    import dataclasses

    import pytest
    from ewp_client import IiasClient
    from ewp_client.errors import ConfigError

    A = "uni-a.example.org"

    def test_control_is_on(ewp_partner):
        with ewp_partner.client() as client:
            before = IiasClient(client).index(A)
            copy = IiasClient(client).get_one(A, before[0])
        ours, theirs = copy.iia.partners
        new = dataclasses.replace(
            copy.iia, partners=(dataclasses.replace(ours, iia_id="added"), theirs)
        )
        ewp_partner.control.put_iias(new)
        with ewp_partner.client() as client:
            assert "added" in IiasClient(client).index(A)
        ewp_partner.control.reset()
        with ewp_partner.client() as client:
            assert IiasClient(client).index(A) == before

    def test_control_on_a_real_port(ewp_partner_server):
        assert ewp_partner_server.control.clock().clock == "NodeClock"

    @pytest.mark.ewp_partner(control=False)
    def test_control_off(ewp_partner):
        with pytest.raises(ConfigError):
            ewp_partner.control
"""


def test_the_partner_has_its_control_api_on_unless_the_marker_says_off(
    pytester: pytest.Pytester,
) -> None:
    run(pytester, CONTROLLED).assert_outcomes(passed=3)


FIXTURE_DIRECTORY = """
    import pytest
    from ewp_client import IiasClient

    @pytest.mark.ewp_partner(heis=["uni-b.example.org"], admit=["uni-a.example.org"],
                             data="fixtures")
    def test_from_files(ewp_partner):
        with ewp_partner.client() as client:
            assert IiasClient(client).index("uni-b.example.org")

    @pytest.mark.ewp_partner(data="missing")
    def test_missing(ewp_partner):
        pass
"""


def test_the_marker_reads_a_fixture_directory_next_to_the_test_module(
    pytester: pytest.Pytester,
) -> None:
    dump_dataset(demo_dataset(), pytester.path / "fixtures")
    elsewhere = pytester.mkdir("elsewhere")  # the run's working directory has no fixtures
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_suite=textwrap.dedent(FIXTURE_DIRECTORY))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(elsewhere)
        result = pytester.runpytest_inprocess("-p", PLUGIN, str(pytester.path / "test_suite.py"))
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*cannot make the mock partner: *missing*"])


MISUSED = """
    import pytest

    @pytest.mark.ewp_partner(scenarios=["partner-down"])
    def test_scenario(ewp_partner):
        pass

    @pytest.mark.ewp_partner(hei=["x.example.org"])
    def test_misspelt(ewp_partner):
        pass

    @pytest.mark.ewp_partner("x.example.org")
    def test_positional(ewp_partner):
        pass

    @pytest.mark.ewp_partner(heis=[""])
    def test_empty_hei(ewp_partner):
        pass
"""


def test_a_misused_marker_says_what_is_wrong(pytester: pytest.Pytester) -> None:
    result = run(pytester, MISUSED)
    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines(
        [
            "*cannot make the mock partner: unknown scenario 'partner-down'; known: *tls-expired*",
            "*ewp_partner does not know hei; it takes heis, data, admit*",
            "*ewp_partner takes keyword arguments only*",
            "*cannot make the mock partner: heis must be HEI ids*",
        ],
        consecutive=False,
    )


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_inprocess("-p", PLUGIN, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.ewp_partner(*", "@pytest.mark.ewp_network(*"])


# ------------------------------------------------------------ without the extras

#: Run pytest in a fresh interpreter where the named top-level packages cannot be
#: imported, as if they were not installed (their own pytest plugins, when they
#: have one, are left out as an install without them would not have them).
BLOCKING_RUNNER = """
import sys

BLOCKED = set(sys.argv[1].split(","))


class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


finder = NotInstalled()
sys.meta_path.insert(0, finder)
import pytest


class FinderFirst:
    def pytest_configure(self, config):
        # pytest's assertion rewriter puts itself first and would import
        # plugin packages (respx) from disk: stay in front of it
        sys.meta_path.remove(finder)
        sys.meta_path.insert(0, finder)


own_plugins = [arg for name in BLOCKED for arg in ("-p", f"no:{{name}}")]
args = ["-p", "{plugin}", "-p", "no:cacheprovider", *own_plugins, "-q", *sys.argv[2:]]
sys.exit(pytest.main(args, plugins=[FinderFirst()]))
"""

NO_FIXTURE = """
import ewp_mock.pytest_plugin

def test_plain():
    assert ewp_mock.pytest_plugin.MOCK_INSTALL_HINT
"""

WANTS_PARTNER = """
def test_partner(ewp_partner):
    pass
"""

WANTS_RESPX = """
def test_routed(ewp_respx):
    pass
"""


def run_blocking(tmp_path: Path, blocked: str, suite: str) -> subprocess.CompletedProcess[str]:
    runner = tmp_path / "runner.py"
    runner.write_text(BLOCKING_RUNNER.format(plugin=PLUGIN))
    (tmp_path / "test_suite.py").write_text(suite)
    return subprocess.run(
        [sys.executable, str(runner), blocked, "test_suite.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_fastapi_the_plugin_is_inert_and_fixtures_name_the_extra(tmp_path: Path) -> None:
    quiet = run_blocking(tmp_path, "fastapi,uvicorn,respx", NO_FIXTURE)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "1 passed" in quiet.stdout

    asking = run_blocking(tmp_path, "fastapi,uvicorn,respx", WANTS_PARTNER)
    assert asking.returncode == 1, asking.stdout + asking.stderr
    assert "pip install 'ewp-client[mock]'" in asking.stdout
    assert "fastapi is missing" in asking.stdout


def test_without_respx_the_respx_fixture_names_it(tmp_path: Path) -> None:
    quiet = run_blocking(tmp_path, "respx", NO_FIXTURE)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "1 passed" in quiet.stdout

    asking = run_blocking(tmp_path, "respx", WANTS_RESPX)
    assert asking.returncode == 1, asking.stdout + asking.stderr
    assert "the ewp_respx fixture needs respx: pip install respx" in asking.stdout
