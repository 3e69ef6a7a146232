"""Outgoing Mobility Learning Agreements v1.2, as the receiving HEI calls them.

The receiving HEI reads the sending HEI's learning agreements (``get``,
``index``, ``stats``) and approves or comments on their changes proposals
(``update``). Everything that needs no I/O lives in module functions (the
:class:`~ewp_client.client.EwpCall` of each operation, decoding answers,
deciding what a failed update means); :class:`LasClient` and
:class:`AsyncLasClient` only send.

Updates and edit conflicts
--------------------------
An update names the proposal it approves or comments on by its id, and the
sending HEI answers 409 (:class:`~ewp_client.errors.EditConflict`) when that
id is no longer current. Updates are never repeated blindly. After a timeout
(:class:`~ewp_client.errors.TransportError`), a 5xx or a 409 the client
re-reads the LA to learn whether its own decision is already recorded:

* an approval is recorded when the approved proposal has become the LA's
  ``first-version`` or ``approved-changes`` carrying our signature as the
  ``receiving-hei-signature`` (the get-response schema allows that signature
  to be absent only inside a ``changes-proposal``);
* a comment is recorded when the commented ``changes-proposal`` (same id) is
  still there and carries our signature as its ``receiving-hei-signature``
  (the get-response schema has no element for the comment itself; a sending
  HEI that shows the rejection does so through that signature). Many do not
  (the signature would change the proposal, and with it its id, which must
  change only with the content; our mock partner does not): when the proposal
  is still current and unsigned, the error says that the re-read cannot tell,
  rather than that the comment was not recorded.

A signature is "ours" when its timestamp is the same instant (to the second)
and its signer name and e-mail are the same as in the request. When the
decision is recorded the client raises :class:`~ewp_client.errors.AlreadyApplied`;
otherwise :class:`~ewp_client.errors.LaUpdateError`, so that the caller
refetches and decides again. Both are raised from the original error and carry
it (``error``), the request the user made (``update_request``, which can be
sent again with :meth:`LasClient.update` once the user has confirmed it) and
the LA as re-read (``learning_agreement``). Every failure of an update is one
of these two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from ..codec import decode, encode
from ..errors import (
    AlreadyApplied,
    ConfigError,
    EditConflict,
    EwpError,
    LaUpdateError,
    PartnerServerError,
    TransportError,
)
from ..models import (
    ApproveProposalV1,
    CommentProposalV1,
    LasGetResponse,
    LasIndexResponse,
    LasStatsResponse,
    LasUpdateRequest,
    LasUpdateResponse,
    LearningAgreement,
    Signature,
)
from ..models.la import MobilityType
from ..namespaces import OMOBILITY_LAS_API
from ..ola.consistency import ProposalTracker, student_name_problems
from ..partner_warnings import issue
from .async_ import AsyncEwpClient
from .base import MAX_GET_QUERY_LENGTH, Answer, EwpCall, PartnerApi, read_call, unique_batches
from .retry import CallKind
from .sync import EwpClient

__all__ = [
    "MAX_GET_QUERY_LENGTH",
    "MAX_OMOBILITY_IDS",
    "AsyncLasClient",
    "LaChecks",
    "LasClient",
    "MobilityType",
    "Signer",
    "approve_request",
    "comment_request",
    "failed_update",
    "get_calls",
    "index_call",
    "is_recorded",
    "merge_get_answers",
    "settle_failed_update",
    "stats_call",
    "update_call",
]

#: The manifest parameter limiting how many ids one ``get`` may carry.
MAX_OMOBILITY_IDS: Final = "max-omobility-ids"

#: Errors after which an update may or may not have been applied.
_UNCERTAIN: Final = (TransportError, PartnerServerError, EditConflict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Signer:
    """Who at the receiving HEI approves or comments, and when.

    The spec requires name, position and e-mail on every signature other than
    the student's. ``timestamp`` must be timezone-aware: it is what tells our
    decision apart when the client re-reads the LA after a failure, so keep
    the :class:`Signer` (or the request, :attr:`LaUpdateError.update_request`) to
    resend the same decision.
    """

    name: str
    position: str
    email: str
    timestamp: datetime
    app: str | None = None

    def __post_init__(self) -> None:
        for label, value in (
            ("name", self.name),
            ("position", self.position),
            ("email", self.email),
        ):
            if not value.strip():
                raise ConfigError(f"a receiving HEI signature needs the signer's {label}")
        if self.timestamp.tzinfo is None or self.timestamp.utcoffset() is None:
            raise ConfigError("the signature timestamp must be timezone-aware")

    def signature(self) -> Signature:
        return Signature(
            signer_name=self.name,
            signer_position=self.position,
            signer_email=self.email,
            timestamp=self.timestamp,
            signer_app=self.app,
        )


# ------------------------------------------------------------------- requests


def get_calls(
    sending_hei_id: str,
    omobility_ids: Sequence[str],
    *,
    max_ids: int,
    max_query_length: int = MAX_GET_QUERY_LENGTH,
) -> list[EwpCall]:
    """The ``get`` calls fetching ``omobility_ids``, at most ``max_ids`` per call, in order.

    Repeated ids are asked for once. Each call is a GET unless its query would
    be longer than ``max_query_length``.
    """
    return [
        read_call(
            OMOBILITY_LAS_API,
            sending_hei_id,
            "get-url",
            [("sending_hei_id", sending_hei_id), *(("omobility_id", i) for i in batch)],
            max_query_length,
        )
        for batch in unique_batches(omobility_ids, max_ids)
    ]


def index_call(
    sending_hei_id: str,
    *,
    receiving_hei_id: str | Sequence[str] | None = None,
    receiving_academic_year_id: str | None = None,
    global_id: str | None = None,
    mobility_type: MobilityType | str | None = None,
    modified_since: datetime | None = None,
    max_query_length: int = MAX_GET_QUERY_LENGTH,
) -> EwpCall:
    """The ``index`` call with the given filters (``receiving_hei_id`` may repeat)."""
    params = [("sending_hei_id", sending_hei_id)]
    receivers = [receiving_hei_id] if isinstance(receiving_hei_id, str) else receiving_hei_id
    params += [("receiving_hei_id", r) for r in receivers or ()]
    if receiving_academic_year_id is not None:
        params.append(("receiving_academic_year_id", receiving_academic_year_id))
    if global_id is not None:
        params.append(("global_id", global_id))
    if mobility_type is not None:
        try:
            params.append(("mobility_type", MobilityType(mobility_type).value))
        except ValueError:
            raise ConfigError(
                f"mobility_type must be one of {', '.join(MobilityType)}, not {mobility_type!r}"
            ) from None
    if modified_since is not None:
        if modified_since.tzinfo is None or modified_since.utcoffset() is None:
            raise ConfigError("modified_since must be timezone-aware")
        params.append(("modified_since", modified_since.isoformat()))
    return read_call(OMOBILITY_LAS_API, sending_hei_id, "index-url", params, max_query_length)


def stats_call(sending_hei_id: str) -> EwpCall:
    """The ``stats`` call (a plain GET, the endpoint takes no parameters)."""
    return read_call(OMOBILITY_LAS_API, sending_hei_id, "stats-url")


def approve_request(
    sending_hei_id: str, omobility_id: str, changes_proposal_id: str, signer: Signer
) -> LasUpdateRequest:
    """The update approving (signing) changes proposal ``changes_proposal_id``."""
    return LasUpdateRequest(
        sending_hei_id=sending_hei_id,
        action=ApproveProposalV1(
            omobility_id=omobility_id,
            changes_proposal_id=changes_proposal_id,
            signature=signer.signature(),
        ),
    )


def comment_request(
    sending_hei_id: str,
    omobility_id: str,
    changes_proposal_id: str,
    signer: Signer,
    comment: str,
) -> LasUpdateRequest:
    """The update commenting on (rejecting) changes proposal ``changes_proposal_id``."""
    if not comment.strip():
        raise ConfigError("a comment on a changes proposal cannot be empty")
    return LasUpdateRequest(
        sending_hei_id=sending_hei_id,
        action=CommentProposalV1(
            omobility_id=omobility_id,
            changes_proposal_id=changes_proposal_id,
            comment=comment,
            signature=signer.signature(),
        ),
    )


def update_call(request: LasUpdateRequest) -> EwpCall:
    """The ``update`` POST carrying ``request`` (schema-validated before it leaves)."""
    return EwpCall(
        validate=False,
        api=OMOBILITY_LAS_API,
        hei_id=request.sending_hei_id,
        endpoint="update-url",
        method="POST",
        body=encode(request),
        kind=CallKind.UPDATE,
    )


# ------------------------------------------------------------------- answers


def merge_get_answers(
    answers: Iterable[Answer], omobility_ids: Sequence[str]
) -> tuple[LearningAgreement, ...]:
    """The LAs of every ``get`` answer, in the order of ``omobility_ids``.

    Partners answer in any order; an LA nobody asked for (which a partner
    should not send) is kept, after the others, rather than dropped.
    """
    las = [la for answer in answers for la in decode(answer.tree, LasGetResponse).las]
    rank = {omobility_id: n for n, omobility_id in enumerate(dict.fromkeys(omobility_ids))}
    return tuple(sorted(las, key=lambda la: rank.get(la.omobility_id, len(rank))))


def _find(las: Iterable[LearningAgreement], omobility_id: str) -> LearningAgreement | None:
    return next((la for la in las if la.omobility_id == omobility_id), None)


def _same_signer(recorded: Signature | None, sent: Signature) -> bool:
    if recorded is None:
        return False
    return (
        recorded.signer_name == sent.signer_name
        and recorded.signer_email == sent.signer_email
        and recorded.timestamp.replace(microsecond=0) == sent.timestamp.replace(microsecond=0)
    )


def is_recorded(request: LasUpdateRequest, la: LearningAgreement) -> bool:
    """Whether ``la`` (as re-read from the sending HEI) shows the decision in ``request``."""
    action = request.action
    if isinstance(action, ApproveProposalV1):
        return any(
            snapshot is not None
            and _same_signer(snapshot.receiving_hei_signature, action.signature)
            for snapshot in (la.approved_changes, la.first_version)
        )
    proposal = la.changes_proposal
    return (
        proposal is not None
        and proposal.id == action.changes_proposal_id
        and _same_signer(proposal.receiving_hei_signature, action.signature)
    )


def _still_current(action: ApproveProposalV1 | CommentProposalV1, la: LearningAgreement) -> bool:
    """Whether a comment's proposal is still the LA's current one, unsigned by the receiving HEI."""
    proposal = la.changes_proposal
    return (
        isinstance(action, CommentProposalV1)
        and proposal is not None
        and proposal.id == action.changes_proposal_id
        and proposal.receiving_hei_signature is None
    )


def _describe(action: ApproveProposalV1 | CommentProposalV1) -> str:
    verb = "approval" if isinstance(action, ApproveProposalV1) else "comment"
    return (
        f"our {verb} of changes proposal {action.changes_proposal_id!r} "
        f"of mobility {action.omobility_id!r}"
    )


def failed_update(request: LasUpdateRequest, error: EwpError) -> LaUpdateError:
    """What an update raises after ``error`` when the LA is not re-read (a 400, a bad answer)."""
    return LaUpdateError(
        f"{_describe(request.action)} failed: {error}", update_request=request, error=error
    )


def settle_failed_update(
    request: LasUpdateRequest, error: EwpError, reread: LearningAgreement | EwpError | None
) -> LaUpdateError:
    """What an update raises after ``error``, given the LA as re-read.

    ``reread`` is the LA (``None``: the partner no longer shows it) or the
    error re-reading it raised. :class:`AlreadyApplied` when the LA shows our
    decision, else :class:`LaUpdateError` saying what the re-read found.
    """
    action = request.action
    what = _describe(action)
    if isinstance(reread, EwpError):
        return LaUpdateError(
            f"{what} failed: {error}; re-reading the LA failed too: {reread}",
            update_request=request,
            error=error,
            reread=True,
            reread_error=reread,
        )
    if reread is not None and is_recorded(request, reread):
        return AlreadyApplied(
            f"{what} is already recorded by {request.sending_hei_id} (after: {error})",
            update_request=request,
            error=error,
            reread=True,
            learning_agreement=reread,
        )
    if reread is None:
        found = f"{request.sending_hei_id} no longer shows mobility {action.omobility_id!r}"
    elif _still_current(action, reread):
        found = (
            f"changes proposal {action.changes_proposal_id!r} is still current; whether our "
            f"comment was recorded cannot be seen (a get response has no element for a "
            f"comment, and {request.sending_hei_id} does not sign the proposal for us): "
            f"ask the sending HEI before commenting again"
        )
    else:
        current = reread.changes_proposal.id if reread.changes_proposal is not None else None
        found = f"it is not recorded; the current changes proposal is {current!r}"
    return LaUpdateError(
        f"{what} failed: {error}; re-read: {found}",
        update_request=request,
        error=error,
        reread=True,
        learning_agreement=reread,
    )


def _locator(sending_hei_id: str) -> EwpCall:
    """A call that only serves to find the partner's manifest entry (and its limits)."""
    return read_call(OMOBILITY_LAS_API, sending_hei_id, "get-url")


class LaChecks:
    """The checks every LA read goes through; the call succeeds, problems are warnings.

    The business rule the XSD leaves out (the student's names,
    :func:`~ewp_client.ola.consistency.student_name_problems`) and, across the
    reads made through one client, the stability of changes-proposal ids and of
    approvals (:class:`~ewp_client.ola.consistency.ProposalTracker`).
    """

    def __init__(self) -> None:
        self.proposals = ProposalTracker()

    def checked(
        self, sending_hei_id: str, las: tuple[LearningAgreement, ...]
    ) -> tuple[LearningAgreement, ...]:
        for la in las:
            for problem in [
                *student_name_problems(la),
                *self.proposals.observe(sending_hei_id, la),
            ]:
                issue(problem, stacklevel=4)
        return las


# ------------------------------------------------------------------- clients


class LasClient(PartnerApi[EwpClient]):
    """The OMobility LAs operations of a receiving HEI, over an :class:`EwpClient`.

    LAs read are checked (:class:`LaChecks`, ``checks``): problems the partner
    should fix are issued as :class:`~ewp_client.errors.EwpWarning` subclasses.
    """

    def __init__(self, client: EwpClient, *, max_query_length: int = MAX_GET_QUERY_LENGTH) -> None:
        super().__init__(client, max_query_length=max_query_length)
        self.checks = LaChecks()

    def get(
        self, sending_hei_id: str, omobility_ids: Sequence[str]
    ) -> tuple[LearningAgreement, ...]:
        """The LAs of ``omobility_ids`` the partner lets us see (unknown ids are left out)."""
        if not omobility_ids:
            return ()
        locator = _locator(sending_hei_id)
        max_ids = self.client.max_ids(locator, MAX_OMOBILITY_IDS)
        calls = get_calls(
            sending_hei_id, omobility_ids, max_ids=max_ids, max_query_length=self.max_query_length
        )
        answers = self.client.read_ids(calls, "omobility_id", max_ids)
        return self.checks.checked(sending_hei_id, merge_get_answers(answers, omobility_ids))

    def get_one(self, sending_hei_id: str, omobility_id: str) -> LearningAgreement | None:
        return _find(self.get(sending_hei_id, [omobility_id]), omobility_id)

    def index(
        self,
        sending_hei_id: str,
        receiving_hei_id: str | Sequence[str] | None = None,
        receiving_academic_year_id: str | None = None,
        global_id: str | None = None,
        mobility_type: MobilityType | str | None = None,
        modified_since: datetime | None = None,
    ) -> tuple[str, ...]:
        """The omobility ids of the LAs matching every given filter."""
        call = index_call(
            sending_hei_id,
            receiving_hei_id=receiving_hei_id,
            receiving_academic_year_id=receiving_academic_year_id,
            global_id=global_id,
            mobility_type=mobility_type,
            modified_since=modified_since,
            max_query_length=self.max_query_length,
        )
        return decode(self.client.call(call).tree, LasIndexResponse).omobility_ids

    def stats(self, sending_hei_id: str) -> LasStatsResponse:
        """The sending HEI's counters of its outgoing LAs, per receiving academic year."""
        return decode(self.client.call(stats_call(sending_hei_id)).tree, LasStatsResponse)

    def approve(
        self, sending_hei_id: str, omobility_id: str, changes_proposal_id: str, signer: Signer
    ) -> LasUpdateResponse:
        """Approve (sign) the changes proposal ``changes_proposal_id``."""
        return self.update(
            approve_request(sending_hei_id, omobility_id, changes_proposal_id, signer)
        )

    def comment(
        self,
        sending_hei_id: str,
        omobility_id: str,
        changes_proposal_id: str,
        signer: Signer,
        comment: str,
    ) -> LasUpdateResponse:
        """Comment on (reject) the changes proposal ``changes_proposal_id``."""
        return self.update(
            comment_request(sending_hei_id, omobility_id, changes_proposal_id, signer, comment)
        )

    def update(self, request: LasUpdateRequest) -> LasUpdateResponse:
        """Send ``request`` once; see the module docstring for what a failure raises."""
        try:
            return decode(self.client.call(update_call(request)).tree, LasUpdateResponse)
        except _UNCERTAIN as exc:
            raise settle_failed_update(request, exc, self._reread(request)) from exc
        except EwpError as exc:
            raise failed_update(request, exc) from exc

    def _reread(self, request: LasUpdateRequest) -> LearningAgreement | EwpError | None:
        """The LA ``request`` was updating, re-read, or the error re-reading it raised."""
        try:
            return self.get_one(request.sending_hei_id, request.action.omobility_id)
        except EwpError as exc:
            return exc


class AsyncLasClient(PartnerApi[AsyncEwpClient]):
    """The async twin of :class:`LasClient`, over an :class:`AsyncEwpClient`."""

    def __init__(
        self, client: AsyncEwpClient, *, max_query_length: int = MAX_GET_QUERY_LENGTH
    ) -> None:
        super().__init__(client, max_query_length=max_query_length)
        self.checks = LaChecks()

    async def get(
        self, sending_hei_id: str, omobility_ids: Sequence[str]
    ) -> tuple[LearningAgreement, ...]:
        """The LAs of ``omobility_ids`` the partner lets us see (unknown ids are left out)."""
        if not omobility_ids:
            return ()
        locator = _locator(sending_hei_id)
        max_ids = await self.client.max_ids(locator, MAX_OMOBILITY_IDS)
        calls = get_calls(
            sending_hei_id, omobility_ids, max_ids=max_ids, max_query_length=self.max_query_length
        )
        answers = await self.client.read_ids(calls, "omobility_id", max_ids)
        return self.checks.checked(sending_hei_id, merge_get_answers(answers, omobility_ids))

    async def get_one(self, sending_hei_id: str, omobility_id: str) -> LearningAgreement | None:
        return _find(await self.get(sending_hei_id, [omobility_id]), omobility_id)

    async def index(
        self,
        sending_hei_id: str,
        receiving_hei_id: str | Sequence[str] | None = None,
        receiving_academic_year_id: str | None = None,
        global_id: str | None = None,
        mobility_type: MobilityType | str | None = None,
        modified_since: datetime | None = None,
    ) -> tuple[str, ...]:
        """The omobility ids of the LAs matching every given filter."""
        call = index_call(
            sending_hei_id,
            receiving_hei_id=receiving_hei_id,
            receiving_academic_year_id=receiving_academic_year_id,
            global_id=global_id,
            mobility_type=mobility_type,
            modified_since=modified_since,
            max_query_length=self.max_query_length,
        )
        return decode((await self.client.call(call)).tree, LasIndexResponse).omobility_ids

    async def stats(self, sending_hei_id: str) -> LasStatsResponse:
        """The sending HEI's counters of its outgoing LAs, per receiving academic year."""
        answer = await self.client.call(stats_call(sending_hei_id))
        return decode(answer.tree, LasStatsResponse)

    async def approve(
        self, sending_hei_id: str, omobility_id: str, changes_proposal_id: str, signer: Signer
    ) -> LasUpdateResponse:
        """Approve (sign) the changes proposal ``changes_proposal_id``."""
        return await self.update(
            approve_request(sending_hei_id, omobility_id, changes_proposal_id, signer)
        )

    async def comment(
        self,
        sending_hei_id: str,
        omobility_id: str,
        changes_proposal_id: str,
        signer: Signer,
        comment: str,
    ) -> LasUpdateResponse:
        """Comment on (reject) the changes proposal ``changes_proposal_id``."""
        return await self.update(
            comment_request(sending_hei_id, omobility_id, changes_proposal_id, signer, comment)
        )

    async def update(self, request: LasUpdateRequest) -> LasUpdateResponse:
        """Send ``request`` once; see the module docstring for what a failure raises."""
        try:
            answer = await self.client.call(update_call(request))
            return decode(answer.tree, LasUpdateResponse)
        except _UNCERTAIN as exc:
            raise settle_failed_update(request, exc, await self._reread(request)) from exc
        except EwpError as exc:
            raise failed_update(request, exc) from exc

    async def _reread(self, request: LasUpdateRequest) -> LearningAgreement | EwpError | None:
        """The LA ``request`` was updating, re-read, or the error re-reading it raised."""
        try:
            return await self.get_one(request.sending_hei_id, request.action.omobility_id)
        except EwpError as exc:
            return exc
