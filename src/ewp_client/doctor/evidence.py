"""What a check shows: the request sent and its answer (:class:`Exchange`), a library error
or warning as evidence, and the id of the known problem it reveals (:func:`known_issue_of`).

Which known interoperability problem an error or warning reports is the
client's to say (:mod:`ewp_client.known_issues`); the doctor only reads it,
so that the doctor and the client never name a problem differently. A
warning the client issues while a check runs (the answer was usable, but
wrong) becomes part of that check's result (:func:`with_warnings`). No I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ..errors import EwpError, EwpWarning, PartnerError, SchemaValidationError
from ..known_issues import known_issue_of as _catalogued
from ..security import SentRequest
from .report import CheckResult, Status

__all__ = [
    "Check",
    "Exchange",
    "error_evidence",
    "known_issue_of",
    "warning_evidence",
    "with_warnings",
]

#: How many schema violations the evidence lists.
_VIOLATIONS_SHOWN: Final = 5


def known_issue_of(problem: BaseException | Warning) -> str | None:
    """The id of the known problem an error or warning reports: its own ``known_issue``
    first, else the catalogue's entry for its class."""
    own = getattr(problem, "known_issue", None)
    if isinstance(own, str) and own:
        return own
    issue = _catalogued(problem)
    return issue.id if issue is not None else None


def _plain(value: Any) -> Any:
    """``value`` as a JSON value (tuples as lists, other objects as text)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


#: Attributes of errors and warnings worth showing, when they have them (a partner error's
#: ``status`` too; a signature error's is what a server would answer, not what was answered).
#: Each says what the partner sent or what we expected; none quotes student data.
_EVIDENCE_FIELDS: Final = (
    "header",
    "value",
    "key_id",
    "hint",
    "endpoint",
    "skew",
    "limit",
    "parameter",
    "developer_message",
    "url",
    "deadline",
    "bytes_read",
    "hei_id",
    "api",
    "expected",
    "got",
    "declared",
    "computed",
    "content_encoding",
    "raw_digest",
    "decoded_digest",
    "date",
    "original_date",
    "path",
    "missing",
    "sent",
    "max_ids",
    "ids",
    "defect",
    "content_type",
    "expected_hei",
    "got_hei",
    "requested",
    "got_iia_id",
    "iia_id",
    "remote_iia_id",
    "partner",
    "version",
    "reason",
    "omobility_id",
    "field",
    "first_id",
    "second_id",
    "content_changed",
    "text_to_hash",
)


def _fields(problem: BaseException | Warning) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in _EVIDENCE_FIELDS:
        value = getattr(problem, name, None)
        if value is not None and not callable(value):
            found[name.replace("_", "-")] = _plain(value)
    return found


def error_evidence(exc: BaseException, *, personal_data: bool = False) -> dict[str, Any]:
    """The library error as evidence: its type, message and the fields it carries."""
    evidence: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    evidence |= _fields(exc)
    if isinstance(exc, PartnerError):
        evidence["status"] = exc.status
    if isinstance(exc, SchemaValidationError):
        evidence.update(_violations(exc, withheld=not personal_data))
    return evidence


def warning_evidence(warning: EwpWarning) -> dict[str, Any]:
    """A client warning as evidence: its type, message and the fields it carries."""
    evidence = {"warning": type(warning).__name__, "message": str(warning)} | _fields(warning)
    status = getattr(warning, "status", None)
    if isinstance(status, int):  # a warning's status is the one the partner answered
        evidence["status"] = status
    return evidence


def with_warnings(result: CheckResult, caught: Sequence[EwpWarning]) -> CheckResult:
    """``result`` with the warnings the client issued while the check ran.

    The answer was used but is wrong: a check that passed becomes a warning
    naming the first one's known problem with its evidence; a check that failed
    or warned already keeps its verdict and lists them (``client-warnings``).
    """
    if not caught:
        return result
    listed = [warning_evidence(w) for w in caught]
    first = caught[0]
    if result.status in (Status.PASS, Status.SKIP):
        evidence = dict(result.evidence) | listed[0]
        if len(listed) > 1:
            evidence["client-warnings"] = listed[1:]
        return dataclasses.replace(
            result,
            status=Status.WARN,
            summary=str(first),
            evidence=_plain(evidence),
            known_issue=known_issue_of(first),
        )
    evidence = dict(result.evidence) | {"client-warnings": listed}
    return dataclasses.replace(
        result,
        evidence=_plain(evidence),
        known_issue=result.known_issue or known_issue_of(first),
    )


def _violations(exc: SchemaValidationError, *, withheld: bool) -> dict[str, Any]:
    shown = [
        {"line": v.line, "path": v.path, "message": None if withheld else v.message}
        for v in exc.violations[:_VIOLATIONS_SHOWN]
    ]
    evidence: dict[str, Any] = {"root": exc.root, "violations": shown, "total": exc.total}
    if withheld:
        evidence["message"] = f"<{exc.root}> is not valid against its schema"
        evidence["note"] = "violation messages withheld: the document holds student data"
    return evidence


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One request the doctor sent and what came back, or why nothing did (``error``).

    ``url`` is the endpoint without query; ``params`` what was sent (query or
    form); ``sent`` our ``X-Request-Id`` and signature, which the answer must
    echo. ``raw_body`` is the body as received (still content-encoded), the
    bytes a ``Digest`` is about; ``body`` the decoded one. ``received_at`` is
    our clock (POSIX seconds) when the answer arrived.
    """

    method: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    signed: bool = True
    sent: SentRequest = field(default_factory=SentRequest)
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    raw_body: bytes = b""
    body: bytes = b""
    received_at: float | None = None
    error: EwpError | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def evidence(self) -> dict[str, Any]:
        """The request and the answer's status line, as evidence (ids are not personal data)."""
        evidence: dict[str, Any] = {
            "request": f"{self.method} {self.url}",
            "signed": self.signed,
        }
        if self.params:
            evidence["parameters"] = [f"{k}={v}" for k, v in self.params]
        if self.sent.request_id:
            evidence["x-request-id-sent"] = self.sent.request_id
        if self.status is not None:
            evidence["status"] = self.status
            evidence["content-type"] = self.header("Content-Type")
        return evidence


@dataclass(frozen=True, slots=True)
class Check:
    """What one check is (its id, title, API and endpoint); makes its results."""

    id: str
    title: str
    api: str | None = None
    url: str | None = None

    def result(
        self,
        status: Status,
        summary: str,
        evidence: Mapping[str, Any] | None = None,
        known_issue: str | None = None,
    ) -> CheckResult:
        return CheckResult(
            id=self.id,
            title=self.title,
            status=status,
            summary=summary,
            api=self.api,
            url=self.url,
            evidence=_plain(dict(evidence or {})),
            known_issue=known_issue,
        )

    def passed(self, summary: str, evidence: Mapping[str, Any] | None = None) -> CheckResult:
        return self.result(Status.PASS, summary, evidence)

    def failed(
        self,
        summary: str,
        evidence: Mapping[str, Any] | None = None,
        known_issue: str | None = None,
    ) -> CheckResult:
        return self.result(Status.FAIL, summary, evidence, known_issue)

    def warned(
        self,
        summary: str,
        evidence: Mapping[str, Any] | None = None,
        known_issue: str | None = None,
    ) -> CheckResult:
        return self.result(Status.WARN, summary, evidence, known_issue)

    def skipped(self, summary: str, evidence: Mapping[str, Any] | None = None) -> CheckResult:
        return self.result(Status.SKIP, summary, evidence)
