"""The official EWP validator's checks that apply to the mock, ported as our own tests.

Source: ``erasmus-without-paper/ewp-registry-service``, package
``eu.erasmuswithoutpaper.registry.validators`` (the suites run against a
partner) and its ``src/test`` reference services (the broken servers each
suite must catch). Each row below is a check, in our words, and its origin
(class, and the helper method of ``AbstractValidationSuite`` when the step is
generic). The demo data of :mod:`.harness` stands in for the validator's
setup steps: ``uni-a`` serves, the validator's key is the *partner* (``uni-b``),
its "other EWP participant" key is the *stranger*. Checks the validator makes
for every endpoint (PUT/DELETE 405, no client authentication 401/403, an
unknown key, the server's key, ``max-*`` + 1 ids, unknown ids, a parameter
sent twice, malformed dates and years) are rows of the generic table
(:mod:`.cases`); the Institutions/OUnits and IIAs rows already in
``tests/mock/test_directory_apis.py`` and ``tests/mock/test_iias_conformance.py``
are not repeated here.

=====================================================  ========================================
check                                                  origin
=====================================================  ========================================
IIAs: every id index lists, get returns, first         IiaGetSetupValidationSuiteV7 (id from
partner = the serving HEI with that id                 index), IiaGetValidationSuiteV7
IIAs: unknown id 200 empty; known+unknown exactly one  IiaGetValidationSuiteV7
IIAs: exactly max-iia-ids copies of a known id lists   IiaGetValidationSuiteV7
it; ``iia_id_param`` alone 400
IIAs: the other participant's get and index are empty  not a validator step: IIAs v7 get/index
                                                       "Permissions"; the step the validator
                                                       makes for LAs index
                                                       (testParameters200AsOtherEwpParticipant)
IIAs index: known year lists the id; 1653/1654 empty;  IiaIndexComplexValidationSuiteV7,
2010/2011 200; test/test 400                           IiaIndexBasicValidationSuiteV7
IIAs index: modified_since far past lists the id;      IiaIndexComplexValidationSuiteV7
in the future (+5 years) empty
IIAs index: modified_since twice (different) 400       IiaIndexBasicValidationSuiteV7
LAs index: known sending_hei_id non-empty, lists the   OMobilityLAsIndexValidationSuite,
id get returns                                         OMobilityLAsIndexComplexValidationSuite
LAs index: the receiving_hei_id matrix (twice,         AbstractValidationSuite.
without sending, unknown sending 400; unknown          testsRequestingReceivingHeiIds
receiving empty; known+unknown receiving non-empty;
two unknown receiving empty)
LAs index: receiving_hei_id of a HEI not covered by    OMobilityLAsIndexValidationSuite
the caller empty; the other participant sees nothing   (permission tests)
LAs index: years 2010/2011 200, test/test 400,         AbstractValidationSuite.
1653/1654 empty; the LA's own year lists it            testReceivingAcademicYears(ReturnsExpectedId)
LAs index: modified_since twice 400, invalid 400,      AbstractValidationSuite.modifiedSinceTests,
past lists the id, future (+20 years) empty            testModifiedSinceReturnsSpecifiedId
LAs get: known id exactly; unknown empty; known +      OMobilityLAsGetValidationSuite,
unknown exactly one; without sending_hei_id,           AbstractValidationSuite.
without omobility_id, none, unknown sending_hei_id,    generalTestsIdsAndCodes (ids only,
sending_hei_id twice or known+unknown,                 unknown HEI id fails)
``omobility_id_param`` 400; exactly max lists it
LAs get: the other participant gets nothing            not a validator step: LAs get
                                                       "Permissions", as the validator checks
                                                       for LAs index
LA CNR: a correct notification 200 with an empty       OMobilityLaCnrValidationSuite
answer; no parameters 400
IIA CNR: a correct notification 200 empty; no          IiaCnrValidationSuite
parameters 400
Institutions: root-ounit-id is one of the ounit-ids;   InstitutionsValidationSuite (its
max-hei-ids + 1 unknown ids 400                        response verifier, max checks)
OUnits: the code of a unit asked by id finds the same  OUnitsValidationSuite
unit; known+unknown code exactly one; exactly max ids  AbstractValidationSuite.
and codes list it; over max codes 400; unknown hei_id  generalTestsIdsAndCodes
with a code 400; hei_id twice or known+unknown 400;
``ounit_id_param`` alone 400
Factsheet: known hei_id exactly its factsheet;         FactsheetValidationSuite
unknown empty; known+unknown exactly one; none 400;
max+1 known or unknown 400; exactly max lists it;
``hei_id_param`` 400; any client may read it
IIA Approval: an approval given is listed, one not     no validator suite (ewp-registry-service
given (or an id of the serving HEI's own copy) is      has none for IIA Approval v2): the
absent, the other participant sees none                API's README, as the rows above
Echo: [a, b, a] echoed in order (GET and POST);        EchoValidationSuiteCommon
Original-Date instead of Date 200; extra signed
headers 200; gzip in Accept-Encoding 200 (gzip
optional); no usable algorithm in Accept-Signature
gives an unsigned 200; several algorithms, one
rsa-sha256, a signed one; non-canonical X-Request-Id
400; a known keyId with a wrong signature 400 or 401
HTTP Signature (Echo and IIAs index): any of            EchoValidationSuiteCommon
(request-target), host, date, digest, x-request-id
left unsigned 400/401; a signed header missing
400/401; headers signed in another order 200; an
extra signed header 200; a wrong SHA-256 digest 400;
only a SHA digest 400; ``shA-256`` 200; SHA and
SHA-256 together 200
=====================================================  ========================================
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from ewp_client.codec import decode
from ewp_client.error_response import parse_error_response
from ewp_client.models import (
    EchoResponse,
    FactsheetResponse,
    IiasApprovalResponse,
    IiasGetResponse,
    IiasIndexResponse,
    InstitutionsResponse,
    LasGetResponse,
    LasIndexResponse,
    OunitsResponse,
)
from ewp_client.security import RequestSigner, new_request_id
from ewp_client.security.algorithm import sign_rsa_sha256
from ewp_client.security.dates import format_http_date
from ewp_client.security.digest import digest_header
from ewp_client.security.request_signer import DEFAULT_ALSO_SIGN
from ewp_client.security.signature_params import SignatureParams, format_signature_params
from ewp_client.security.signing_string import request_target, signing_string
from ewp_client.xml.validate import validate
from ewp_mock.data import UNI_A, UNI_B
from tests.mock.conftest import key

from .cases import FAKE
from .harness import BASE, HOST, SERVED, STRANGER, Caller, app, check_signature, endpoints, send

IIAS_GET = f"/ewp/iias/{SERVED}/get"
IIAS_INDEX = f"/ewp/iias/{SERVED}/index"
LAS_GET = "/ewp/las/get"
LAS_INDEX = "/ewp/las/index"
LA_CNR = f"/ewp/la-cnr/{SERVED}"
IIA_CNR = f"/ewp/iia-cnr/{SERVED}"
INSTITUTIONS = "/ewp/institutions"
OUNITS = "/ewp/ounits"
ECHO = "/ewp/echo"
APPROVAL = f"/ewp/iias-approval/{SERVED}"
FACTSHEET = "/ewp/factsheet"
METHODS = ("GET", "POST")
PAST = "2000-02-12T15:19:21+01:00"
THIS_YEAR = datetime.now(UTC).year


def limit(path: str, name: str, default: int = 1) -> int:
    """The ``max-*`` number the manifest publishes next to ``path`` (``default``: not announced)."""
    endpoint = next((e for e in endpoints() if e.path == path), None)
    return default if endpoint is None else endpoint.limits[name]


def announced(path: str) -> bool:
    return any(e.path == path for e in endpoints())


def iia_ids(body: bytes) -> tuple[str, ...]:
    """The requested ids an IIAs get answer lists (its first partner's), checking who serves."""
    found = []
    for iia in decode(body, IiasGetResponse).iias:
        first = iia.partners[0]
        assert first.hei_id == SERVED, "the first partner must be the serving HEI"
        found.append(first.iia_id or "")
    return tuple(found)


IDS: dict[str, Callable[[bytes], tuple[str, ...]]] = {
    IIAS_GET: iia_ids,
    IIAS_INDEX: lambda b: decode(b, IiasIndexResponse).iia_ids,
    LAS_GET: lambda b: tuple(la.omobility_id for la in decode(b, LasGetResponse).las),
    LAS_INDEX: lambda b: decode(b, LasIndexResponse).omobility_ids,
    INSTITUTIONS: lambda b: tuple(h.hei_id for h in decode(b, InstitutionsResponse).heis),
    OUNITS: lambda b: tuple(u.ounit_id for u in decode(b, OunitsResponse).ounits),
    APPROVAL: lambda b: tuple(a.iia_id for a in decode(b, IiasApprovalResponse).approvals),
    FACTSHEET: lambda b: tuple(f.hei_id for f in decode(b, FactsheetResponse).factsheets),
}


async def ids_of(
    path: str, params: list[tuple[str, str]], method: str = "GET", caller: Caller = "partner"
) -> tuple[str, ...]:
    sent = await send(path, method, params, caller=caller)
    assert sent.response.status_code == 200, sent.response.text[:300]
    validate(sent.response.content)
    check_signature(sent)
    return IDS[path](sent.response.content)


async def refused(path: str, params: list[tuple[str, str]], method: str) -> int:
    sent = await send(path, method, params)
    validate(sent.response.content)
    check_signature(sent)
    assert parse_error_response(sent.response.content).developer
    return sent.response.status_code


# ------------------------------------------------------------------ a table of requests


@dataclass(frozen=True)
class Row:
    """A request and its expected answer: ``status``, and for a 200 ``ids`` (exactly) or
    ``contains`` / ``empty`` / ``nonempty``."""

    id: str
    path: str
    params: tuple[tuple[str, str], ...]
    status: int = 200
    exactly: tuple[str, ...] | None = None
    contains: str | None = None
    empty: bool = False
    nonempty: bool = False
    caller: Caller = "partner"
    defect: str | None = None


MAX_IIA = limit(IIAS_GET, "max-iia-ids")
MAX_LA = limit(LAS_GET, "max-omobility-ids")
MAX_HEI = limit(INSTITUTIONS, "max-hei-ids")
MAX_OU_IDS = limit(OUNITS, "max-ounit-ids")
MAX_OU_CODES = limit(OUNITS, "max-ounit-codes")
MAX_FACTSHEET = limit(FACTSHEET, "max-hei-ids")
S = ("sending_hei_id", UNI_A)
R = "receiving_hei_id"
LA = "la-approved"
IIA = "a-iia-4"
FUTURE_IIA = f"{THIS_YEAR + 5}-02-12T15:19:21+01:00"
FUTURE_LA = f"{THIS_YEAR + 20}-02-12T15:19:21+01:00"

ROWS = [
    # IIAs get / index
    Row("iias-get-unknown", IIAS_GET, (("iia_id", FAKE),), empty=True),
    Row("iias-get-known-unknown", IIAS_GET, (("iia_id", IIA), ("iia_id", FAKE)), exactly=(IIA,)),
    Row("iias-get-exactly-max", IIAS_GET, (("iia_id", IIA),) * MAX_IIA, contains=IIA),
    Row("iias-get-wrong-name", IIAS_GET, (("iia_id_param", IIA),), status=400),
    Row("iias-get-other-participant", IIAS_GET, (("iia_id", IIA),), empty=True, caller="stranger"),
    Row("iias-index-other-participant", IIAS_INDEX, (), empty=True, caller="stranger"),
    Row(
        "iias-index-known-year",
        IIAS_INDEX,
        (("receiving_academic_year_id", "2026/2027"),),
        contains=IIA,
    ),
    Row(
        "iias-index-unknown-year",
        IIAS_INDEX,
        (("receiving_academic_year_id", "1653/1654"),),
        empty=True,
    ),
    Row("iias-index-northern-year", IIAS_INDEX, (("receiving_academic_year_id", "2010/2011"),)),
    Row(
        "iias-index-year-test",
        IIAS_INDEX,
        (("receiving_academic_year_id", "test/test"),),
        status=400,
    ),
    Row("iias-index-since-past", IIAS_INDEX, (("modified_since", PAST),), contains=IIA),
    Row(
        "iias-index-since-future",
        IIAS_INDEX,
        (("modified_since", FUTURE_IIA),),
        empty=True,
    ),
    Row(
        "iias-index-since-twice",
        IIAS_INDEX,
        (
            ("modified_since", "2004-02-12T15:19:21+01:00"),
            ("modified_since", "2004-02-13T15:19:21+01:00"),
        ),
        status=400,
    ),
    # IIA Approval v2 (the validator has no suite for it; its spec's rules)
    Row("approval-given", APPROVAL, (("iia_id", "b-iia-4"),), exactly=("b-iia-4",)),
    Row("approval-not-given", APPROVAL, (("iia_id", "b-iia-2"),), empty=True),
    Row("approval-own-id", APPROVAL, (("iia_id", IIA),), empty=True),
    Row(
        "approval-given-and-not",
        APPROVAL,
        (("iia_id", "b-iia-4"), ("iia_id", "b-iia-2"), ("iia_id", FAKE)),
        exactly=("b-iia-4",),
    ),
    Row(
        "approval-other-participant",
        APPROVAL,
        (("iia_id", "b-iia-4"),),
        empty=True,
        caller="stranger",
    ),
    # LAs index
    Row("las-index-known-sender", LAS_INDEX, (S,), contains=LA),
    Row("las-index-sender-twice", LAS_INDEX, (S, S), status=400),
    Row("las-index-receiver-only", LAS_INDEX, ((R, UNI_B),), status=400),
    Row("las-index-sender-known-unknown", LAS_INDEX, (S, ("sending_hei_id", FAKE)), status=400),
    Row("las-index-none", LAS_INDEX, (), status=400),
    Row("las-index-unknown-receiver", LAS_INDEX, (S, (R, FAKE)), empty=True),
    Row("las-index-unknown-sender", LAS_INDEX, (("sending_hei_id", FAKE),), status=400),
    Row("las-index-receiver-known-unknown", LAS_INDEX, (S, (R, UNI_B), (R, FAKE)), contains=LA),
    Row("las-index-two-unknown-receivers", LAS_INDEX, (S, (R, FAKE), (R, FAKE + "-2")), empty=True),
    Row("las-index-receiver-not-covered", LAS_INDEX, (S, (R, STRANGER)), empty=True),
    Row("las-index-other-participant", LAS_INDEX, (S,), empty=True, caller="stranger"),
    Row("las-index-northern-year", LAS_INDEX, (S, ("receiving_academic_year_id", "2010/2011"))),
    Row(
        "las-index-year-test",
        LAS_INDEX,
        (S, ("receiving_academic_year_id", "test/test")),
        status=400,
    ),
    Row(
        "las-index-unknown-year",
        LAS_INDEX,
        (S, ("receiving_academic_year_id", "1653/1654")),
        empty=True,
    ),
    Row(
        "las-index-own-year",
        LAS_INDEX,
        (S, ("receiving_academic_year_id", "2026/2027")),
        contains=LA,
    ),
    Row(
        "las-index-since-twice",
        LAS_INDEX,
        (
            S,
            ("modified_since", "2019-02-12T15:19:21+01:00"),
            ("modified_since", "2019-02-12T15:19:21+01:00"),
        ),
        status=400,
    ),
    Row("las-index-since-invalid", LAS_INDEX, (S, ("modified_since", FAKE)), status=400),
    Row("las-index-since-date-only", LAS_INDEX, (S, ("modified_since", "2004-02-12")), status=400),
    Row(
        "las-index-since-us-format",
        LAS_INDEX,
        (S, ("modified_since", "05/29/2015 05:50")),
        status=400,
    ),
    Row("las-index-since-2004", LAS_INDEX, (S, ("modified_since", "2004-02-12T15:19:21+01:00"))),
    Row("las-index-since-past", LAS_INDEX, (S, ("modified_since", PAST)), contains=LA),
    Row(
        "las-index-since-future",
        LAS_INDEX,
        (S, ("modified_since", FUTURE_LA)),
        empty=True,
    ),
    # LAs get
    Row("las-get-known", LAS_GET, (S, ("omobility_id", LA)), exactly=(LA,)),
    Row("las-get-unknown", LAS_GET, (S, ("omobility_id", FAKE)), empty=True),
    Row(
        "las-get-known-unknown",
        LAS_GET,
        (S, ("omobility_id", LA), ("omobility_id", FAKE)),
        exactly=(LA,),
    ),
    Row("las-get-none", LAS_GET, (), status=400),
    Row("las-get-no-sender", LAS_GET, (("omobility_id", LA),), status=400),
    Row("las-get-sender-only", LAS_GET, (S,), status=400),
    Row(
        "las-get-unknown-sender",
        LAS_GET,
        (("sending_hei_id", FAKE), ("omobility_id", LA)),
        status=400,
    ),
    Row(
        "las-get-over-max-known", LAS_GET, (S, *(("omobility_id", LA),) * (MAX_LA + 1)), status=400
    ),
    Row(
        "las-get-over-max-unknown",
        LAS_GET,
        (S, *(("omobility_id", FAKE),) * (MAX_LA + 1)),
        status=400,
    ),
    Row("las-get-exactly-max", LAS_GET, (S, *(("omobility_id", LA),) * MAX_LA), contains=LA),
    Row("las-get-wrong-name", LAS_GET, (("omobility_id_param", LA),), status=400),
    Row("las-get-sender-twice", LAS_GET, (S, S, ("omobility_id", LA)), status=400),
    Row(
        "las-get-sender-known-unknown",
        LAS_GET,
        (S, ("sending_hei_id", FAKE), ("omobility_id", LA)),
        status=400,
    ),
    Row(
        "las-get-other-participant",
        LAS_GET,
        (S, ("omobility_id", LA)),
        empty=True,
        caller="stranger",
    ),
    # Institutions / OUnits (the rest is in tests/mock/test_directory_apis.py)
    Row(
        "institutions-over-max-unknown",
        INSTITUTIONS,
        (("hei_id", FAKE),) * (MAX_HEI + 1),
        status=400,
    ),
    Row(
        "ounits-code-known-unknown",
        OUNITS,
        (("hei_id", UNI_A), ("ounit_code", "SCI"), ("ounit_code", FAKE)),
        exactly=("a-sci",),
    ),
    Row(
        "ounits-exactly-max-ids",
        OUNITS,
        (("hei_id", UNI_A), *(("ounit_id", "a-sci"),) * MAX_OU_IDS),
        contains="a-sci",
    ),
    Row(
        "ounits-exactly-max-codes",
        OUNITS,
        (("hei_id", UNI_A), *(("ounit_code", "SCI"),) * MAX_OU_CODES),
        contains="a-sci",
    ),
    Row(
        "ounits-over-max-codes-known",
        OUNITS,
        (("hei_id", UNI_A), *(("ounit_code", "SCI"),) * (MAX_OU_CODES + 1)),
        status=400,
    ),
    Row(
        "ounits-over-max-codes-unknown",
        OUNITS,
        (("hei_id", UNI_A), *(("ounit_code", FAKE),) * (MAX_OU_CODES + 1)),
        status=400,
    ),
    Row("ounits-unknown-hei-code", OUNITS, (("hei_id", FAKE), ("ounit_code", "SCI")), status=400),
    Row(
        "ounits-hei-twice",
        OUNITS,
        (("hei_id", UNI_A), ("hei_id", UNI_A), ("ounit_id", "a-sci")),
        status=400,
    ),
    Row(
        "ounits-hei-known-unknown",
        OUNITS,
        (("hei_id", UNI_A), ("hei_id", FAKE), ("ounit_id", "a-sci")),
        status=400,
    ),
    Row("ounits-wrong-name", OUNITS, (("ounit_id_param", "a-sci"),), status=400),
    # Factsheet
    Row("factsheet-known", FACTSHEET, (("hei_id", UNI_A),), exactly=(UNI_A,)),
    Row("factsheet-unknown", FACTSHEET, (("hei_id", FAKE),), empty=True),
    Row(
        "factsheet-known-unknown",
        FACTSHEET,
        (("hei_id", UNI_A), ("hei_id", FAKE)),
        exactly=(UNI_A,),
    ),
    Row("factsheet-none", FACTSHEET, (), status=400),
    Row(
        "factsheet-over-max-known",
        FACTSHEET,
        (("hei_id", UNI_A),) * (MAX_FACTSHEET + 1),
        status=400,
    ),
    Row(
        "factsheet-over-max-unknown",
        FACTSHEET,
        (("hei_id", FAKE),) * (MAX_FACTSHEET + 1),
        status=400,
    ),
    Row("factsheet-exactly-max", FACTSHEET, (("hei_id", UNI_A),) * MAX_FACTSHEET, contains=UNI_A),
    Row("factsheet-wrong-name", FACTSHEET, (("hei_id_param", UNI_A),), status=400),
    Row(
        "factsheet-other-participant",
        FACTSHEET,
        (("hei_id", UNI_A),),
        exactly=(UNI_A,),
        caller="stranger",
    ),
]


def _row_param(row: Row, method: str) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=row.defect)] if row.defect else []
    if not announced(row.path):
        marks = [pytest.mark.skip(reason=f"{row.path} is not in the mock's manifest")]
    return pytest.param(row, method, id=f"{row.id}-{method}", marks=marks)


@pytest.mark.parametrize(("row", "method"), [_row_param(r, m) for r in ROWS for m in METHODS])
async def test_validator_row(row: Row, method: str) -> None:
    sent = await send(row.path, method, list(row.params), caller=row.caller)
    response = sent.response
    assert response.status_code == row.status, response.text[:300]
    validate(response.content)
    check_signature(sent)
    if row.status != 200:
        assert parse_error_response(response.content).developer
        return
    shown = IDS[row.path](response.content)
    if row.exactly is not None:
        assert shown == row.exactly
    if row.contains is not None:
        assert row.contains in shown
    if row.empty:
        assert shown == ()
    if row.nonempty:
        assert shown != ()


# ------------------------------------------------------------------ flows


@pytest.mark.parametrize("method", METHODS)
async def test_every_iia_the_index_lists_is_returned_by_get(method: str) -> None:
    listed = await ids_of(IIAS_INDEX, [], method)
    assert listed
    for iia_id in listed:
        assert await ids_of(IIAS_GET, [("iia_id", iia_id)], method) == (iia_id,)
    together = await ids_of(IIAS_GET, [("iia_id", i) for i in listed], method)
    assert sorted(together) == sorted(listed)


@pytest.mark.parametrize("method", METHODS)
async def test_every_la_the_index_lists_is_returned_by_get(method: str) -> None:
    listed = await ids_of(LAS_INDEX, [S], method)
    assert LA in listed
    for omobility_id in listed:
        got = await ids_of(LAS_GET, [S, ("omobility_id", omobility_id)], method)
        assert got == (omobility_id,)


@pytest.mark.parametrize("method", ["POST"])
@pytest.mark.parametrize(
    ("path", "params"),
    [
        (LA_CNR, [("sending_hei_id", UNI_B), ("omobility_id", "la-b-approved")]),
        (IIA_CNR, [("iia_id", "b-iia-4")]),
    ],
    ids=["la-cnr", "iia-cnr"],
)
async def test_a_correct_notification_is_200_and_none_is_400(
    path: str, params: list[tuple[str, str]], method: str
) -> None:
    sent = await send(path, method, params)
    assert sent.response.status_code == 200
    root = validate(sent.response.content).getroot()
    assert len(root) == 0
    check_signature(sent)
    assert await refused(path, [], method) == 400


@pytest.mark.parametrize("method", METHODS)
async def test_institutions_root_unit_is_one_of_its_units(method: str) -> None:
    sent = await send(INSTITUTIONS, method, [("hei_id", UNI_A)])
    (hei,) = decode(sent.response.content, InstitutionsResponse).heis
    assert hei.root_ounit_id is not None
    assert hei.root_ounit_id in hei.ounit_ids


@pytest.mark.parametrize("method", METHODS)
async def test_the_code_of_a_unit_finds_the_same_unit(method: str) -> None:
    sent = await send(OUNITS, method, [("hei_id", UNI_A), ("ounit_id", "a-sci")])
    (unit,) = decode(sent.response.content, OunitsResponse).ounits
    assert await ids_of(OUNITS, [("hei_id", UNI_A), ("ounit_code", unit.ounit_code)], method) == (
        "a-sci",
    )


# ------------------------------------------------------------------ Echo


@pytest.mark.parametrize("method", METHODS)
async def test_echo_values_come_back_in_order_with_repeats(method: str) -> None:
    sent = await send(ECHO, method, [("echo", "a"), ("echo", "b"), ("echo", "a")])
    assert sent.response.status_code == 200
    check_signature(sent)
    answer = decode(sent.response.content, EchoResponse)
    assert answer.echoes == ("a", "b", "a")
    assert answer.hei_ids == (UNI_B,)


@pytest.mark.parametrize("method", METHODS)
async def test_echo_original_date_instead_of_date(method: str) -> None:
    signer = RequestSigner(key(3), date_header="original-date")
    sent = await send(ECHO, method, [("echo", "a")], signer=signer)
    assert sent.response.status_code == 200
    check_signature(sent)


@pytest.mark.parametrize("method", METHODS)
async def test_echo_extra_signed_headers_are_fine(method: str) -> None:
    signer = RequestSigner(key(3), also_sign=(*DEFAULT_ALSO_SIGN, "x-extra-thing"))
    sent = await send(
        ECHO, method, [("echo", "a")], signer=signer, extra_headers={"X-Extra-Thing": "yes"}
    )
    assert sent.response.status_code == 200
    check_signature(sent)


@pytest.mark.parametrize("method", METHODS)
async def test_echo_gzip_in_accept_encoding_is_fine(method: str) -> None:
    sent = await send(ECHO, method, [("echo", "a")], extra_headers={"Accept-Encoding": "gzip"})
    assert sent.response.status_code == 200
    check_signature(sent)
    assert decode(sent.response.content, EchoResponse).echoes == ("a",)


@pytest.mark.parametrize("method", METHODS)
async def test_echo_no_usable_algorithm_gives_an_unsigned_answer(method: str) -> None:
    sent = await send(
        ECHO,
        method,
        [("echo", "a")],
        ask_signed=False,
        extra_headers={"Accept-Signature": "hmac-sha256"},
    )
    assert sent.response.status_code == 200
    assert "signature" not in sent.response.headers


@pytest.mark.parametrize("method", METHODS)
async def test_echo_several_algorithms_one_usable_gives_a_signed_answer(method: str) -> None:
    sent = await send(
        ECHO, method, [("echo", "a")], extra_headers={"Accept-Signature": "hmac-sha256, rsa-sha256"}
    )
    assert sent.response.status_code == 200
    assert "signature" in sent.response.headers
    check_signature(sent)


@pytest.mark.parametrize("method", METHODS)
async def test_echo_non_canonical_request_id_is_400(method: str) -> None:
    upper = new_request_id().upper()
    sent = await send(ECHO, method, [("echo", "a")], extra_headers={"X-Request-Id": upper})
    assert sent.response.status_code == 400
    assert parse_error_response(sent.response.content).developer


async def test_echo_a_known_key_with_a_wrong_signature_is_400_or_401() -> None:
    signed = RequestSigner(key(3)).sign(method="GET", target=f"{ECHO}?echo=a", body=b"", host=HOST)
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        response = await http.get(f"{ECHO}?echo=b", headers=dict(signed.headers))
    assert response.status_code in (400, 401)
    validate(response.content)
    assert parse_error_response(response.content).developer


# ------------------------------------------------------------------ HTTP Signature details


def _hand_signed(
    target: str,
    *,
    covered: tuple[str, ...],
    digest: str | None = None,
    drop: tuple[str, ...] = (),
) -> dict[str, str]:
    """Headers of a GET signed by hand with the partner's key over ``covered``.

    ``digest`` replaces the computed ``Digest``; ``drop`` headers are signed
    but then left out of the request.
    """
    headers = {
        "host": HOST,
        "date": format_http_date(time.time()),
        "digest": digest if digest is not None else digest_header(b""),
        "x-request-id": new_request_id(),
        "accept-signature": "rsa-sha256",
        "want-digest": "SHA-256",
        "x-custom": "signed",
    }
    text = signing_string(covered, headers, target=request_target("GET", target))
    params = SignatureParams(
        key_id=key(3).key_id,
        algorithm="rsa-sha256",
        headers=covered,
        signature=sign_rsa_sha256(key(3).private_key, text),
    )
    wire = {k: v for k, v in headers.items() if k not in drop}
    wire["authorization"] = f"Signature {format_signature_params(params)}"
    return wire


REQUIRED = ("(request-target)", "host", "date", "digest", "x-request-id")
SHA1_OF_EMPTY = base64.b64encode(hashlib.sha1(b"").digest()).decode()
SHA256_OF_EMPTY = base64.b64encode(hashlib.sha256(b"").digest()).decode()
SIGNATURE_ROWS = [
    *[
        (f"unsigned-{h.strip('()')}", tuple(x for x in REQUIRED if x != h), None, (), (400, 401))
        for h in REQUIRED
    ],
    ("signed-header-missing", (*REQUIRED, "x-custom"), None, ("x-custom",), (400, 401)),
    ("headers-in-another-order", tuple(reversed(REQUIRED)), None, (), (200,)),
    ("extra-signed-header", (*REQUIRED, "x-custom"), None, (), (200,)),
    ("wrong-digest", REQUIRED, f"SHA-256={SHA1_OF_EMPTY}", (), (400,)),
    ("sha-digest-only", REQUIRED, f"SHA={SHA1_OF_EMPTY}", (), (400,)),
    ("mixed-case-digest", REQUIRED, f"shA-256={SHA256_OF_EMPTY}", (), (200,)),
    ("two-digests", REQUIRED, f"SHA={SHA1_OF_EMPTY}, SHA-256={SHA256_OF_EMPTY}", (), (200,)),
]


@pytest.mark.parametrize("path", [ECHO, IIAS_INDEX], ids=["echo", "iias-index"])
@pytest.mark.parametrize(
    ("covered", "digest", "drop", "statuses"),
    [pytest.param(*row[1:], id=row[0]) for row in SIGNATURE_ROWS],
)
async def test_signature_details(
    path: str,
    covered: tuple[str, ...],
    digest: str | None,
    drop: tuple[str, ...],
    statuses: tuple[int, ...],
) -> None:
    """EchoValidationSuiteCommon's request-signature steps, at Echo and at an IIAs endpoint."""
    headers = _hand_signed(path, covered=covered, digest=digest, drop=drop)
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        response = await http.get(path, headers=headers)
    assert response.status_code in statuses, response.text[:300]
    validate(response.content)
    if response.status_code != 200:
        assert parse_error_response(response.content).developer
