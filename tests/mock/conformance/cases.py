"""The conformance table: the cases each announced endpoint gets, derived from its rules.

Every endpoint the manifest announces (see :mod:`.harness`) gets these rules,
each sent with every method the endpoint takes and with and without asking for
a signed answer (``Accept-Signature``/``Want-Digest``):

==========================  ================================================================
rule                        expected
==========================  ================================================================
ok                          200 for a request with known values: GET query, POST form, POST
                            form ``; charset=utf-8`` (stats: as the Stats Portal)
method-PUT, method-DELETE   405, and GET on a POST-only endpoint (update, CNR), POST on a
                            GET-only one (stats)
missing-P                   400 when the required parameter P is left out
repeated-P                  400 when the single-valued parameter P is sent twice
over-max-P / max-P          400 for ``max-*``+1 copies of one known id (duplicates counted);
                            200 for exactly ``max-*`` copies, the same items as one copy
bad-P-N                     400 for the Nth malformed value of a checked parameter
                            (``receiving_academic_year_id``, ``modified_since``, enumerations)
good-P-N                    200 for the Nth well-formed value of a checked parameter (a
                            southern-hemisphere year ``2010/2010``, ``Z``, fractions)
one-of-both / one-of-none   400 when both or neither of an exclusive pair is sent (OUnits)
unknown-P                   200 and no items when every P is an id nobody knows
known-and-unknown-P         200 and the same items as for the known id alone
forbidden                   200 and no items for a caller the data does not concern
                            (IIAs, approvals, LAs)
stats-forbidden             403 for a caller that is not the Stats Portal (stats endpoints)
unsigned                    401 with ``WWW-Authenticate: Signature realm="EWP"`` and
                            ``Want-Digest: SHA-256``
unknown-key, server-key     403 (a key the catalogue does not list as a client key)
post-not-form, post-latin-1 415 for a POST body sent as ``text/xml`` or as a form in ISO-8859-1
xml-body-*                  400 for an empty, non-XML or foreign document to an endpoint that
                            takes XML (LA update)
==========================  ================================================================

Every refusal is a schema-valid ``error-response`` with a developer message
(naming the parameter for a parameter rule); every 200 body is valid against
our schemas and the official XSDs; every answer is signed exactly when asked.

Known values come from :data:`KNOWN` (by endpoint and parameter), else from
:data:`SAMPLES` (by parameter); an endpoint whose required parameter has
neither fails :func:`known_request`, naming what to add. Endpoints whose POST
body is not a form (LA ``update``) get the method and authentication rules
and the ``xml-body-*`` refusals; valid update bodies are their own tests'
business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

from ewp_client.server import academic_year_id, date_time_with_offset
from ewp_mock.data import UNI_A, UNI_B

from .harness import FORM, Caller, Endpoint, endpoints

FAKE: Final = "this-id-does-not-exist"

#: Endpoints that show an item only to the HEIs it concerns (access.py's rules).
RESTRICTED: Final = frozenset(
    {"IIAs get", "IIAs index", "IIA Approval", "OMobility LAs get", "OMobility LAs index"}
)
#: Endpoints open to any authenticated client.
OPEN: Final = frozenset({"Echo", "Institutions", "OUnits", "Factsheet"})
#: Notification endpoints: any caller, an empty answer.
NOTIFICATIONS: Final = frozenset({"IIA CNR", "IIA Approval CNR", "OMobility LA CNR"})

#: Known values by (endpoint name, parameter): a request with them has items to show.
KNOWN: Final[dict[tuple[str, str], str]] = {
    ("IIAs get", "iia_id"): "a-iia-4",
    ("IIA Approval", "iia_id"): "b-iia-4",
    ("IIA CNR", "iia_id"): "b-iia-4",
    ("IIA Approval CNR", "iia_id"): "a-iia-4",
    ("OMobility LAs get", "sending_hei_id"): UNI_A,
    ("OMobility LAs get", "omobility_id"): "la-approved",
    ("OMobility LAs index", "sending_hei_id"): UNI_A,
    ("OMobility LA CNR", "sending_hei_id"): UNI_B,
    ("OMobility LA CNR", "omobility_id"): "la-b-approved",
    ("OUnits", "hei_id"): UNI_A,
    ("OUnits", "ounit_id"): "a-sci",
    ("OUnits", "ounit_code"): "SCI",
}
#: Well-formed values by parameter, for any endpoint.
SAMPLES: Final[dict[str, str]] = {
    "hei_id": UNI_A,
    "echo": "a",
    "receiving_academic_year_id": "2026/2027",
    "modified_since": "2004-02-12T15:19:21+01:00",
    "receiving_hei_id": UNI_B,
    "mobility_type": "semester",
    "global_id": "global-1",
}
#: Malformed values, by the check that must refuse them.
MALFORMED: Final[dict[Callable[[str], str | None], tuple[str, ...]]] = {
    academic_year_id: ("2026-2027", "test/test", "2026/2028"),
    date_time_with_offset: (FAKE, "2004-02-12", "05/29/2015 05:50", "2004-02-12 15:19:21+01:00"),
}
#: Well-formed values a check must take (AcademicYearId admits the southern "2010/2010").
WELL_FORMED: Final[dict[Callable[[str], str | None], tuple[str, ...]]] = {
    academic_year_id: ("2010/2011", "2010/2010"),
    date_time_with_offset: (
        "2004-02-12T15:19:21Z",
        "2004-02-12T15:19:21.25+01:00",
        "2004-02-12T15:19:21-05:00",
    ),
}
OTHER_MALFORMED: Final = ("not-a-valid-value",)
LATIN_1: Final = f"{FORM}; charset=ISO-8859-1"
XML: Final = "text/xml; charset=utf-8"
#: Bodies an endpoint taking an XML document (LA update) must refuse with 400.
XML_BODIES: Final = (
    ("xml-body-empty", b""),
    ("xml-body-not-xml", b"not xml"),
    ("xml-body-wrong-root", b"<not-an-update-request/>"),
)


@dataclass(frozen=True)
class Case:
    """One request and what the node must answer.

    ``items``: ``"some"`` (the root lists something), ``"none"`` (an empty
    answer), ``"same"`` (as many items as the known request), ``None``
    (not judged). ``parameter`` is what a 400's message must name.
    """

    endpoint: Endpoint
    rule: str
    method: str
    params: tuple[tuple[str, str], ...]
    status: int
    ask_signed: bool
    caller: Caller = "partner"
    content_type: str | None = FORM
    items: str | None = None
    parameter: str | None = None
    body: bytes | None = None

    @property
    def id(self) -> str:
        form = self.content_type is not None and self.content_type.startswith(FORM)
        media = ";charset" if form and "charset" in (self.content_type or "") else ""
        signed = "signed" if self.ask_signed else "unsigned-answer"
        who = "" if self.caller == "partner" else f"|as-{self.caller}"
        return f"{self.endpoint.path}|{self.rule}|{self.method}{media}|{signed}{who}"


def value_of(endpoint: Endpoint, name: str) -> str:
    value = KNOWN.get((endpoint.name, name), SAMPLES.get(name))
    if value is None:
        raise LookupError(
            f"{endpoint.path} ({endpoint.name}) needs a known value for {name!r}: "
            "add it to KNOWN or SAMPLES in tests/mock/conformance/cases.py"
        )
    return value


def known_request(endpoint: Endpoint) -> tuple[tuple[str, str], ...]:
    """Required parameters with known values, and the first member of each exclusive group."""
    rules = endpoint.rules
    names = [p.name for p in rules.params if p.required]
    names += [group[0] for group in rules.one_of if not set(group) & set(names)]
    return tuple((n, value_of(endpoint, n)) for n in names)


def judged(endpoint: Endpoint) -> bool:
    """Whether the generic table can build the endpoint's 200 requests (form parameters)."""
    return endpoint.rules.form


def _without(params: tuple[tuple[str, str], ...], name: str) -> tuple[tuple[str, str], ...]:
    return tuple((n, v) for n, v in params if n != name)


def _base(endpoint: Endpoint, name: str) -> tuple[tuple[str, str], ...]:
    """The known request without ``name`` nor the members of an exclusive group it is in."""
    drop = {name}
    for group in endpoint.rules.one_of:
        if name in group:
            drop |= set(group)
    return tuple((n, v) for n, v in known_request(endpoint) if n not in drop)


def _param_rules(
    endpoint: Endpoint,
) -> Iterator[tuple[str, tuple[tuple[str, str], ...], int, str | None, str | None]]:
    """``(rule, params, status, items, parameter)`` for the parameter rules of one endpoint."""
    rules = endpoint.rules
    known = known_request(endpoint)
    restricted = endpoint.name in RESTRICTED
    yield "ok", known, 200, ("some" if restricted else None), None
    for param in rules.params:
        name = param.name
        if param.required:
            yield f"missing-{name}", _without(known, name), 400, None, name
        if not param.repeatable:
            value = value_of(endpoint, name)
            twice = (*_base(endpoint, name), (name, value), (name, value))
            yield f"repeated-{name}", twice, 400, None, name
        limit = endpoint.limit_of(name)
        if limit is not None:
            value = value_of(endpoint, name)
            rest = _base(endpoint, name)
            yield f"over-max-{name}", (*rest, *[(name, value)] * (limit + 1)), 400, None, name
            yield f"max-{name}", (*rest, *[(name, value)] * limit), 200, "same", None
            yield f"unknown-{name}", (*rest, (name, FAKE)), 200, "none", None
            if limit >= 2:
                mixed = (*rest, (name, value), (name, FAKE))
                yield f"known-and-unknown-{name}", mixed, 200, "same", None
        if param.check is not None:
            bad_values = MALFORMED.get(param.check, OTHER_MALFORMED)
            for number, bad in enumerate(bad_values, start=1):
                assert param.check(bad) is not None, f"{name}: {bad!r} is not malformed"
                sent = (*_base(endpoint, name), (name, bad))
                yield f"bad-{name}-{number}", sent, 400, None, name
            for number, good in enumerate(WELL_FORMED.get(param.check, ()), start=1):
                sent = (*_base(endpoint, name), (name, good))
                yield f"good-{name}-{number}", sent, 200, None, None
    for group in rules.one_of:
        rest = tuple((n, v) for n, v in known if n not in group)
        both = (*rest, *((n, value_of(endpoint, n)) for n in group))
        yield "one-of-both", both, 400, None, None
        yield "one-of-none", rest, 400, None, None


def cases_of(endpoint: Endpoint) -> Iterator[Case]:
    rules = endpoint.rules
    for ask_signed in (True, False):
        for method in ("PUT", "DELETE", "GET", "POST"):
            if method not in rules.methods:
                yield Case(endpoint, f"method-{method}", method, (), 405, ask_signed)
        first = rules.methods[0]
        for caller, status in (("unsigned", 401), ("unknown-key", 403), ("server-key", 403)):
            yield Case(endpoint, caller, first, (), status, ask_signed, caller)  # type: ignore[arg-type]
        if not judged(endpoint):
            if "POST" in rules.methods:
                for rule, body in XML_BODIES:
                    yield Case(
                        endpoint, rule, "POST", (), 400, ask_signed, content_type=XML, body=body
                    )
            continue
        if endpoint.is_stats:
            for method in rules.methods:
                yield Case(endpoint, "ok", method, (), 200, ask_signed, "portal", items=None)
                yield Case(endpoint, "stats-forbidden", method, (), 403, ask_signed, "partner")
                yield Case(endpoint, "stats-forbidden", method, (), 403, ask_signed, "stranger")
            continue
        for rule, params, status, items, parameter in _param_rules(endpoint):
            for method in rules.methods:
                yield Case(
                    endpoint,
                    rule,
                    method,
                    params,
                    status,
                    ask_signed,
                    items=items,
                    parameter=parameter,
                )
                if rule == "ok" and method == "POST":
                    charset = f"{FORM}; charset=utf-8"
                    yield Case(
                        endpoint,
                        rule,
                        method,
                        params,
                        status,
                        ask_signed,
                        content_type=charset,
                        items=items,
                    )
        if "POST" in rules.methods:
            # A body there must be: an empty one needs no Content-Type (unknown names are ignored).
            body = known_request(endpoint) or (("unused_parameter", "1"),)
            for rule, media in (("post-not-form", "text/xml"), ("post-latin-1", LATIN_1)):
                yield Case(endpoint, rule, "POST", body, 415, ask_signed, content_type=media)
        known = known_request(endpoint)
        for method in rules.methods:
            if endpoint.name in RESTRICTED:
                yield Case(
                    endpoint, "forbidden", method, known, 200, ask_signed, "stranger", items="none"
                )
            if endpoint.name in OPEN:
                yield Case(
                    endpoint,
                    "open-to-any",
                    method,
                    known,
                    200,
                    ask_signed,
                    "stranger",
                    items="same",
                )


def all_cases() -> list[Case]:
    return [case for endpoint in endpoints() for case in cases_of(endpoint)]
