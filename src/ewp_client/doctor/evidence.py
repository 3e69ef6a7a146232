"""What a check shows: the request sent and its answer (:class:`Exchange`), a library error
as evidence, and the id of the catalogued problem it reveals (:func:`known_issue_of`).

The catalogue is the list of interoperability problems EWP providers keep
running into (``known-issues``); a failure that is one of them carries its id,
so that an engineer reading a report can look the problem up by name. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ..errors import (
    ClockSkewError,
    DateError,
    DigestError,
    EwpError,
    KeyNotAuthorizedError,
    MissingSignedHeaderError,
    PartnerError,
    ResponseBindingError,
    SchemaValidationError,
    UnknownKeyError,
    UnsignedResponseError,
)
from ..security import SentRequest
from .report import CheckResult, Status

__all__ = ["KNOWN_ISSUES", "Check", "Exchange", "error_evidence", "known_issue_of"]

#: How many schema violations the evidence lists.
_VIOLATIONS_SHOWN: Final = 5

#: Catalogued problems (``known-issues``) by the library error that reveals them; the
#: first class the error is an instance of wins. An error's own ``known_issue`` wins over all.
KNOWN_ISSUES: Final[tuple[tuple[type[EwpError], str], ...]] = (
    (UnsignedResponseError, "httpsig-response-unsigned"),
    (ResponseBindingError, "httpsig-correlation-headers"),
    (UnknownKeyError, "httpsig-keyid-unknown"),
    (KeyNotAuthorizedError, "httpsig-keyid-unknown"),
    (DigestError, "httpsig-digest-mismatch"),
    (ClockSkewError, "httpsig-clock-skew"),
    (DateError, "httpsig-date-bad-format"),
)
#: Catalogued schema problems by what the validator's violation messages say.
_SCHEMA_ISSUES: Final = (
    (
        ("a required child element is missing", "required attribute"),
        "schema-required-field-missing",
    ),
    (("is not a valid", "is not one of", "does not match the pattern"), "invalid-value-format"),
)
_CORRELATION_HEADERS: Final = frozenset({"x-request-id", "x-request-signature"})


def known_issue_of(exc: BaseException) -> str | None:
    """The catalogue id of the problem ``exc`` reveals, when it is a catalogued one."""
    own = getattr(exc, "known_issue", None)
    if isinstance(own, str) and own:
        return own
    if isinstance(exc, MissingSignedHeaderError):
        return "httpsig-correlation-headers" if exc.header in _CORRELATION_HEADERS else None
    if isinstance(exc, SchemaValidationError):
        messages = [v.message for v in exc.violations]
        for signs, issue in _SCHEMA_ISSUES:
            if any(sign in m for m in messages for sign in signs):
                return issue
        return None
    for cls, issue in KNOWN_ISSUES:
        if isinstance(exc, cls):
            return issue
    return None


def _plain(value: Any) -> Any:
    """``value`` as a JSON value (tuples as lists, other objects as text)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


#: Error attributes worth showing, when the error has them (a partner error's ``status``
#: too; a signature error's is what a server would answer, not what was answered).
_ERROR_FIELDS: Final = (
    "header",
    "key_id",
    "skew",
    "limit",
    "parameter",
    "developer_message",
    "url",
    "deadline",
    "bytes_read",
    "hei_id",
    "api",
)


def error_evidence(exc: BaseException, *, personal_data: bool = False) -> dict[str, Any]:
    """The library error as evidence: its type, message and the fields it carries."""
    evidence: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, PartnerError):
        evidence["status"] = exc.status
    for name in _ERROR_FIELDS:
        value = getattr(exc, name, None)
        if value is not None and not callable(value):
            evidence[name.replace("_", "-")] = _plain(value)
    if isinstance(exc, SchemaValidationError):
        evidence.update(_violations(exc, withheld=not personal_data))
    return evidence


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
