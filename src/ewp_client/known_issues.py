"""The known EWP interoperability problems, and the error or warning that names each one.

The ids are those of the known-issues catalogue (its table 1). Each entry says
how the client reports the problem: ``raises`` (the answer cannot be used: an
:class:`~ewp_client.errors.EwpError` subclass) or warns (the call succeeds and
an :class:`~ewp_client.errors.EwpWarning` subclass is issued with
:func:`warnings.warn`), the classes that carry it, and where it is found.
Every class listed has ``known_issue`` set to the entry's id, so
``known_issue_of(error)`` reads it back from anything caught.

A problem that needs history across runs (``iia-copy-stale-no-refresh``,
``la-cnr-missing-after-update``) has its class and a pure check here
(:func:`~ewp_client.iia.partner_copies.copy_divergence`,
:func:`~ewp_client.ola.consistency.missing_cnr_after_update`); the store that
keeps what earlier runs saw calls them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from . import errors as e

__all__ = ["KNOWN_ISSUES", "KnownIssue", "known_issue_of"]

Reporter = type[e.EwpError] | type[e.EwpWarning]


@dataclass(frozen=True, slots=True)
class KnownIssue:
    """One catalogue row: its ``id``, a one-line ``summary``, and who reports it.

    ``reported_by`` is the main class first, then the others; ``raises`` says
    whether the main class is an error (the call fails) or a warning (it
    succeeds); ``where`` names the place the client looks.
    """

    id: str
    summary: str
    reported_by: tuple[Reporter, ...]
    where: str

    @property
    def raises(self) -> bool:
        return issubclass(self.reported_by[0], e.EwpError)


def _issue(id: str, summary: str, where: str, *reported_by: Reporter) -> KnownIssue:
    return KnownIssue(id=id, summary=summary, reported_by=reported_by, where=where)


_ISSUES: Final = (
    _issue(
        "iia-approval-missing-iia-id",
        "an <approval> without <iia-id> (unapproved IIAs must be omitted)",
        "schema validation of an IIA Approval answer",
        e.ApprovalWithoutIiaId,
    ),
    _issue(
        "unknown-ids-not-ignored",
        "a get for unknown ids answered 400/404 instead of 200 without them",
        "IiasClient / IiaApprovalClient / LasClient .get",
        e.UnknownIdNotIgnored,
    ),
    _issue(
        "iia-approval-stale-hash",
        "the partner approved an older version of our IIA (hash not the current one)",
        "IiaApprovalClient.status",
        e.StaleApproval,
    ),
    _issue(
        "iia-hash-invalid",
        "the declared iia-hash is not the kit's hash of the IIA",
        "IiasClient.get (warning); approving the copy (error)",
        e.IiaHashInvalid,
        e.IiaHashError,
    ),
    _issue(
        "iia-not-valid-for-approval",
        "an IIA the kit says is not valid for approval (v6 markers) is approved",
        "approving a copy (error); IiaApprovalClient.status (warning)",
        e.NotValidForApproval,
        e.ApprovalOfInvalidIia,
    ),
    _issue(
        "iia-missing-language-skill",
        "a student-studies or staff-teacher spec without recommended-language-skill",
        "schema validation of an IIAs get answer",
        e.MissingLanguageSkill,
    ),
    _issue(
        "iia-partner-id-not-mapped",
        "the second partner has no iia-id, yet approval is used",
        "approving a copy (error); IiaApprovalClient.status with partner copies (warning)",
        e.IiaNotMapped,
        e.ApprovalOfUnmappedIia,
    ),
    _issue(
        "iia-copy-stale-no-refresh",
        "a partner's copy changed without a CNR",
        "copy_divergence() over the copies kept from earlier runs",
        e.CopyDivergence,
    ),
    _issue(
        "iia-first-partner-mismatch",
        "the first <partner> is not the serving HEI with the asked iia-id",
        "IiasClient.get",
        e.PartnerOrderError,
    ),
    _issue(
        "max-ids-violation",
        "more ids than max-*-ids sent, or a batch within the max refused",
        "the get of IIAs, Approval and LAs",
        e.MaxIdsExceeded,
        e.MaxIdsNotHonoured,
    ),
    _issue(
        "cnr-rejects-valid-notification",
        "a CNR receiver answered 4xx to a valid notification",
        "IiaCnrClient / LaCnrClient .notify",
        e.CnrRejected,
    ),
    _issue(
        "la-cnr-missing-after-update",
        "no LA CNR after a successful update",
        "missing_cnr_after_update() over the updates and CNRs kept",
        e.MissingCnrAfterUpdate,
    ),
    _issue(
        "la-update-409-conflict",
        "an LA update answered 409 (often a duplicate overwriting a success)",
        "LasClient.update (error); LasClient.get across reads (warning)",
        e.EditConflict,
        e.LaApprovalRegressed,
    ),
    _issue(
        "la-changes-proposal-id-unstable",
        "changes-proposal/@id changes without its content, or stays when it changes",
        "LasClient.get across reads",
        e.UnstableChangesProposalId,
    ),
    _issue(
        "la-student-family-name-missing",
        "the LA's student lacks family-name or given-names (beyond the XSD)",
        "LasClient.get",
        e.StudentNameMissing,
    ),
    _issue(
        "error-response-malformed",
        "an error answer that is not a proper error-response, or a 200 carrying one",
        "EwpClient.call",
        e.MalformedErrorResponse,
        e.ErrorResponseOn200,
    ),
    _issue(
        "schema-required-field-missing",
        "a required element is absent",
        "schema validation of every answer",
        e.RequiredElementMissing,
    ),
    _issue(
        "invalid-value-format",
        "values in the wrong format (e-mail, URL, pattern)",
        "schema validation of every answer",
        e.InvalidValueFormat,
    ),
    _issue(
        "httpsig-date-bad-format",
        "Date / Original-Date not in RFC 1123 GMT form",
        "response (and request) signature verification",
        e.InvalidDateHeader,
    ),
    _issue(
        "httpsig-clock-skew",
        "a signed date more than 5 minutes off",
        "response (and request) signature verification",
        e.ClockSkewError,
    ),
    _issue(
        "httpsig-digest-mismatch",
        "the Digest does not match the bytes received (often computed before gzip)",
        "response (and request) signature verification",
        e.DigestComputedBeforeEncoding,
        e.DigestMismatch,
    ),
    _issue(
        "httpsig-date-rewritten-by-proxy",
        "Date replaced after signing",
        "response signature verification",
        e.DateMayBeRewritten,
        e.DateRewritten,
    ),
    _issue(
        "httpsig-response-unsigned",
        "a response without Signature although one was asked for",
        "response signature verification",
        e.UnsignedResponseError,
    ),
    _issue(
        "httpsig-correlation-headers",
        "X-Request-Id / X-Request-Signature not echoed, wrong, or not signed",
        "response signature verification",
        e.ResponseCorrelationError,
        e.CorrelationHeaderNotSigned,
        e.ResponseBindingError,
    ),
    _issue(
        "httpsig-keyid-unknown",
        "a keyId the catalogue does not publish, or not for this API",
        "response signature verification (after one catalogue refresh)",
        e.UnknownSigningKey,
        e.KeyNotAuthorizedForApi,
        e.UnknownKeyError,
        e.KeyNotAuthorizedError,
    ),
)

#: Catalogue id -> :class:`KnownIssue`, in the catalogue's order.
KNOWN_ISSUES: Final[Mapping[str, KnownIssue]] = MappingProxyType({i.id: i for i in _ISSUES})


def known_issue_of(problem: BaseException | Warning | type) -> KnownIssue | None:
    """The catalogue entry an error or warning (instance or class) reports, if any."""
    cls = problem if isinstance(problem, type) else type(problem)
    issue_id = getattr(cls, "known_issue", None)
    return KNOWN_ISSUES.get(issue_id) if isinstance(issue_id, str) else None
