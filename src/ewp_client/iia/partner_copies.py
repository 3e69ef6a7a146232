"""Our copies of the IIAs partners serve: what a node keeps after acting on an IIA CNR.

A partner's IIA CNR only says "fetch ``iia_id`` again". The receiver answers
200 at once (unknown ids too), fetches the copy from the partner's IIAs v7
``get`` endpoint, and hands the result to :meth:`PartnerCopies.refreshed`,
which returns the new book and a :class:`CopyChange` saying what happened.
Everything here is pure: the node does the fetching and the answering.

Why the book keeps more than the latest copy
--------------------------------------------
The spec serves one copy per IIA, with no history, and the partner may modify
it at any time, including after we approved it. Our approval (IIA Approval v2)
quotes the hash of the version we approved, so that version must outlive the
partner's changes: :attr:`PartnerCopy.approved` keeps the copy approved and
its hash, unchanged when a later fetch brings another hash, and
:attr:`CopyChange.approval_outdated` then says our approval refers to an older
version (the partner must be approved again, or revert).

Deletion
--------
An IIA never mutually approved may be deleted by the HEI serving it: it leaves
every endpoint, a CNR is sent, and its id is never used again. So an IIA
absent from a *successful* ``get`` is a deleted one (an error fetching it is
no evidence of anything; do not refresh then). Its copy leaves
:attr:`PartnerCopies.copies` but is kept in :attr:`PartnerCopies.deleted`, with
our approval if we had given one, so the history is never silently dropped.
A mutually approved IIA must be modified or terminated, never deleted: when
the caller passes its own :class:`~ewp_client.iia.IiaBook` and it shows the
agreement was mutually approved, the change carries the anomaly
:attr:`CopyAnomaly.DELETED_AFTER_MUTUAL_APPROVAL`. A copy reappearing under a
deleted id breaks the never-reuse rule (:attr:`CopyAnomaly.ID_REUSED`); the
approval kept with the deleted copy comes back with it, since it is still the
version our Approval API quoted.

Which fetch to keep
-------------------
The kit reads ``terminated-as-a-whole``, ``not-yet-defined`` and ``v6-value``
response-wide, so an IIA fetched in a batch can hash differently from the same
IIA fetched alone. Refresh with the copy fetched alone
(:meth:`~ewp_client.client.IiasClient.get_one`), which is the one approved.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ..client.iias import IiaCopy, copies_of
from ..codec import encode
from ..errors import ConfigError, CopyDivergence, IiaLifecycleError
from ..models.iia import Iia, IiasGetResponse
from .approval import ApprovalRecord, approve
from .lifecycle import IiaBook, IiaNotification, NotificationKind

__all__ = [
    "ApprovedSnapshot",
    "CopiesRefresh",
    "CopyAnomaly",
    "CopyApproval",
    "CopyChange",
    "CopyChangeKind",
    "DeletedCopy",
    "PartnerCopies",
    "PartnerCopy",
    "copy_divergence",
    "copy_of",
]

#: A partner's copy is known by the partner's HEI and its own ``iia-id``.
CopyKey = tuple[str, str]


def copy_of(iia: Iia) -> IiaCopy:
    """``iia`` as a partner's ``get`` serving it alone would be read: decoded and hashed.

    For copies known without a fetch (seed data, a partner served by the same
    process): the hash is computed on that response, as :func:`copies_of` does
    for a fetched one, whatever ``iia_hash`` the model declares.
    """
    (copy,) = copies_of(encode(IiasGetResponse(iias=(iia,))))
    return copy


class CopyChangeKind(StrEnum):
    """What a refresh found, compared with the copy kept before."""

    #: A copy we did not hold (first fetch after the partner's first CNR).
    NEW = "new"
    #: The hash differs: the partner changed something approvals cover (or mapped our id).
    CHANGED = "changed"
    #: Same hash as before (fields outside the hash may still differ; the copy is replaced).
    UNCHANGED = "unchanged"
    #: Absent from a successful ``get``: the partner deleted it.
    DELETED = "deleted"
    #: Absent, and no copy was held: nothing to do (a CNR for an unknown id is no error).
    NOT_FOUND = "not-found"


class CopyAnomaly(StrEnum):
    """A partner's step the IIA rules forbid, seen in a refresh."""

    #: Both sides approved the agreement, yet the partner deleted it (it may
    #: only modify or terminate it).
    DELETED_AFTER_MUTUAL_APPROVAL = "deleted-after-mutual-approval"
    #: A copy appears under an id the partner deleted before (ids are never reused).
    ID_REUSED = "id-reused"


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovedSnapshot:
    """The partner's copy we approved, as fetched then, and the approval we serve for it."""

    copy: IiaCopy
    fetched_at: datetime
    record: ApprovalRecord

    @property
    def iia_hash(self) -> str:
        """The hash our Approval API quotes: the kit's hash of :attr:`copy`."""
        return self.record.iia_hash


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerCopy:
    """A partner's IIA as we last fetched it, and the version we approved (if any).

    ``copy`` holds the decoded agreement and the kit's result on the response
    it came in (``copy.hash.sha256`` is the hash computed by the official
    algorithm; ``copy.hash.declared_hash`` what the partner declared).
    """

    copy: IiaCopy
    fetched_at: datetime
    approved: ApprovedSnapshot | None = None

    @property
    def partner_hei_id(self) -> str:
        return self.copy.hei_id

    @property
    def iia_id(self) -> str:
        """The partner's own id of the agreement."""
        return self.copy.iia_id or ""

    @property
    def key(self) -> CopyKey:
        return (self.partner_hei_id, self.iia_id)

    @property
    def iia(self) -> Iia:
        return self.copy.iia

    @property
    def iia_hash(self) -> str:
        """The hash the kit computes for the copy (not the one it declares)."""
        return self.copy.hash.sha256

    @property
    def hash_verified(self) -> bool:
        """The partner declares the hash the kit computes (a copy may be approved only then)."""
        return self.copy.hash_verified

    @property
    def our_iia_id(self) -> str | None:
        """Our id of the agreement as the partner's copy gives it (its second partner's)."""
        partners = self.copy.iia.partners
        our_id = (partners[1].iia_id or "").strip() if len(partners) > 1 else ""
        return our_id or None

    @property
    def mapped(self) -> bool:
        """The partner's copy names our iia-id, so the copies are bound to each other."""
        return self.our_iia_id is not None

    @property
    def approval_current(self) -> bool:
        """We approved the version the partner serves now."""
        return self.approved is not None and self.approved.iia_hash == self.iia_hash

    @property
    def approval_outdated(self) -> bool:
        """We approved a version, but the partner serves another one now."""
        return self.approved is not None and self.approved.iia_hash != self.iia_hash


@dataclass(frozen=True, slots=True, kw_only=True)
class DeletedCopy:
    """A copy the partner deleted: the last one fetched (with our approval, if any)."""

    last: PartnerCopy
    deleted_at: datetime
    anomaly: CopyAnomaly | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CopyChange:
    """What one refresh changed in our copy of ``partner_hei_id``'s IIA ``iia_id``."""

    kind: CopyChangeKind
    partner_hei_id: str
    iia_id: str
    before: PartnerCopy | None = None
    after: PartnerCopy | None = None
    anomaly: CopyAnomaly | None = None

    @property
    def approval(self) -> ApprovedSnapshot | None:
        """Our approval of some version of the copy, kept whatever the partner did."""
        held = self.after if self.after is not None else self.before
        return held.approved if held is not None else None

    @property
    def approval_outdated(self) -> bool:
        """We approved an older version than the one now served: approve again or ask why."""
        return self.after is not None and self.after.approval_outdated

    @property
    def newly_mapped(self) -> bool:
        """The partner's copy now names our iia-id and did not before."""
        was_mapped = self.before is not None and self.before.mapped
        return self.after is not None and self.after.mapped and not was_mapped


@dataclass(frozen=True, slots=True)
class CopiesRefresh:
    """The book after a refresh, and what changed."""

    book: PartnerCopies
    change: CopyChange


@dataclass(frozen=True, slots=True)
class CopyApproval:
    """The book after we approved a copy, the record to serve and the Approval CNR to send."""

    book: PartnerCopies
    record: ApprovalRecord
    notification: IiaNotification


def _mutually_approved(copy: PartnerCopy, ours: IiaBook | None) -> bool:
    """Whether our own book shows the agreement ``copy`` is bound to as mutually approved."""
    if ours is None or copy.our_iia_id is None:
        return False
    state = ours.get(copy.our_iia_id)
    if state is None or len(state.iia.partners) < 2:
        return False
    partner = state.iia.partners[1]
    bound = (partner.hei_id, partner.iia_id) == copy.key
    return bound and state.was_mutually_approved


@dataclass(frozen=True, slots=True)
class PartnerCopies:
    """Our copies of partners' IIAs, by (partner HEI, partner's ``iia-id``); immutable."""

    copies: Mapping[CopyKey, PartnerCopy] = field(default_factory=dict)
    deleted: Mapping[CopyKey, DeletedCopy] = field(default_factory=dict)

    def get(self, partner_hei_id: str, iia_id: str) -> PartnerCopy | None:
        return self.copies.get((partner_hei_id, iia_id))

    def refreshed(
        self,
        partner_hei_id: str,
        iia_id: str,
        fetched: IiaCopy | None,
        now: datetime,
        *,
        ours: IiaBook | None = None,
    ) -> CopiesRefresh:
        """The book once ``fetched`` (the copy a successful ``get`` returned) is taken in.

        ``fetched`` is ``None`` when the partner's answer did not hold the IIA.
        ``ours`` is the book of the IIAs we serve, to tell a forbidden deletion
        (of a mutually approved agreement) from an allowed one. A copy served
        by another HEI or under another id than the one refreshed raises
        :class:`~ewp_client.errors.ConfigError`.
        """
        key = (partner_hei_id, iia_id)
        before = self.copies.get(key)
        if fetched is None:
            if before is None:
                change = CopyChange(
                    kind=CopyChangeKind.NOT_FOUND, partner_hei_id=partner_hei_id, iia_id=iia_id
                )
                return CopiesRefresh(self, change)
            anomaly = (
                CopyAnomaly.DELETED_AFTER_MUTUAL_APPROVAL
                if _mutually_approved(before, ours)
                else None
            )
            copies = {k: v for k, v in self.copies.items() if k != key}
            gone = DeletedCopy(last=before, deleted_at=now, anomaly=anomaly)
            book = PartnerCopies(copies, {**self.deleted, key: gone})
            change = CopyChange(
                kind=CopyChangeKind.DELETED,
                partner_hei_id=partner_hei_id,
                iia_id=iia_id,
                before=before,
                anomaly=anomaly,
            )
            return CopiesRefresh(book, change)
        if (fetched.hei_id, fetched.iia_id) != key:
            raise ConfigError(
                f"the copy fetched is {fetched.hei_id}'s IIA {fetched.iia_id!r}, not "
                f"{partner_hei_id}'s IIA {iia_id!r}"
            )
        anomaly = None
        deleted = self.deleted
        if before is None:
            earlier = self.deleted.get(key)
            approved = earlier.last.approved if earlier is not None else None
            if earlier is not None:
                anomaly = CopyAnomaly.ID_REUSED
                deleted = {k: v for k, v in self.deleted.items() if k != key}
            kind = CopyChangeKind.NEW
        else:
            approved = before.approved
            same = fetched.hash.sha256 == before.iia_hash
            kind = CopyChangeKind.UNCHANGED if same else CopyChangeKind.CHANGED
        after = PartnerCopy(copy=fetched, fetched_at=now, approved=approved)
        book = PartnerCopies({**self.copies, key: after}, deleted)
        change = CopyChange(
            kind=kind,
            partner_hei_id=partner_hei_id,
            iia_id=iia_id,
            before=before,
            after=after,
            anomaly=anomaly,
        )
        return CopiesRefresh(book, change)

    def approve(
        self,
        partner_hei_id: str,
        iia_id: str,
        *,
        our_iia_id: str | None = None,
        pdf_file: str | None = None,
    ) -> CopyApproval:
        """Approve the copy last fetched: the record to serve, and the Approval CNR to send.

        The rules are :func:`~ewp_client.iia.approval.approve`'s (mapped, valid
        for approval, declared hash equal to the computed one), refused with
        :class:`~ewp_client.errors.ApprovalRefusedError`; ``our_iia_id``, when
        given, must be the id the copy maps to. The approved version is kept
        as :attr:`PartnerCopy.approved`. A copy we do not hold raises
        :class:`~ewp_client.errors.IiaLifecycleError` (``unknown-iia``).
        """
        held = self.get(partner_hei_id, iia_id)
        if held is None:
            gone = " (the partner deleted it)" if (partner_hei_id, iia_id) in self.deleted else ""
            raise IiaLifecycleError(
                f"no copy of {partner_hei_id}'s IIA {iia_id!r} is held{gone}: fetch it first",
                iia_id=iia_id,
                action="approve",
                reason="unknown-iia",
            )
        record = approve(
            held.copy.hash,
            partner_hei_id=partner_hei_id,
            our_iia_id=our_iia_id,
            pdf_file=pdf_file,
        )
        snapshot = ApprovedSnapshot(copy=held.copy, fetched_at=held.fetched_at, record=record)
        after = dataclasses.replace(held, approved=snapshot)
        notification = IiaNotification(
            NotificationKind.APPROVAL,
            partner_hei_id=partner_hei_id,
            notifier_hei_id=held.iia.partners[1].hei_id,
            iia_id=record.iia_id,
        )
        book = dataclasses.replace(self, copies={**self.copies, held.key: after})
        return CopyApproval(book, record, notification)

    def mapped_to(
        self, our_iia_id: str, *, partner_hei_id: str | None = None
    ) -> PartnerCopy | None:
        """The partner's copy that names ``our_iia_id`` as ours.

        Each agreement has one partner copy; should several claim the same id
        (a partner's mistake) the one fetched last is given.
        """
        found = [
            c
            for c in self.copies.values()
            if c.our_iia_id == our_iia_id
            and (partner_hei_id is None or c.partner_hei_id == partner_hei_id)
        ]
        return max(found, key=lambda c: c.fetched_at, default=None)

    def approvals(self) -> tuple[ApprovalRecord, ...]:
        """Our approvals of the copies partners still serve (what our Approval API answers)."""
        return tuple(c.approved.record for c in self.copies.values() if c.approved is not None)


def copy_divergence(
    *,
    iia_id: str,
    local_hash: str,
    remote_hash: str,
    copied_at: datetime,
    last_cnr_at: datetime | None,
) -> CopyDivergence | None:
    """The warning for a partner's copy that changed with no CNR since we took ours.

    ``local_hash`` is the hash of the copy kept (taken at ``copied_at``),
    ``remote_hash`` that of the copy a periodic ``index``/``get`` fetched now,
    ``last_cnr_at`` when the partner last sent an IIA CNR for ``iia_id``
    (``None``: never). ``None`` when the copies agree, or when a CNR came after
    ours was taken (then we are the ones late to refresh). Known issue
    ``iia-copy-stale-no-refresh``; the store keeping copies across runs calls it.
    """
    if local_hash == remote_hash:
        return None
    if last_cnr_at is not None and last_cnr_at > copied_at:
        return None
    since = "never" if last_cnr_at is None else last_cnr_at.isoformat()
    return CopyDivergence(
        f"IIA {iia_id!r} changed at the partner (hash {local_hash} -> {remote_hash}) "
        f"without an IIA CNR since our copy of {copied_at.isoformat()} (last CNR: {since})",
        iia_id=iia_id,
        local_hash=local_hash,
        remote_hash=remote_hash,
        last_cnr_at=last_cnr_at,
    )
