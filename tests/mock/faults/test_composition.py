"""Scenarios together, scenarios from a data file, fractions, the node clock, live changes.

Two scenarios at once each still show what they show alone, in either order. A
scenario declared in a TOML file in the test's temporary folder (no code) works
like a built-in one. A fraction acts on a repeatable share of the requests. A
change notification sent late waits on the node's clock, not on real time.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ewp_client.clock import ManualClock
from ewp_client.cnr import CnrKind
from ewp_client.errors import ConfigError, DigestError, MissingSignedHeaderError, UnknownKeyError
from ewp_client.iia.hash import compute_iia_hashes, sha256_hex
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import (
    RequestSigner,
    ResponseVerifier,
    digest_header,
    parse_http_date,
    parse_signature_params,
)
from ewp_mock import MockConfig, faults_of
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.faults import ScenarioRegistry
from ewp_mock.network import MockNetwork, NodeSpec
from ewp_mock.testing import Partner, resolve_dataset
from tests.mock.conftest import key
from tests.mock.faults.test_scenarios_on_the_wire import (
    IIA,
    INDEX,
    approve_as_b,
    partner_keys,
    received_at_b,
)
from tests.mock.faults.wire import Mock
from tests.mock.test_actions import fewer_months

FILE_SCENARIOS = """
[[scenario]]
name = "renamed-sometimes"
summary = "half of the institutions answers carry another name"
api = "Institutions get"

[[scenario.behaviour]]
type = "change"
path = "//hei/name"
value = "Renamed University"
apis = ["institutions"]
fraction = 0.5

[[scenario]]
name = "la-cnr-late"
summary = "LA CNRs sent 90 minutes late"
api = "LA CNR (outgoing)"

[[scenario.behaviour]]
type = "cnr-sent-late"
minutes = 90
kinds = ["la-cnr"]

[[scenario]]
name = "latin-1-forms"
summary = "form bodies read as Latin-1"

[[scenario.behaviour]]
type = "form-charset-ignored"
apis = ["echo"]

[[scenario]]
name = "strict-target"
summary = "(request-target) checked over the node's own encoding"

[[scenario.behaviour]]
type = "strict-request-target"

[[scenario]]
name = "iias-get-500"
summary = "IIAs get answers 500"

[[scenario.behaviour]]
type = "status"
status = 500
apis = ["iias"]
endpoints = ["get"]

[[scenario]]
name = "sync-refresh"
summary = "IIA CNRs answered after the refresh"

[[scenario.behaviour]]
type = "cnr-refresh-synchronously"
apis = ["iia-cnr"]

[[scenario]]
name = "echo-hangs"
summary = "Echo never answers"
api = "Echo"

[[scenario.behaviour]]
type = "hang"
apis = ["echo"]
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "faults.toml"
    path.write_text(FILE_SCENARIOS, encoding="utf-8")
    return path


# ---------------------------------------------------------------- two at once


@pytest.mark.parametrize(
    "order", list(itertools.permutations(["iia-hash-invalid", "iia-first-partner-mismatch"]))
)
async def test_an_invalid_hash_and_swapped_partners_both_show_in_either_order(
    order: tuple[str, str],
) -> None:
    wire = await Mock(*order).call(f"{IIA}?iia_id=a-iia-2")
    wire.verify()
    assert wire.texts("iia/partner/hei-id") == [UNI_B, UNI_A]
    (found,) = compute_iia_hashes(wire.body)
    assert found.declared_hash == sha256_hex(found.text_to_hash + "_")


@pytest.mark.parametrize(
    "order", list(itertools.permutations(["unknown-ids-not-ignored", "error-response-malformed"]))
)
async def test_a_404_for_an_unknown_id_comes_as_an_html_page_in_either_order(
    order: tuple[str, str],
) -> None:
    wire = await Mock(*order).call(f"{IIA}?iia_id=nope")
    assert wire.status == 404
    assert (wire.header("content-type") or "").startswith("text/html")
    wire.verify()


async def test_gzip_after_signing_and_swapped_partners_both_show() -> None:
    wire = await Mock("httpsig-digest-mismatch", "iia-first-partner-mismatch").call(
        f"{IIA}?iia_id=a-iia-2"
    )
    assert wire.header("content-encoding") == "gzip"
    assert wire.header("digest") == digest_header(wire.body)
    with pytest.raises(DigestError):
        wire.verify()
    assert wire.texts("iia/partner/hei-id") == [UNI_B, UNI_A]


async def test_a_skewed_clock_and_an_unknown_key_both_show() -> None:
    wire = await Mock("httpsig-clock-skew", "httpsig-keyid-unknown").call(INDEX)
    signed = parse_http_date(wire.header("original-date") or "")
    assert datetime.now(UTC).timestamp() - signed > 400
    verifier = ResponseVerifier(CatalogueKeyResolver(wire.node.catalogue))
    with pytest.raises(UnknownKeyError):  # even for a verifier whose clock agrees
        verifier.verify(
            request=wire.sent,
            endpoint=wire.endpoint,
            headers=wire.headers,
            body=wire.raw,
            now=signed,
        )


# ---------------------------------------------------------------- a data file, no code


async def test_a_scenario_from_a_data_file_acts_on_a_repeatable_fraction(
    scenario_file: Path,
) -> None:
    runs = []
    for _ in range(2):
        node = Mock("renamed-sometimes", files=[scenario_file])
        seen = []
        for _ in range(20):
            wire = await node.call(f"/ewp/institutions?hei_id={UNI_A}")
            wire.verify()
            seen.append(wire.texts("hei/name")[0])
        runs.append(seen)
    assert runs[0] == runs[1]  # seeded: the same requests are picked each run
    assert set(runs[0]) == {"University A", "Renamed University"}
    untouched = await Mock("renamed-sometimes", files=[scenario_file]).call(INDEX)
    assert untouched.status == 200  # other APIs are left alone


async def test_a_cnr_sent_late_waits_on_the_node_clock(scenario_file: Path) -> None:
    clock = ManualClock(datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    dataset = resolve_dataset("demo")
    settings = {"scenarios": ("la-cnr-late",), "scenario_files": (scenario_file,)}
    network = MockNetwork(
        [
            NodeSpec(
                "a", (UNI_A,), dataset, {"server_key": key(1), "client_key": key(2), **settings}
            ),
            NodeSpec("b", (UNI_B,), dataset, {"server_key": key(3), "client_key": key(4)}),
        ],
        clock=clock,
    )
    async with network:
        await approve_as_b(network)
        await network.idle()
        assert received_at_b(network, CnrKind.LA) == []
        network.advance(timedelta(minutes=89))
        await network.idle()
        assert received_at_b(network, CnrKind.LA) == []
        network.advance(timedelta(minutes=2))
        await network.idle()
        assert received_at_b(network, CnrKind.LA) == [("la-changes-pending",)]


@pytest.mark.parametrize("synchronous", [True, False])
async def test_a_receiver_refreshing_before_it_answers_passes_on_the_senders_500(
    scenario_file: Path, synchronous: bool
) -> None:
    dataset = resolve_dataset("demo")
    files = {"scenario_files": (scenario_file,)}
    a_faults = {"scenarios": ("iias-get-500",), **files}
    b_faults = {"scenarios": ("sync-refresh",) if synchronous else (), **files}
    network = MockNetwork(
        [
            NodeSpec(
                "a", (UNI_A,), dataset, {"server_key": key(1), "client_key": key(2), **a_faults}
            ),
            NodeSpec(
                "b", (UNI_B,), dataset, {"server_key": key(3), "client_key": key(4), **b_faults}
            ),
        ]
    )
    async with network:
        a = network.node("a").actions
        served = a.served(UNI_A, "a-iia-2")
        assert served is not None
        a.modify_iia(UNI_A, "a-iia-2", fewer_months(served.iia))
        await network.idle()
        (entry,) = network.node("a").outbox.entries("a-iia-2", kind=CnrKind.IIA)
        assert entry.attempts[0].status == (500 if synchronous else 200)
        refreshed = network.node("b").actions.refresher.records
        assert [r.outcome.value for r in refreshed] == ["failed"]  # either way, b's refresh failed


async def test_a_hanging_endpoint_is_never_answered_and_the_others_are(
    scenario_file: Path,
) -> None:
    with Partner.served(
        keys=partner_keys(),
        data=None,
        scenarios=["echo-hangs"],
        settings={"scenario_files": [scenario_file]},
    ) as partner:
        host = partner.config.authority
        signer = RequestSigner(partner.key)
        http = partner.async_http()
        async with http:
            signed = signer.sign(method="GET", target="/ewp/echo", body=b"", host=host)
            with pytest.raises(httpx.ReadTimeout):
                await http.get(f"{partner.url}/ewp/echo", headers=signed.headers, timeout=0.5)
            assert (await http.get(partner.catalogue_url)).status_code == 200
            signed = signer.sign(method="GET", target="/ewp/echo", body=b"", host=host)
            partner.app.state.faults.use(())
            answered = await http.get(f"{partner.url}/ewp/echo", headers=signed.headers)
            assert answered.status_code == 200


# ---------------------------------------------------------------- request handling


@pytest.mark.parametrize("active", [True, False])
async def test_a_node_ignoring_the_form_charset_reads_utf_8_values_garbled(
    scenario_file: Path, active: bool
) -> None:
    node = Mock(*(["latin-1-forms"] if active else []), files=[scenario_file])
    wire = await node.call("/ewp/echo", method="POST", form=[("echo", "zażółć")])
    assert wire.status == 200
    wire.verify()
    expected = "zażółć".encode().decode("latin-1") if active else "zażółć"
    assert wire.texts("echo") == [expected]


@pytest.mark.parametrize(
    ("query", "refused"), [("echo=a%3Ab", False), ("echo=a%3ab", True), ("echo=a:b", True)]
)
async def test_a_strict_node_refuses_a_target_encoded_otherwise_than_it_would(
    scenario_file: Path, query: str, refused: bool
) -> None:
    strict = await Mock("strict-target", files=[scenario_file]).call(f"/ewp/echo?{query}")
    assert strict.status == (401 if refused else 200)
    if refused:
        assert "(request-target) read as '/ewp/echo?echo=a%3Ab'" in (strict.error().developer or "")
    clean = await Mock().call(f"/ewp/echo?{query}")
    assert clean.status == 200
    assert clean.texts("echo") == ["a:b"]


# ---------------------------------------------------------------- changed while running


async def test_the_scenarios_of_a_running_node_can_be_changed() -> None:
    node = Mock()
    assert (await node.call(INDEX)).header("signature") is not None
    faults = faults_of(node.app)
    faults.use(ScenarioRegistry.load().resolve(["httpsig-response-unsigned"]))
    assert faults.names == ("httpsig-response-unsigned",)
    assert (await node.call(INDEX)).header("signature") is None
    faults.use(())
    assert (await node.call(INDEX)).header("signature") is not None


# ---------------------------------------------------------------- bad declarations


def declared(behaviour: str, name: str = "x") -> str:
    """A scenario file declaring one scenario with one behaviour (TOML lines)."""
    return f'[[scenario]]\nname = "{name}"\nsummary = "s"\n[[scenario.behaviour]]\n{behaviour}\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[scenario]]\nname = "x"\nsummary = "s"\n', "needs at least one"),
        (declared('type = "explode"'), "type 'explode' is not a behaviour; known: change, "),
        (
            declared('type = "delay"\nsecs = 1'),
            "unknown key secs; it takes apis, endpoints, fraction, seconds",
        ),
        (declared('type = "drop"\npath = "a b"'), "is not an element's local name"),
        (declared('type = "unsigned"\napis = ["iia"]'), "unknown API iia; known: "),
        (declared('type = "delay"\nseconds = "1"'), "seconds must be a float"),
        (declared('type = "status"\nwhen = "sometimes"'), "when must be one of always, "),
        (declared('type = "unsigned"', "httpsig-clock-skew"), "declared twice (built-in, "),
        ("not toml [", "not TOML"),
    ],
)
def test_a_bad_scenario_file_is_refused_with_what_is_wrong(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=None) as caught:
        MockConfig(server_key=key(1), client_key=key(2), scenario_files=(path,))
    assert message in str(caught.value)


def test_an_unknown_scenario_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown scenario 'nope'; known: cnr-rejects"):
        MockConfig(server_key=key(1), client_key=key(2), scenarios=("nope",))


SIGNATURE_FAULTS = """
[[scenario]]
name = "partly-signed"
summary = "only Original-Date and Digest signed"

[[scenario.behaviour]]
type = "signed-headers"
headers = ["original-date", "digest"]

[[scenario]]
name = "errors-unsigned"
summary = "400 answers not signed"

[[scenario.behaviour]]
type = "unsigned"
statuses = [400]

[[scenario]]
name = "upper-case-key-id"
summary = "keyId in upper case"

[[scenario.behaviour]]
type = "signing-key"
key = "upper-case-key-id"

[[scenario]]
name = "broken-after-signing"
summary = "the index loses its first id after signing"

[[scenario.behaviour]]
type = "drop"
path = "/*/iia-id[1]"
after_signing = true
apis = ["iias"]
endpoints = ["index"]
"""


@pytest.fixture
def signature_faults(tmp_path: Path) -> Path:
    path = tmp_path / "signatures.toml"
    path.write_text(SIGNATURE_FAULTS, encoding="utf-8")
    return path


async def test_a_partly_signed_answer_covers_only_what_it_says(signature_faults: Path) -> None:
    wire = await Mock("partly-signed", files=[signature_faults]).call(INDEX)
    assert parse_signature_params(wire.header("signature") or "").headers == (
        "original-date",
        "digest",
    )
    with pytest.raises(MissingSignedHeaderError, match="x-request-id"):
        wire.verify()


async def test_only_the_statuses_named_go_unsigned(signature_faults: Path) -> None:
    node = Mock("errors-unsigned", files=[signature_faults])
    refused = await node.call(IIA)  # no iia_id: 400
    assert refused.status == 400
    assert refused.header("signature") is None
    (await node.call(INDEX)).verify()


async def test_an_upper_case_key_id_is_not_found(signature_faults: Path) -> None:
    wire = await Mock("upper-case-key-id", files=[signature_faults]).call(INDEX)
    key_id = parse_signature_params(wire.header("signature") or "").key_id
    assert key_id == key(1).key_id.upper()
    with pytest.raises(UnknownKeyError):
        wire.verify()


async def test_a_body_changed_after_signing_breaks_the_digest(signature_faults: Path) -> None:
    clean = await Mock().call(INDEX)
    wire = await Mock("broken-after-signing", files=[signature_faults]).call(INDEX)
    assert wire.texts("iia-id") == clean.texts("iia-id")[1:]
    assert wire.header("digest") == clean.header("digest")  # taken before the change
    with pytest.raises(DigestError):
        wire.verify()
