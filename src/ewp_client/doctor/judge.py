"""The doctor's verdicts as pure functions: an :class:`~.evidence.Exchange` in, a result out.

The runner (:mod:`.runner`) sends requests and records each as an
:class:`~.evidence.Exchange`; :class:`Judge` judges what came back with the
library's own diagnoses (the response verifier, the schema validator, the
official kit's ``iia-hash``, the ``error-response`` reader), so that the
doctor and the client never disagree about a partner. No I/O.

The rules are the specs' as the official validator checks them: an unknown
id is ignored (200, nothing listed), more ids than the manifest's ``max-*``
is a 400, a method the endpoint does not take is a 405, a request without a
signature is refused (401), every 200 is signed, bound to our request and
valid against its schema, and every ``iia-hash`` is the kit's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Final

from lxml import etree

from ..codec import decode
from ..error_response import parse_error_response
from ..errors import (
    ApprovalRefusedError,
    EwpError,
    EwpWarning,
    IiaNotMapped,
    PartnerOrderError,
)
from ..iia.approval import check_approvable
from ..iia.hash import IiaHash
from ..models import LasGetResponse, LearningAgreement
from ..privacy import mask_body, mask_student_data
from ..security import MIN_CLOCK_SKEW, ResponseVerifier, VerifyResult
from ..security.dates import parse_http_date
from ..xml.validate import validate
from .evidence import Check, Exchange, error_evidence, known_issue_of, with_warnings
from .report import CheckResult

__all__ = ["CLOCK_WARN", "Judge"]

#: A clock this many seconds off is worth a warning (the specs refuse 300 s and more).
CLOCK_WARN: Final = 60.0
#: How many characters of an error body the evidence quotes.
_BODY_EXCERPT: Final = 600


def _items(root: etree._Element) -> list[etree._Element]:
    """The root's child elements: the items a get, index or CNR answer lists."""
    return [child for child in root if isinstance(child.tag, str)]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


class Judge:
    """Judges exchanges with the library's verifier and validator.

    ``verifier`` checks response signatures against the catalogue;
    ``our_heis`` are the HEIs we act for; ``personal_data`` lets schema
    violation messages of documents naming a student into the evidence.
    """

    def __init__(
        self,
        verifier: ResponseVerifier,
        *,
        our_heis: Sequence[str] = (),
        personal_data: bool = False,
    ) -> None:
        self.verifier = verifier
        self.our_heis = tuple(our_heis)
        self.personal_data = personal_data

    # ------------------------------------------------------------ building blocks

    def _error_body(self, ex: Exchange) -> dict[str, Any]:
        """What an error answer said: the ``error-response`` messages, or an excerpt."""
        dev, user = parse_error_response(ex.body)
        if dev is not None:
            return {"developer-message": dev, "user-message": user}
        masked = mask_body(ex.body, ex.header("Content-Type"))
        return {"body": masked.text()[:_BODY_EXCERPT]}

    def _no_answer(self, check: Check, ex: Exchange) -> CheckResult | None:
        if ex.error is None:
            return None
        evidence = ex.evidence() | error_evidence(ex.error)
        return check.failed(
            f"no answer: {ex.error}", evidence, known_issue=known_issue_of(ex.error)
        )

    def verify(self, ex: Exchange) -> VerifyResult | EwpError:
        """The partner's response signature as the client checks it (or the error it raises)."""
        try:
            return self.verifier.verify(
                request=ex.sent, endpoint=ex.url, headers=ex.headers, body=ex.raw_body
            )
        except EwpError as exc:
            return exc

    def signature_problem(self, check: Check, ex: Exchange) -> CheckResult | None:
        """A failed result when the answer's signature does not verify, else ``None``."""
        verified = self.verify(ex)
        if isinstance(verified, VerifyResult):
            return None
        return check.failed(
            f"the response signature does not verify: {verified}",
            ex.evidence() | error_evidence(verified),
            known_issue=known_issue_of(verified),
        )

    def valid_tree(
        self, check: Check, ex: Exchange
    ) -> tuple[etree._ElementTree | None, CheckResult | None]:
        """The answer's tree when schema-valid, else the failed result saying why."""
        try:
            return validate(ex.body), None
        except EwpError as exc:
            student = mask_student_data(ex.body).masked > 0
            evidence = ex.evidence() | error_evidence(
                exc, personal_data=self.personal_data or not student
            )
            return None, check.failed(
                "the response is not valid against its schema",
                evidence,
                known_issue=known_issue_of(exc),
            )

    def answer(
        self, check: Check, ex: Exchange, *, issue_if_refused: str | None = None
    ) -> tuple[etree._ElementTree | None, CheckResult | None]:
        """A signed, bound, schema-valid 200's tree, or the first failure of those."""
        failure = self._no_answer(check, ex)
        if failure is not None:
            return None, failure
        if ex.status != 200:
            return None, check.failed(
                f"answered {ex.status}, expected 200",
                ex.evidence() | self._error_body(ex),
                known_issue=issue_if_refused,
            )
        failure = self.signature_problem(check, ex)
        if failure is not None:
            return None, failure
        return self.valid_tree(check, ex)

    # ------------------------------------------------------------ Echo

    def echo_accepted(self, check: Check, ex: Exchange) -> CheckResult:
        failure = self._no_answer(check, ex)
        if failure is not None:
            return failure
        if ex.status == 200:
            return check.passed("our signed request was accepted (200)", ex.evidence())
        evidence = ex.evidence() | self._error_body(ex)
        if ex.status in (401, 403):
            return check.failed(
                f"our signed request was refused ({ex.status}): does the partner's copy of the "
                "catalogue list our key for our HEI?",
                evidence,
            )
        return check.failed(f"answered {ex.status}, expected 200", evidence)

    def response_signature(self, check: Check, ex: Exchange) -> CheckResult:
        failure = self._no_answer(check, ex)
        if failure is not None:
            return failure
        verified = self.verify(ex)
        if isinstance(verified, EwpError):
            return check.failed(
                f"the response signature does not verify: {verified}",
                ex.evidence() | error_evidence(verified),
                known_issue=known_issue_of(verified),
            )
        return check.passed(
            f"signed with server key {verified.key_id[:16]}..., verified",
            ex.evidence() | {"key-id": verified.key_id, "covered": list(verified.covered)},
        )

    def request_id_echoed(self, check: Check, ex: Exchange) -> CheckResult:
        failure = self._no_answer(check, ex)
        if failure is not None:
            return failure
        sent, got = ex.sent.request_id, ex.header("X-Request-Id")
        evidence = ex.evidence() | {"x-request-id-received": got}
        if got is None:
            return check.failed(
                "the response has no X-Request-Id", evidence, "httpsig-correlation-headers"
            )
        if got != sent:
            return check.failed(
                "the response's X-Request-Id is not ours", evidence, "httpsig-correlation-headers"
            )
        return check.passed("X-Request-Id echoed", evidence)

    def clock(self, check: Check, ex: Exchange) -> CheckResult:
        """The partner's clock against ours, from the answer's ``Original-Date`` or ``Date``."""
        failure = self._no_answer(check, ex)
        if failure is not None:
            return failure
        name = "Original-Date" if ex.header("Original-Date") else "Date"
        value = ex.header(name)
        evidence: dict[str, Any] = {"header": name, "value": value}
        if value is None or ex.received_at is None:
            return check.failed("the response has no Date", evidence, "httpsig-date-bad-format")
        try:
            offset = parse_http_date(value, header=name) - ex.received_at
        except EwpError as exc:
            return check.failed(str(exc), evidence, "httpsig-date-bad-format")
        evidence |= {"offset-seconds": round(offset), "allowed-seconds": MIN_CLOCK_SKEW}
        direction = "ahead of" if offset > 0 else "behind"
        said = f"the partner's clock is {abs(offset):.0f} s {direction} ours"
        if abs(offset) >= MIN_CLOCK_SKEW:
            return check.failed(said, evidence, "httpsig-clock-skew")
        if abs(offset) >= CLOCK_WARN:
            return check.warned(said, evidence, "httpsig-clock-skew")
        return check.passed(f"clocks agree ({round(offset):+d} s)", evidence)

    def echo_answer(self, check: Check, ex: Exchange, echoes: Sequence[str]) -> CheckResult:
        tree, failure = self.answer(check, ex)
        if failure is not None or tree is None:
            return failure or check.failed("no answer")
        root = tree.getroot()
        got = [(e.text or "") for e in root if isinstance(e.tag, str) and _local(e) == "echo"]
        heis = [(e.text or "") for e in root if isinstance(e.tag, str) and _local(e) == "hei-id"]
        evidence = ex.evidence() | {"echo-sent": list(echoes), "echo-received": got}
        evidence["hei-ids"] = heis
        if got != list(echoes):
            return check.failed("the echo values did not come back as sent", evidence)
        missing = [h for h in self.our_heis if h.lower() not in {x.lower() for x in heis}]
        if missing:
            return check.warned(
                f"the partner does not see our key covering {', '.join(missing)}", evidence
            )
        return check.passed("schema-valid, echo values back in order", evidence)

    def unsigned_refused(self, check: Check, ex: Exchange) -> CheckResult:
        failure = self._no_answer(check, ex)
        if failure is not None:
            return failure
        evidence = ex.evidence() | {"www-authenticate": ex.header("WWW-Authenticate")}
        if ex.status == 401:
            return check.passed("refused with 401", evidence | self._error_body(ex))
        if ex.status == 200:
            return check.failed("answered 200 to a request without a signature", evidence)
        evidence |= self._error_body(ex)
        if ex.status == 403:
            return check.warned("refused with 403; the spec asks for 401", evidence)
        return check.failed(f"answered {ex.status}, expected 401", evidence)

    # ------------------------------------------------------------ spec's parameter rules

    def method_refused(self, check: Check, ex: Exchange) -> CheckResult:
        failure = self._no_answer(check, ex)
        if failure is not None:
            return failure
        evidence = ex.evidence() | {"allow": ex.header("Allow")}
        if ex.status == 405:
            return check.passed(f"{ex.method} refused with 405", evidence)
        return check.failed(
            f"answered {ex.method} with {ex.status}, expected 405",
            evidence | self._error_body(ex),
        )

    def unknown_ids(self, check: Check, ex: Exchange) -> CheckResult:
        tree, failure = self.answer(check, ex, issue_if_refused="unknown-ids-not-ignored")
        if failure is not None or tree is None:
            return failure or check.failed("no answer")
        items = _items(tree.getroot())
        evidence = ex.evidence() | {"items": len(items)}
        if items:
            return check.failed(
                f"listed {len(items)} item(s) for ids nobody knows",
                evidence,
                "unknown-ids-not-ignored",
            )
        return check.passed("200, signed, schema-valid, nothing listed", evidence)

    def too_many_ids(self, check: Check, ex: Exchange, limit: int) -> CheckResult:
        failure = self._no_answer(check, ex)
        if failure is not None:
            return failure
        evidence = ex.evidence() | {"limit": limit, "ids-sent": limit + 1}
        if ex.status != 400:
            return check.failed(
                f"answered {ex.status} to {limit + 1} ids (the manifest allows {limit}), "
                "expected 400",
                evidence | self._error_body(ex),
                "max-ids-violation",
            )
        return self.error_response(check, ex, evidence, f"400 for {limit + 1} ids")

    def repeated_ids(self, check: Check, ex: Exchange, limit: int) -> CheckResult:
        """More copies of one id than the limit: the official validator expects a 400 (it
        counts repeats); a server that drops repeats first is worth a warning, not a failure."""
        failure = self._no_answer(check, ex)
        if failure is not None:
            return failure
        evidence = ex.evidence() | {"limit": limit, "copies-sent": limit + 1}
        if ex.status == 200:
            return check.warned(
                f"answered 200 to one id sent {limit + 1} times (the manifest allows {limit}): "
                "the official validator expects 400",
                evidence,
                "max-ids-violation",
            )
        if ex.status != 400:
            return check.failed(
                f"answered {ex.status}, expected 400", evidence | self._error_body(ex)
            )
        return self.error_response(check, ex, evidence, f"400 for {limit + 1} copies")

    def error_response(
        self, check: Check, ex: Exchange, evidence: dict[str, Any], said: str
    ) -> CheckResult:
        """Pass an expected 4xx only with a schema-valid ``error-response`` body."""
        dev, _user = parse_error_response(ex.body)
        if dev is None:
            return check.failed(
                f"{said}, but the body is not an error-response with a developer-message",
                evidence | self._error_body(ex),
                "error-response-malformed",
            )
        try:
            validate(ex.body)
        except EwpError as exc:
            return check.failed(
                f"{said}, but its error-response is not schema-valid",
                evidence | error_evidence(exc),
                "error-response-malformed",
            )
        return check.passed(
            f"{said}, with an error-response", evidence | {"developer-message": dev}
        )

    # ------------------------------------------------------------ data

    def index(self, check: Check, ex: Exchange) -> tuple[CheckResult, tuple[str, ...]]:
        """The index answer judged, and the ids it lists."""
        tree, failure = self.answer(check, ex)
        if failure is not None or tree is None:
            return failure or check.failed("no answer"), ()
        ids = tuple((e.text or "").strip() for e in _items(tree.getroot()))
        evidence = ex.evidence() | {"ids-listed": len(ids), "first-ids": list(ids[:5])}
        return check.passed(f"200, signed, schema-valid, {len(ids)} id(s)", evidence), ids

    def round_trip(
        self,
        check: Check,
        exchanges: Sequence[tuple[str, Exchange]],
        id_of: str,
    ) -> CheckResult:
        """Each id the index listed, fetched alone, comes back (``id_of``: its element name)."""
        missing: list[str] = []
        fetched: list[str] = []
        for wanted, ex in exchanges:
            tree, failure = self.answer(check, ex)
            if failure is not None or tree is None:
                return failure or check.failed("no answer")
            ids = [(e.text or "").strip() for e in tree.getroot().iter(f"{{*}}{id_of}")]
            (fetched if wanted in ids else missing).append(wanted)
        evidence = {"fetched": fetched, "missing": missing, "requests": len(exchanges)}
        if missing:
            return check.failed(
                f"{len(missing)} id(s) the index lists are not returned by get", evidence
            )
        return check.passed(f"every id tried ({len(fetched)}) comes back from get", evidence)

    def iia_hashes(
        self,
        check: Check,
        hashes: Sequence[IiaHash],
        order: PartnerOrderError | None = None,
    ) -> CheckResult:
        """Each fetched IIA's declared ``iia-hash`` against the official kit's.

        ``order`` is what the client's checks of the copies raised about their
        partners (:func:`~ewp_client.client.iias.check_copies`), when anything.
        """
        if not hashes:
            return check.skipped("no IIA was fetched to hash")
        rows = [
            {
                "iia-id": h.iia_id,
                "declared": h.declared_hash,
                "computed": h.sha256,
                "valid-for-approval": h.valid_for_approval,
                "first-partner": h.partner_hei_ids[0] if h.partner_hei_ids else None,
            }
            for h in hashes
        ]
        evidence: dict[str, Any] = {"iias": rows}
        wrong = [h for h in hashes if h.declared_hash != h.sha256]
        if wrong:
            evidence["text-to-hash"] = wrong[0].text_to_hash
            return check.failed(
                f"{len(wrong)} declared iia-hash(es) differ from the kit's",
                evidence,
                "iia-hash-invalid",
            )
        if order is not None:
            return check.failed(str(order), evidence | error_evidence(order), known_issue_of(order))
        return check.passed(f"every iia-hash ({len(hashes)}) is the kit's", evidence)

    def approvable(self, check: Check, hashes: Sequence[IiaHash]) -> CheckResult:
        """Each fetched IIA whose hash is the kit's, through the client's approval rules.

        A refusal is a warning, not a failure: serving an IIA not yet valid for
        approval is allowed, approving it is not (a wrong hash fails the
        ``iia-hash`` check already). An IIA whose second partner has no
        ``iia-id`` is the normal state of a new agreement; only when no IIA
        fetched (of two or more) carries our id does it look like a partner
        that never records partner ids.
        """
        hashed = [h for h in hashes if h.declared_hash == h.sha256]
        if not hashed:
            return check.skipped("no IIA with the kit's hash was fetched")
        unmapped: list[IiaNotMapped] = []
        refused: list[ApprovalRefusedError] = []
        for result in hashed:
            try:
                check_approvable(result)
            except IiaNotMapped as exc:
                unmapped.append(exc)
            except ApprovalRefusedError as exc:
                refused.append(exc)
        evidence: dict[str, Any] = {
            "iias": [h.iia_id for h in hashed],
            "not-mapped": [e.remote_iia_id for e in unmapped],
        }
        if refused:
            first = refused[0]
            evidence |= error_evidence(first) | {"refused": [str(e) for e in refused]}
            return check.warned(
                f"{len(refused)} IIA(s) could not be approved: {first}",
                evidence,
                known_issue_of(first),
            )
        if len(hashed) > 1 and len(unmapped) == len(hashed):
            first_unmapped = unmapped[0]
            return check.warned(
                f"none of the {len(hashed)} IIAs fetched is mapped: {first_unmapped}",
                evidence | error_evidence(first_unmapped),
                known_issue_of(first_unmapped),
            )
        mapped = len(hashed) - len(unmapped)
        return check.passed(
            f"every mapped IIA tried ({mapped}) could be approved, {len(unmapped)} not mapped yet",
            evidence,
        )

    def ids_within_limit(self, check: Check, ex: Exchange, limit: int) -> CheckResult:
        """As many unknown ids as the manifest allows: a 200 listing nothing."""
        # a 400 refuses the number of ids; another refusal, the unknown ids
        refused = "max-ids-violation" if ex.status == 400 else "unknown-ids-not-ignored"
        sent = {"limit": limit, "ids-sent": limit}
        tree, failure = self.answer(check, ex, issue_if_refused=refused)
        if failure is not None:
            return dataclasses.replace(failure, evidence={**failure.evidence, **sent})
        if tree is None:
            return check.failed("no answer")
        return check.passed(f"200 for {limit} ids, signed, schema-valid", ex.evidence() | sent)

    def listed(self, check: Check, ex: Exchange) -> CheckResult:
        """A read of what the partner has: signed, schema-valid, listing something."""
        tree, failure = self.answer(check, ex)
        if failure is not None or tree is None:
            return failure or check.failed("no answer")
        items = _items(tree.getroot())
        evidence = ex.evidence() | {"items": len(items)}
        if not items:
            return check.failed("the answer lists nothing", evidence)
        return check.passed(f"200, signed, schema-valid, {len(items)} item(s)", evidence)

    def las(
        self, check: Check, exchanges: Sequence[Exchange]
    ) -> tuple[tuple[LearningAgreement, ...], CheckResult]:
        """The LAs of get answers, decoded as the client decodes them, and the verdict on them.

        The verdict passes; the client's LA checks, run by the caller on the
        LAs, make it a warning (see :func:`~.evidence.with_warnings`).
        """
        las: list[LearningAgreement] = []
        for ex in exchanges:
            tree, failure = self.answer(check, ex)
            if failure is not None or tree is None:
                return (), failure or check.failed("no answer")
            try:
                las += decode(tree, LasGetResponse).las
            except EwpError as exc:
                return (), check.failed(
                    f"the answer cannot be read: {exc}",
                    ex.evidence() | error_evidence(exc),
                    known_issue_of(exc),
                )
        evidence = {"las": [la.omobility_id for la in las], "requests": len(exchanges)}
        return tuple(las), check.passed(f"{len(las)} LA(s) read, signed, schema-valid", evidence)

    def proposals_compared(
        self,
        check: Check,
        first: Sequence[LearningAgreement],
        problems: Sequence[EwpWarning],
    ) -> CheckResult:
        """The second read of ``first`` as the client's proposal tracker saw it (``problems``)."""
        proposals = [la.omobility_id for la in first if la.changes_proposal is not None]
        evidence: dict[str, Any] = {"las": len(first), "with-changes-proposal": proposals}
        if not proposals:
            return check.skipped("no LA read has a changes proposal to compare", evidence)
        result = check.passed(
            f"{len(proposals)} changes proposal(s) read twice, ids stable", evidence
        )
        return with_warnings(result, problems)

    def notification(self, check: Check, ex: Exchange) -> CheckResult:
        """A CNR for an id the partner does not know: 200, signed, an empty valid answer."""
        tree, failure = self.answer(check, ex, issue_if_refused="cnr-rejects-valid-notification")
        if failure is not None or tree is None:
            return failure or check.failed("no answer")
        return check.passed("200, signed, schema-valid", ex.evidence())
