"""The doctor's I/O: which requests to send to a partner, sent through an :class:`EwpClient`.

:class:`Doctor` looks the partner up in the client's catalogue, then for each
API its manifest declares (in a version this library speaks) sends the
requests the checks need and hands each :class:`~.judge.Exchange` to the
:class:`~.judge.Judge`. Requests go through the client's own HTTP client
(its CA bundle, proxies, timeouts) and are signed with its key; they are
never retried, since a retry would hide what the doctor is looking for.

What runs unasked is read-only: reads with ids nobody has, reads of what
the index lists (LAs twice, to compare their changes proposals), a ``PUT``
the partner must refuse, an unsigned Echo. Change notifications (IIA CNR, IIA
Approval CNR, LA CNR) make the partner do work (it calls back to refresh)
and run only with ``allow_writes``. The doctor never sends an LA update:
approving or commenting is a decision only a person takes.

Where the doctor reads answers with the client's own checks (the response
verifier, the LA checks), a warning the client issues (the answer is usable,
but wrong) is caught and becomes part of the check's result
(:func:`~.evidence.with_warnings`).
"""

from __future__ import annotations

import functools
import secrets
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from urllib.parse import urlencode, urlsplit

import httpx

from .._version import __version__
from ..client.base import FORM_CONTENT_TYPE, MAX_GET_QUERY_LENGTH, with_query
from ..client.iias import check_copies, copies_of
from ..client.las import LaChecks
from ..client.sync import EwpClient
from ..errors import (
    ConfigError,
    EwpError,
    EwpWarning,
    NoEndpointError,
    PartnerOrderError,
    TransportError,
)
from ..iia.hash import IiaHash, compute_iia_hashes
from ..namespaces import (
    ECHO_API,
    FACTSHEET_API,
    IIA_APPROVAL_CNR_API,
    IIA_CNR_API,
    IIAS_API,
    IIAS_APPROVAL_API,
    INSTITUTIONS_API,
    OMOBILITY_LA_CNR_API,
    OMOBILITY_LAS_API,
    OUNITS_API,
    ApiVersion,
)
from ..registry.catalogue import Catalogue
from ..registry.model import HostedApi
from ..registry.resolver import CatalogueKeyResolver
from ..security import EwpAuth, RequestSigner, ResponseVerifier, SentRequest
from ..security.httpx_auth import RAW_BODY
from ..server.endpoints import (
    IIA_APPROVAL_CNR,
    IIA_CNR,
    LA_CNR,
    LAS_UPDATE,
    RULES_BY_URL_ELEMENT,
)
from ..server.params import EndpointRules, Param
from ..xml.parser import parse_xml
from .evidence import Check, Exchange, with_warnings
from .judge import Judge
from .report import CheckResult, Report
from .tls import DEFAULT_EXPIRY_DAYS, judge_tls, probe_tls

__all__ = ["APIS", "UNKNOWN_ID", "Doctor", "DoctorOptions"]

#: The APIs the doctor checks, in the versions this library speaks, in report order.
APIS: Final[tuple[ApiVersion, ...]] = (
    ECHO_API,
    IIAS_API,
    IIAS_APPROVAL_API,
    IIA_CNR_API,
    IIA_APPROVAL_CNR_API,
    OMOBILITY_LAS_API,
    OMOBILITY_LA_CNR_API,
    INSTITUTIONS_API,
    OUNITS_API,
    FACTSHEET_API,
)
#: The prefix of the ids the doctor makes up: no partner has them.
UNKNOWN_ID: Final = "ewp-doctor-unknown"
#: Endpoints whose requests notify the partner (it then calls back): run only when allowed.
_NOTIFICATIONS: Final = (IIA_CNR, IIA_APPROVAL_CNR, LA_CNR)
#: The element each index lists and each get answer repeats, by API name.
_ID_ELEMENTS: Final = {IIAS_API.name: "iia-id", OMOBILITY_LAS_API.name: "omobility-id"}


@dataclass(frozen=True, slots=True, kw_only=True)
class DoctorOptions:
    """How far the doctor goes.

    ``allow_writes`` runs the checks that make the partner do work (change
    notifications); ``expiry_days`` is when a certificate's coming expiry
    becomes a warning; ``round_trip_ids`` how many indexed ids are fetched
    back; ``ca_bundle`` the trust the TLS check uses (the client's);
    ``personal_data`` lets schema messages quoting student data into the report.
    """

    allow_writes: bool = False
    expiry_days: int = DEFAULT_EXPIRY_DAYS
    round_trip_ids: int = 3
    ca_bundle: Path | None = None
    timeout: float = 30.0
    personal_data: bool = False


class _Recording(EwpAuth):
    """The client's signing, keeping what the answer must echo (``sent``)."""

    sent: SentRequest = SentRequest()

    def prepare(self, request: httpx.Request) -> SentRequest:
        self.sent = super().prepare(request)
        return self.sent


def _unknown_ids(count: int) -> list[str]:
    return [f"{UNKNOWN_ID}-{n}" for n in range(1, count + 1)]


def _id_param(rules: EndpointRules) -> Param | None:
    """The parameter carrying the ids a ``get`` is about (the one the manifest bounds)."""
    return next((p for p in rules.params if p.limit is not None), None)


def _params(
    rules: EndpointRules, hei_id: str, ids: Sequence[str] = ()
) -> tuple[tuple[str, str], ...]:
    """The required HEI parameters (``hei_id``), then ``ids`` as the ids the request is about.

    The ids go in the parameter the manifest bounds (``iia_id`` of a get), or
    else in the first required one that is not a HEI (``iia_id`` of a CNR).
    """
    id_param = _id_param(rules)
    params = [
        (p.name, hei_id)
        for p in rules.params
        if p.required and p.name.endswith("hei_id") and p is not id_param
    ]
    target = id_param or next(
        (p for p in rules.params if p.required and not p.name.endswith("hei_id")), None
    )
    if target is not None:
        params += [(target.name, value) for value in ids]
    return tuple(params)


def _short(element: str) -> str:
    return element.removesuffix("-url") or "url"


class Doctor:
    """Runs every check against a partner through ``client`` (see the module)."""

    def __init__(self, client: EwpClient, options: DoctorOptions | None = None) -> None:
        if client.key is None:
            raise ConfigError("the doctor signs its requests: configure a private key")
        self.client = client
        self.options = options or DoctorOptions()
        self.key = client.key

    # ------------------------------------------------------------ sending

    def send(
        self,
        method: str,
        url: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        signed: bool = True,
    ) -> Exchange:
        """One request, signed with our key unless ``signed`` is off; never retried."""
        headers = {"Accept": "text/xml, application/xml", "Accept-Encoding": "gzip, deflate"}
        query = urlencode(list(params))
        if method == "GET":
            request = httpx.Request("GET", with_query(url, query), headers=headers)
        elif params:
            headers["Content-Type"] = FORM_CONTENT_TYPE
            request = httpx.Request(method, url, content=query.encode(), headers=headers)
        else:
            request = httpx.Request(method, url, content=b"", headers=headers)
        auth = _Recording(
            RequestSigner(self.key) if signed else None,
            None,
            max_response_size=self.client.max_response_size,
        )
        self.client.start_exchange(request, url, httpx.Timeout(self.options.timeout))
        exchange = functools.partial(
            Exchange, method=method, url=url, params=tuple(params), signed=signed
        )
        try:
            response = self.client.http.send(request, auth=auth)
        except httpx.RequestError as exc:
            error = TransportError(f"{method} {url}: {type(exc).__name__}: {exc}")
            return exchange(sent=auth.sent, error=error)
        except EwpError as exc:  # over the size limit or the deadline
            return exchange(sent=auth.sent, error=exc)
        raw = response.extensions.get(RAW_BODY)
        return exchange(
            sent=auth.sent,
            status=response.status_code,
            headers=tuple(response.headers.multi_items()),
            raw_body=raw if isinstance(raw, bytes) else response.content,
            body=response.content,
            received_at=time.time(),
        )

    def read(self, url: str, params: Sequence[tuple[str, str]]) -> Exchange:
        """A read as the client sends it: GET, or a POST form when the query is long."""
        long = len(urlencode(list(params))) > MAX_GET_QUERY_LENGTH
        return self.send("POST" if long else "GET", url, params)

    # ------------------------------------------------------------ running

    def run(self, hei_id: str) -> Report:
        """Every check against ``hei_id``; the catalogue errors of the client propagate."""
        started = datetime.now(UTC).isoformat(timespec="seconds")
        catalogue = self.client.registry.catalogue()
        judge = Judge(
            ResponseVerifier(CatalogueKeyResolver(catalogue)),
            our_heis=self.client.hei_ids,
            personal_data=self.options.personal_data,
        )
        checks = list(_heeding(self._checks(catalogue, judge, hei_id)))
        return Report(
            hei_id=hei_id,
            registry=self.client.registry.url,
            started=started,
            checks=tuple(checks),
            writes_allowed=self.options.allow_writes,
            client_version=__version__,
        )

    def _checks(self, catalogue: Catalogue, judge: Judge, hei_id: str) -> Iterator[CheckResult]:
        found, results = self._entries(catalogue, hei_id)
        yield from results
        if not found:
            return
        yield from self._tls(found)
        for hosted in found:
            name = hosted.entry.name
            if name == ECHO_API.name:
                yield from self._echo(judge, hosted)
            for element, url in hosted.entry.urls.items():
                rules = RULES_BY_URL_ELEMENT.get((name, element))
                if rules is not None:
                    yield from self._endpoint(judge, hosted, element, url, rules, hei_id)

    def _entries(
        self, catalogue: Catalogue, hei_id: str
    ) -> tuple[list[HostedApi], list[CheckResult]]:
        """The partner's entries in the versions we speak, and the Registry checks."""
        check = Check("registry.manifest", "The partner is in the Registry with its APIs")
        hosts = catalogue.hosts_covering(hei_id)
        if not hosts:
            return [], [check.failed(f"no host in the catalogue covers {hei_id}", {"hei": hei_id})]
        declared = sorted({f"{e.name} {e.version}" for h in hosts for e in h.apis})
        found: list[HostedApi] = []
        results: list[CheckResult] = []
        for api in APIS:
            versions = [d for d in declared if d.partition(" ")[0] == api.name]
            if not versions:
                continue
            try:
                found.append(catalogue.find_api(hei_id, api))
            except NoEndpointError as exc:
                version = Check(
                    f"{api.name}.version", f"{api.name} in a version we speak", api.name
                )
                results.append(version.skipped(str(exc), {"declared": versions}))
        apis = [f"{h.entry.name} {h.entry.version}" for h in found]
        evidence = {"hosts": len(hosts), "declared": declared, "checked": apis}
        if not any(h.entry.name == ECHO_API.name for h in found):
            results.insert(0, check.warned("the manifest declares no Echo API", evidence))
        else:
            results.insert(0, check.passed(f"{len(found)} API(s) to check", evidence))
        return found, results

    def _tls(self, found: Sequence[HostedApi]) -> Iterator[CheckResult]:
        seen: set[tuple[str, int]] = set()
        for hosted in found:
            for url in hosted.entry.urls.values():
                parts = urlsplit(url)
                host, port = parts.hostname or "", parts.port or 443
                if parts.scheme != "https":
                    check = Check(f"tls.{host}:{parts.port or 80}", f"TLS of {host}", url=url)
                    if (host, -1) not in seen:
                        seen.add((host, -1))
                        yield check.failed("the endpoint is not HTTPS", {"url": url})
                    continue
                if (host, port) in seen:
                    continue
                seen.add((host, port))
                check = Check(f"tls.{host}:{port}", f"TLS certificate of {host}:{port}", url=url)
                probe = probe_tls(
                    host, port, ca_bundle=self.options.ca_bundle, timeout=self.options.timeout
                )
                yield judge_tls(check, probe, expiry_days=self.options.expiry_days)

    def _echo(self, judge: Judge, hosted: HostedApi) -> Iterator[CheckResult]:
        url = hosted.entry.url or ""
        api = hosted.entry.name
        echoes = [f"ewp-doctor-{secrets.token_hex(4)}", "ewp doctor", "ewp doctor"]
        ex = self.send("GET", url, [("echo", e) for e in echoes])
        yield judge.echo_accepted(
            Check("echo.signed-request", "Our signed request is accepted", api, url), ex
        )
        yield judge.response_signature(
            Check("echo.response-signature", "The response is signed and verifies", api, url), ex
        )
        yield judge.request_id_echoed(
            Check("echo.request-id", "The response echoes our X-Request-Id", api, url), ex
        )
        yield judge.clock(Check("echo.clock", "The partner's clock agrees with ours", api, url), ex)
        yield judge.echo_answer(
            Check("echo.answer", "The Echo answer is schema-valid and echoes", api, url),
            ex,
            echoes,
        )
        posted = self.send("POST", url, [("echo", e) for e in echoes])
        yield judge.echo_answer(
            Check("echo.post", "A POST form is answered like a GET", api, url), posted, echoes
        )
        unsigned = self.send("GET", url, [("echo", "unsigned")], signed=False)
        yield judge.unsigned_refused(
            Check("echo.unsigned-refused", "A request without a signature is refused", api, url),
            unsigned,
        )

    def _endpoint(
        self,
        judge: Judge,
        hosted: HostedApi,
        element: str,
        url: str,
        rules: EndpointRules,
        hei_id: str,
    ) -> Iterator[CheckResult]:
        api = hosted.entry.name
        prefix = f"{api}.{_short(element)}"
        yield judge.method_refused(
            Check(f"{prefix}.put-refused", f"{rules.name}: PUT is refused (405)", api, url),
            self.send("PUT", url),
        )
        if rules is LAS_UPDATE:
            yield Check(f"{prefix}.request", rules.name, api, url).skipped(
                "not sent: the doctor never approves or comments on a learning agreement"
            )
            return
        if rules in _NOTIFICATIONS:
            notify = Check(
                f"{prefix}.notify",
                f"{rules.name}: a notification for an unknown id gets 200",
                api,
                url,
            )
            yield self._notification(judge, notify, rules)
            return
        id_param = _id_param(rules)
        if element == "index-url":
            yield from self._index(judge, hosted, prefix, url, rules, hei_id)
        elif id_param is not None and id_param.limit is not None and rules.form:
            limit = hosted.entry.max_ids_of(id_param.limit)
            unknown = Check(
                f"{prefix}.unknown-id",
                f"{rules.name}: an unknown {id_param.name} is ignored (200, nothing listed)",
                api,
                url,
            )
            yield judge.unknown_ids(
                unknown, self.read(url, _params(rules, hei_id, _unknown_ids(1)))
            )
            too_many = Check(
                f"{prefix}.too-many-ids",
                f"{rules.name}: more {id_param.name} than {id_param.limit} is refused (400)",
                api,
                url,
            )
            over = _params(rules, hei_id, _unknown_ids(limit + 1))
            yield judge.too_many_ids(too_many, self.read(url, over), limit)
            repeated = Check(
                f"{prefix}.repeated-ids",
                f"{rules.name}: one {id_param.name} sent {limit + 1} times is refused (400)",
                api,
                url,
            )
            again = _params(rules, hei_id, _unknown_ids(1) * (limit + 1))
            yield judge.repeated_ids(repeated, self.read(url, again), limit)
            if limit > 1:
                within = Check(
                    f"{prefix}.max-ids-accepted",
                    f"{rules.name}: {limit} {id_param.name} (the manifest's {id_param.limit}) "
                    "are accepted (200)",
                    api,
                    url,
                )
                full = _params(rules, hei_id, _unknown_ids(limit))
                yield judge.ids_within_limit(within, self.read(url, full), limit)
            if id_param.name == "hei_id":
                own = Check(
                    f"{prefix}.own-hei",
                    f"{rules.name}: the partner's own HEI is answered, signed and schema-valid",
                    api,
                    url,
                )
                yield judge.listed(own, self.read(url, _params(rules, hei_id, [hei_id])))

    def _notification(self, judge: Judge, check: Check, rules: EndpointRules) -> CheckResult:
        if not self.options.allow_writes:
            return check.skipped(
                "not sent: a notification makes the partner call back (use --allow-writes)"
            )
        ours = self.client.hei_ids[0] if self.client.hei_ids else ""
        return judge.notification(
            check, self.send("POST", check.url or "", _params(rules, ours, _unknown_ids(1)))
        )

    def _index(
        self,
        judge: Judge,
        hosted: HostedApi,
        prefix: str,
        url: str,
        rules: EndpointRules,
        hei_id: str,
    ) -> Iterator[CheckResult]:
        api = hosted.entry.name
        check = Check(f"{prefix}.answer", f"{rules.name}: signed, schema-valid", api, url)
        result, ids = judge.index(check, self.read(url, _params(rules, hei_id)))
        yield result
        get_url = hosted.entry.urls.get("get-url")
        get_rules = RULES_BY_URL_ELEMENT.get((api, "get-url"))
        id_element = _ID_ELEMENTS.get(api)
        trip = Check(f"{prefix}.round-trip", "Every id the index lists comes back from get", api)
        if get_url is None or get_rules is None or id_element is None:
            return
        if not ids:
            yield trip.skipped("the index lists nothing for us to fetch", result.evidence)
            return
        tried = ids[: self.options.round_trip_ids]
        exchanges = [(i, self.read(get_url, _params(get_rules, hei_id, [i]))) for i in tried]
        yield judge.round_trip(trip, exchanges, id_element)
        if api == IIAS_API.name:
            hashes = _hashes(exchanges)
            check = Check(f"{api}.get.iia-hash", "Every iia-hash is the official kit's", api)
            yield judge.iia_hashes(check, hashes, _partner_order(exchanges, hei_id))
            check = Check(
                f"{api}.get.approvable", "Every IIA with the kit's hash could be approved", api
            )
            yield judge.approvable(check, hashes)
        elif api == OMOBILITY_LAS_API.name:
            yield from self._las(judge, get_url, get_rules, hei_id, exchanges)

    def _las(
        self,
        judge: Judge,
        url: str,
        rules: EndpointRules,
        hei_id: str,
        first: Sequence[tuple[str, Exchange]],
    ) -> Iterator[CheckResult]:
        """What the client checks on every LA it reads, on the LAs of the round trip, read twice.

        The round trip's answers go through the client's LA checks (their
        warnings are caught, see the module); each LA is then read again, alone
        as before, and compared with the first read as the client compares two
        reads of one LA.
        """
        api = OMOBILITY_LAS_API.name
        checks = LaChecks()
        student = Check(f"{api}.get.student", "Every LA read names its student", api, url)
        las, result = judge.las(student, [ex for _id, ex in first])
        if las:
            checks.checked(hei_id, las)
        yield result
        stable = Check(
            f"{api}.get.changes-proposal-id",
            "A changes proposal read twice keeps its id while its content stays",
            api,
            url,
        )
        if not las:
            yield stable.skipped("no LA was read", result.evidence)
            return
        wanted = [la.omobility_id for la in las]
        second = [self.read(url, _params(rules, hei_id, [i])) for i in wanted]
        again, result = judge.las(stable, second)
        if not again:
            yield result
            return
        problems = [p for la in again for p in checks.proposals.observe(hei_id, la)]
        yield judge.proposals_compared(stable, las, problems)


def _heeding(results: Iterator[CheckResult]) -> Iterator[CheckResult]:
    """Each result with the :class:`EwpWarning` the client issued while it was made.

    Other warnings are issued again, as they came, to whoever is listening.
    """
    while True:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = next(results, None)
        ours = [w.message for w in caught if isinstance(w.message, EwpWarning)]
        for other in caught:
            if not isinstance(other.message, EwpWarning):
                warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
        if result is None:
            return
        yield with_warnings(result, ours)


def _partner_order(
    exchanges: Sequence[tuple[str, Exchange]], hei_id: str
) -> PartnerOrderError | None:
    """What the client's checks of fetched copies raise about their partners, if anything.

    The same checks issue an ``IiaHashInvalid`` warning for a wrong hash (caught
    with the check's result, see the module).
    """
    for wanted, ex in exchanges:
        if ex.status != 200:
            continue
        try:
            check_copies(copies_of(ex.body), hei_id, [wanted])
        except PartnerOrderError as exc:
            return exc
        except EwpError:  # not readable: the round trip has judged it
            continue
    return None


def _hashes(exchanges: Sequence[tuple[str, Exchange]]) -> list[IiaHash]:
    """The kit's result for every IIA of the answers that came (a failed one is judged already)."""
    results: list[IiaHash] = []
    for _wanted, ex in exchanges:
        if ex.status != 200:
            continue
        try:
            results += compute_iia_hashes(parse_xml(ex.body))
        except EwpError:
            continue
    return results
