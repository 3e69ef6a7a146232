"""IIAs v7 client operations, against the mock partner app and a broken partner.

What a correct partner answers comes from the mock partner app in process
(tests/support/mock_partner.py): the partner's node serves the IIAs of the
test's data set (every iia-hash computed on the answer sent), verifies our
HTTP Signatures and signs its answers. What a correct partner does not do
(5xx, answers out of order, a wrong declared hash, a schema-invalid or an
unsigned answer) is played by the broken partner of tests/support/network.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from lxml import etree

from ewp_client.client import (
    AsyncIiasClient,
    IiasClient,
    RetryPolicy,
)
from ewp_client.client.iias import get_calls
from ewp_client.codec import decode, encode
from ewp_client.error_response import render_error_response
from ewp_client.errors import (
    ApprovalRefusedError,
    BadRequest,
    ConfigError,
    IiaHashInvalid,
    PartnerServerError,
    SchemaValidationError,
    UnknownIdNotIgnored,
    UnsignedResponseError,
)
from ewp_client.iia import IiaBook, ServedIia, compute_iia_hashes
from ewp_client.models import Iia, IiasGetResponse, IiasIndexResponse, IiasStatsResponse
from ewp_client.server.iias import (
    read_iia_ids,
    render_get_response,
    render_index_response,
    stamp_iia_hashes,
)
from ewp_client.xml import parse_xml
from ewp_mock.config import IdLimits
from ewp_mock.data import HeiData
from tests.iia.served_copies import copy_of, declared_hashes, with_declared_hash
from tests.support.mock_partner import (
    PARTNER_URL,
    MockPartner,
    institution,
    mock_partner,
    partner_data,
)
from tests.support.network import PARTNER, US, Network, Sleeps, make_network

CET = timezone(timedelta(hours=1))
STATS = IiasStatsResponse(
    iia_fetchable=40,
    iia_local_unapproved_partner_approved=3,
    iia_local_approved_partner_unapproved=5,
    iia_both_approved=30,
)


def theirs(iia_id: str, our_id: str | None = "ours-1", **options: object) -> Iia:
    """The partner's copy ``iia_id``, mapped to our ``our_id``."""
    return copy_of(PARTNER, iia_id, US, our_id, **options)


def xml(body: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"Content-Type": "text/xml"})


def form(request: httpx.Request) -> list[tuple[str, str]]:
    if request.method == "POST":
        return parse_qsl(request.content.decode())
    return parse_qsl(request.url.query.decode())


#: Where the mock node serves the partner's IIAs (IIAs v7 has URLs per HEI).
IIAS_URL = f"{PARTNER_URL}/ewp/iias/{PARTNER}"

Serve = Callable[..., MockPartner]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """``serve(*iias_or_states, stats_portal=False)``: the partner's node serving them."""
    made: list[MockPartner] = []

    def make(*iias: Iia | ServedIia, stats_portal: bool = False) -> MockPartner:
        states = [i if isinstance(i, ServedIia) else ServedIia.of(i) for i in iias]
        book = IiaBook(served={s.iia_id: s for s in states})
        data = HeiData(institution=institution(PARTNER), iias=book)
        partner = mock_partner(
            tmp_path, partner_data(data), max_ids=IdLimits(iia_ids=3), stats_portal=stats_portal
        )
        made.append(partner)
        return partner

    yield make
    for partner in made:
        partner.close()


def reader(partner: MockPartner) -> IiasClient:
    return IiasClient(partner.client())


def in_years(iia: Iia, first: str, last: str) -> Iia:
    """``iia`` with every cooperation condition received from ``first`` to ``last``."""
    conditions = iia.cooperation_conditions
    return dataclasses.replace(
        iia,
        cooperation_conditions=dataclasses.replace(
            conditions,
            student_studies=tuple(
                dataclasses.replace(
                    c, receiving_first_academic_year_id=first, receiving_last_academic_year_id=last
                )
                for c in conditions.student_studies
            ),
            staff_teachers=tuple(
                dataclasses.replace(
                    c, receiving_first_academic_year_id=first, receiving_last_academic_year_id=last
                )
                for c in conditions.staff_teachers
            ),
        ),
    )


class ServingHei:
    """A broken partner's IIAs endpoints: scripted failures, answer orders and tampering."""

    def __init__(self, *iias: Iia, index: tuple[str, ...] = ()) -> None:
        self.iias = {str(i.partners[0].iia_id): i for i in iias}
        self.index = index
        self.fail_first: dict[str, list[int]] = {}
        self.reverse_batches = False
        self.tamper: Callable[[bytes], bytes] = lambda document: document

    def __call__(self, request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.removeprefix("/ewp/iias/")
        if failures := self.fail_first.get(endpoint):
            status = failures.pop(0)
            return xml(render_error_response(f"failure {status}"), status)
        if endpoint == "get":
            asked = [v for k, v in form(request) if k == "iia_id"]
            found = [self.iias[i] for i in asked if i in self.iias]
            if self.reverse_batches:
                found.reverse()
            return xml(self.tamper(render_get_response(found)))
        if endpoint == "index":
            return xml(render_index_response(self.index))
        if endpoint == "stats":
            return xml(encode(STATS))
        return httpx.Response(404)


@pytest.fixture
def net(tmp_path: Path) -> Network:
    return make_network(tmp_path, max_ids=3)


def iias_client(
    net: Network, partner: ServingHei, *, sign: bool = True, **kw: object
) -> IiasClient:
    return IiasClient(net.client(partner, sign=sign, **kw))


def paths(net: Network | MockPartner) -> list[str]:
    """``METHOD endpoint`` of each request sent (the endpoint is the URL's last segment)."""
    return [f"{r.method} {r.url.path.rsplit('/', 1)[-1]}" for r in net.requests]


# ------------------------------------------------------------------------- get


def test_get_is_batched_by_max_iia_ids_and_keeps_the_asked_order(serve: Serve) -> None:
    ids = [f"t-{n}" for n in range(1, 6)]
    mock = serve(*(theirs(i) for i in reversed(ids)))
    copies = reader(mock).get(PARTNER, [*ids, "t-2"])
    assert [c.iia_id for c in copies] == ids
    assert paths(mock) == ["GET get", "GET get"]
    assert [form(r) for r in mock.requests] == [
        [("iia_id", "t-1"), ("iia_id", "t-2"), ("iia_id", "t-3")],
        [("iia_id", "t-4"), ("iia_id", "t-5")],
    ]
    assert all(c.hash_verified and c.hei_id == PARTNER for c in copies)


def test_get_keeps_the_asked_order_when_a_partner_answers_batches_reversed(net: Network) -> None:
    ids = [f"t-{n}" for n in range(1, 6)]
    partner = ServingHei(*(theirs(i) for i in ids))
    partner.reverse_batches = True
    copies = iias_client(net, partner).get(PARTNER, [*ids, "t-2"])
    assert [c.iia_id for c in copies] == ids
    assert paths(net) == ["GET get", "GET get"]


def test_get_leaves_unknown_ids_out(serve: Serve) -> None:
    copies = reader(serve(theirs("t-1"))).get(PARTNER, ["nope", "t-1"])
    assert [c.iia_id for c in copies] == ["t-1"]


def test_get_leaves_out_iias_of_which_we_are_no_partner(serve: Serve) -> None:
    others = copy_of(PARTNER, "t-2", "other.example.org", "x-2")
    copies = reader(serve(theirs("t-1"), others)).get(PARTNER, ["t-1", "t-2"])
    assert [c.iia_id for c in copies] == ["t-1"]


def test_get_of_no_ids_sends_nothing(serve: Serve) -> None:
    mock = serve(theirs("t-1"))
    assert reader(mock).get(PARTNER, []) == ()
    assert mock.requests == []


def test_long_get_goes_as_a_post_form(serve: Serve) -> None:
    ids = [c * 64 for c in "xyz"]
    assert [c.method for c in get_calls(PARTNER, ids, max_ids=3)] == ["GET"]
    assert [c.method for c in get_calls(PARTNER, ids, max_ids=3, max_query_length=200)] == ["POST"]
    mock = serve(*(theirs(i) for i in ids))
    client = reader(mock)
    client.max_query_length = 200
    assert [c.iia_id for c in client.get(PARTNER, ids)] == ids
    assert paths(mock) == ["POST get"]
    assert mock.requests[0].headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(mock.requests[0]) == [("iia_id", i) for i in ids]


def test_each_copy_carries_the_kits_result_on_the_answer_received(serve: Serve) -> None:
    (copy,) = reader(serve(theirs("t-1"))).get(PARTNER, ["t-1"])
    assert copy.hash.declared_hash == copy.iia.iia_hash == copy.hash.sha256
    assert copy.hash.text_to_hash.startswith("_iia-id_1=t-1__iia-id_2=ours-1_")


def test_a_copy_fetched_alone_is_approved_with_its_hash(serve: Serve) -> None:
    mock = serve(theirs("t-1"))
    copy = reader(mock).get_one(PARTNER, "t-1")
    assert copy is not None
    record = copy.approve(our_iia_id="ours-1")
    assert (record.partner_hei_id, record.iia_id, record.our_iia_id) == (PARTNER, "t-1", "ours-1")
    assert record.iia_hash == copy.hash.sha256 == copy.iia.iia_hash
    assert [form(r) for r in mock.requests] == [[("iia_id", "t-1")]]


def test_get_one_of_an_unknown_id_is_none(serve: Serve) -> None:
    assert reader(serve(theirs("t-1"))).get_one(PARTNER, "t-9") is None


def test_a_copy_with_a_wrong_declared_hash_is_not_approved(net: Network) -> None:
    partner = ServingHei(theirs("t-1"))
    partner.tamper = lambda document: with_declared_hash(document, "ab" * 32)
    with pytest.warns(IiaHashInvalid) as warned:
        copy = iias_client(net, partner).get_one(PARTNER, "t-1")
    assert copy is not None
    assert not copy.hash_verified
    assert [(w.message.iia_id, w.message.declared) for w in warned] == [("t-1", "ab" * 32)]
    with pytest.raises(ApprovalRefusedError) as info:
        copy.approve()
    assert (info.value.reason, info.value.iia_id) == ("hash-mismatch", "t-1")


def test_an_unmapped_copy_is_not_approved(serve: Serve) -> None:
    copy = reader(serve(theirs("t-1", our_id=None))).get_one(PARTNER, "t-1")
    assert copy is not None
    with pytest.raises(ApprovalRefusedError) as info:
        copy.approve()
    assert info.value.reason == "unmapped"


def test_a_migrated_iia_in_the_batch_blocks_approval_the_copy_alone_does_not(serve: Serve) -> None:
    client = reader(serve(theirs("t-1"), theirs("t-2", not_yet_defined=True)))
    batch = {c.iia_id: c for c in client.get(PARTNER, ["t-1", "t-2"])}
    assert not batch["t-1"].hash.valid_for_approval
    with pytest.raises(ApprovalRefusedError) as info:
        batch["t-1"].approve()
    assert info.value.reason == "not-valid-for-approval"
    alone = client.get_one(PARTNER, "t-1")
    assert alone is not None
    assert alone.approve().iia_hash == alone.hash.sha256


# --------------------------------------------------------------- index, stats


def test_index_sends_every_filter(serve: Serve) -> None:
    mock = serve(theirs("t-1"), theirs("t-2"), in_years(theirs("t-3"), "2030/2031", "2031/2032"))
    since = datetime(2025, 10, 1, 8, 30, tzinfo=CET)
    assert reader(mock).index(
        PARTNER, receiving_academic_year_id=["2025/2026", "2026/2027"], modified_since=since
    ) == ("t-1", "t-2")
    assert paths(mock) == ["GET index"]
    assert form(mock.requests[0]) == [
        ("receiving_academic_year_id", "2025/2026"),
        ("receiving_academic_year_id", "2026/2027"),
        ("modified_since", "2025-10-01T08:30:00+01:00"),
    ]


def test_index_without_filters_has_no_query(serve: Serve) -> None:
    mock = serve()
    assert reader(mock).index(PARTNER, "2025/2026") == ()
    assert reader(mock).index(PARTNER) == ()
    assert str(mock.requests[1].url) == f"{IIAS_URL}/index"
    assert form(mock.requests[0]) == [("receiving_academic_year_id", "2025/2026")]


def test_index_refuses_a_naive_modified_since_before_sending(serve: Serve) -> None:
    mock = serve()
    with pytest.raises(ConfigError, match="timezone-aware"):
        reader(mock).index(PARTNER, modified_since=datetime(2025, 1, 1))
    assert mock.requests == []


def approval_states() -> tuple[ServedIia, ...]:
    """Five IIAs: approved by nobody, by the partner only (twice), by us only, by both."""
    fresh = [ServedIia.of(theirs(f"t-{n}")) for n in range(1, 6)]
    by_partner = [dataclasses.replace(s, partner_approved_hash=s.iia_hash) for s in fresh[1:3]]
    by_us = dataclasses.replace(fresh[3], partner_hash="c" * 64)
    both = dataclasses.replace(
        fresh[4], partner_hash="d" * 64, partner_approved_hash=fresh[4].iia_hash
    )
    return (fresh[0], *by_partner, by_us, both)


SERVED_STATS = IiasStatsResponse(
    iia_fetchable=5,
    iia_local_unapproved_partner_approved=2,
    iia_local_approved_partner_unapproved=1,
    iia_both_approved=1,
)


def test_stats_are_read_and_decoded(serve: Serve) -> None:
    mock = serve(*approval_states(), stats_portal=True)
    assert reader(mock).stats(PARTNER) == SERVED_STATS
    assert paths(mock) == ["GET stats"]
    assert str(mock.requests[0].url) == f"{IIAS_URL}/stats"


# --------------------------------------------------------------- typed errors


@pytest.mark.parametrize("operation", ["get", "index", "stats"])
def test_reads_are_retried_on_503_with_backoff(net: Network, operation: str) -> None:
    partner = ServingHei(theirs("t-1"))
    partner.fail_first[operation] = [503, 503]
    sleeps = Sleeps()
    client = iias_client(net, partner, sleep=sleeps, retry=RetryPolicy(attempts=3, backoff=1))
    if operation == "get":
        assert client.get(PARTNER, ["t-1"])
    elif operation == "index":
        assert client.index(PARTNER) == ()
    else:
        assert client.stats(PARTNER) == STATS
    assert sleeps == [1.0, 2.0]
    assert paths(net) == [f"GET {operation}"] * 3


def test_reads_give_up_with_the_typed_server_error(net: Network) -> None:
    partner = ServingHei()
    partner.fail_first["stats"] = [500, 500]
    with pytest.raises(PartnerServerError) as info:
        iias_client(net, partner, retry=RetryPolicy(attempts=2)).stats(PARTNER)
    assert (info.value.status, info.value.developer_message) == (500, "failure 500")


def test_a_400_to_a_get_is_not_retried_and_reads_the_id_as_absent(net: Network) -> None:
    # known issue unknown-ids-not-ignored: a get answers 200 without the ids it does not show
    partner = ServingHei()
    partner.fail_first["get"] = [400]
    with pytest.warns(UnknownIdNotIgnored) as caught:
        assert iias_client(net, partner).get(PARTNER, ["t-1"]) == ()
    (warning,) = [w.message for w in caught]
    assert isinstance(warning, UnknownIdNotIgnored)
    assert (warning.status, warning.ids, warning.developer_message) == (
        400,
        ("t-1",),
        "failure 400",
    )
    assert paths(net) == ["GET get"]


def test_an_invalid_copy_is_a_schema_validation_error(net: Network) -> None:
    def drop_language_skill(document: bytes) -> bytes:
        tree = parse_xml(document)
        skill = tree.getroot().find(
            ".//{*}student-studies-mobility-spec/{*}recommended-language-skill"
        )
        assert skill is not None
        skill.getparent().remove(skill)  # type: ignore[union-attr]
        return etree.tostring(tree)

    partner = ServingHei(theirs("t-1"))
    partner.tamper = drop_language_skill
    with pytest.raises(SchemaValidationError):
        iias_client(net, partner).get(PARTNER, ["t-1"])


def test_an_unsigned_answer_is_refused(net: Network) -> None:
    with pytest.raises(UnsignedResponseError):
        iias_client(net, ServingHei(theirs("t-1")), sign=False).get(PARTNER, ["t-1"])


# --------------------------------------------------------------- serving side


def test_read_iia_ids_takes_each_id_once() -> None:
    params = [("iia_id", "a"), ("other", "x"), ("iia_id", "b"), ("iia_id", "a")]
    assert read_iia_ids(params, max_ids=3) == ("a", "b")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([], "at least one iia_id"),
        ([("iia_id", "")], "at least one iia_id"),
        ([("iia_id", "a"), ("iia_id", "b"), ("iia_id", "c")], "more than max-iia-ids"),
    ],
)
def test_read_iia_ids_answers_400(params: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(BadRequest, match=message) as info:
        read_iia_ids(params, max_ids=2)
    assert info.value.status == 400


def test_rendered_get_answer_declares_the_kits_hashes_and_decodes() -> None:
    document = render_get_response([theirs("t-1"), theirs("t-2", months="9")])
    results = compute_iia_hashes(document)
    assert declared_hashes(document) == [r.sha256 for r in results]
    assert len(set(declared_hashes(document))) == 2
    assert [i.iia_hash for i in decode(document, IiasGetResponse).iias] == declared_hashes(document)


def test_stamping_refuses_an_iia_without_an_iia_hash_element() -> None:
    tree = parse_xml(render_get_response([theirs("t-1")]))
    target = tree.getroot().find(".//{*}iia-hash")
    assert target is not None
    target.getparent().remove(target)  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="no <iia-hash>"):
        stamp_iia_hashes(tree)


def test_rendered_index_answer_decodes() -> None:
    assert decode(render_index_response(["a", "b"]), IiasIndexResponse).iia_ids == ("a", "b")


# ------------------------------------------------------------------- async twins


def async_iias_client(net: Network, partner: ServingHei, **kw: object) -> AsyncIiasClient:
    return AsyncIiasClient(net.async_client(partner, **kw))


async def test_async_get_batches_and_orders(serve: Serve) -> None:
    ids = [f"t-{n}" for n in range(1, 6)]
    mock = serve(*(theirs(i) for i in reversed(ids)))
    copies = await AsyncIiasClient(mock.async_client()).get(PARTNER, ids)
    assert [c.iia_id for c in copies] == ids
    assert paths(mock) == ["GET get", "GET get"]


async def test_async_get_one_index_and_stats(serve: Serve) -> None:
    mock = serve(*approval_states(), stats_portal=True)
    client = AsyncIiasClient(mock.async_client())
    copy = await client.get_one(PARTNER, "t-1")
    assert copy is not None
    assert copy.approve().iia_hash == copy.hash.sha256
    assert await client.get_one(PARTNER, "t-9") is None
    since = datetime(2025, 1, 2, tzinfo=UTC)
    assert await client.index(PARTNER, "2025/2026", modified_since=since) == tuple(
        f"t-{n}" for n in range(1, 6)
    )
    assert form(mock.requests[2]) == [
        ("receiving_academic_year_id", "2025/2026"),
        ("modified_since", "2025-01-02T00:00:00+00:00"),
    ]
    assert await client.stats(PARTNER) == SERVED_STATS


async def test_async_reads_are_retried_on_503_and_a_400_reads_the_id_as_absent(
    net: Network,
) -> None:
    partner = ServingHei(theirs("t-1"))
    partner.fail_first["get"] = [503, 400]
    with pytest.warns(UnknownIdNotIgnored):
        assert await async_iias_client(net, partner).get(PARTNER, ["t-1"]) == ()
    assert paths(net) == ["GET get", "GET get"]
