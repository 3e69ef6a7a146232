"""Approving a partner's IIA (IIA Approval API v2), and reading back the partner's approvals.

An HEI approves the *partner's copy* of an agreement, as fetched from the
partner's IIAs v7 ``get`` endpoint, by publishing the ``iia-hash`` of that
copy in its own IIA Approval API. Three rules decide whether a copy may be
approved (:func:`check_approvable`); each refusal is an
:class:`~ewp_client.errors.ApprovalRefusedError` whose ``reason`` says which:

``unmapped``
    Both ``<partner>`` elements must carry an ``iia-id``: the Approval API
    (and the Approval CNR API) must not be used for agreements whose copies are
    not mapped to each other. When our own iia-id is given, the second
    partner's ``iia-id`` must be that one.
``not-valid-for-approval``
    The official kit's ``valid-for-approval`` is false: the response still
    holds a ``not-yet-defined`` marker or a ``v6-value`` carried over from a v6
    agreement (the kit judges the *whole response*: fetch an IIA alone before
    approving it). A copy served with IIAs v6 is refused too: it is approved
    with IIA Approval v1, never v2.
``hash-mismatch``
    The ``iia-hash`` the partner declares must be the hash the kit computes
    from the response as received; otherwise we would quote a hash the partner
    does not serve. The refusal's ``__cause__`` is the
    :class:`~ewp_client.errors.IiaHashError` holding both values and the text
    that was hashed.
``wrong-partner``
    (:func:`approve` only) The approval is recorded for the HEI serving the
    copy, its first ``<partner>``; naming another HEI is refused, as the
    Approval API answers only the HEIs that are partners of the agreement.

:func:`approve` returns the :class:`ApprovalRecord` to keep and to serve: the
partner's HEI, its iia-id and the hash of the very copy approved.
:func:`render_approval_response` turns records into the Approval API answer.

Reading the partner's approvals of *our* copies (:func:`approval_status`)
compares each approved hash with the hash we serve now: the partner approved
the current version, an older one (both hashes are reported), or none.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from lxml import etree

from ..codec import encode
from ..errors import (
    ApprovalOfInvalidIia,
    ApprovalOfUnmappedIia,
    ApprovalRefusedError,
    ConfigError,
    IiaHashError,
    IiaNotMapped,
    NotValidForApproval,
    StaleApproval,
)
from ..models import IiaApproval, IiasApprovalResponse
from .hash import IiaHash, compute_iia_hashes
from .text_to_hash import FieldKind

__all__ = [
    "HASH_MISMATCH",
    "NOT_VALID_FOR_APPROVAL",
    "UNMAPPED",
    "WRONG_PARTNER",
    "ApprovalRecord",
    "ApprovalState",
    "PartnerApproval",
    "approval_problems",
    "approval_response",
    "approval_status",
    "approve",
    "check_approvable",
    "current_hashes",
    "partner_iia_ids",
    "render_approval_response",
]

#: The ``reason`` values of :class:`~ewp_client.errors.ApprovalRefusedError`.
UNMAPPED: Final = "unmapped"
NOT_VALID_FOR_APPROVAL: Final = "not-valid-for-approval"
HASH_MISMATCH: Final = "hash-mismatch"
WRONG_PARTNER: Final = "wrong-partner"

#: The label of the text-to-hash field holding the N-th partner's iia-id is this plus N.
_PARTNER_ID_LABEL: Final = "iia-id_"

Document = bytes | etree._Element | etree._ElementTree


# -------------------------------------------------------------------- approving


def partner_iia_ids(result: IiaHash) -> tuple[str, ...]:
    """Each ``<partner>``'s ``iia-id`` in document order (``""`` where it is missing).

    Read from the hashed fields, which hold one ``iia-id_N`` field per partner
    whether or not it has an id.
    """
    return tuple(
        f.value
        for f in result.fields
        if f.kind is FieldKind.ELEMENT
        and f.label.startswith(_PARTNER_ID_LABEL)
        and f.label[len(_PARTNER_ID_LABEL) :].isdigit()
    )


def _select(copy: Document | IiaHash, iia_id: str | None) -> IiaHash:
    if isinstance(copy, IiaHash):
        if iia_id is not None and copy.iia_id != iia_id:
            raise ConfigError(f"this is IIA {copy.iia_id!r}, not {iia_id!r}")
        return copy
    results = compute_iia_hashes(copy)
    if iia_id is None:
        if len(results) != 1:
            raise ConfigError(
                f"the response holds {len(results)} IIAs: name the one to approve (iia_id)"
            )
        return results[0]
    for result in results:
        if result.iia_id == iia_id:
            return result
    raise ConfigError(f"the response holds no IIA whose first partner's iia-id is {iia_id!r}")


def _refuse(
    message: str, reason: str, iia_id: str, result: IiaHash | None = None
) -> ApprovalRefusedError:
    return ApprovalRefusedError(
        message,
        reason=reason,
        iia_id=iia_id or None,
        declared=result.declared_hash if result is not None else None,
        computed=result.sha256 if result is not None else None,
    )


def check_approvable(
    copy: Document | IiaHash,
    *,
    iia_id: str | None = None,
    our_iia_id: str | None = None,
) -> IiaHash:
    """The kit's result for the partner's copy, once it passes every approval rule.

    ``copy`` is the partner's IIAs get response (bytes or lxml tree, hashed
    here) or the :class:`IiaHash` of its ``<iia>`` already computed on that
    response. ``iia_id`` (the partner's own id, the first partner's ``iia-id``)
    picks the IIA in a response holding several. ``our_iia_id``, when given, is
    the id the second partner must carry. The rules are checked in the order of
    the module docstring and the first one broken raises
    :class:`~ewp_client.errors.ApprovalRefusedError`; a response that is not an
    IIAs get response, or that the kit cannot hash, raises the hash module's
    errors. :class:`~ewp_client.errors.ConfigError`: ``iia_id`` is not there.
    """
    result = _select(copy, iia_id)
    ids = partner_iia_ids(result)
    name = result.iia_id
    if len(ids) < 2 or not all(i.strip() for i in ids):
        missing = [n for n, i in enumerate(ids, start=1) if not i.strip()]
        where = f"partner {missing[0]} has no iia-id" if missing else "it has no second partner"
        raise IiaNotMapped(
            f"IIA {name!r} is not mapped: {where}; copies must be mapped (both "
            "iia-ids present) before either is approved",
            iia_id=name or None,
            partner=missing[0] if missing else 2,
        )
    if our_iia_id is not None and ids[1] != our_iia_id:
        raise IiaNotMapped(
            f"IIA {name!r} is mapped to our iia-id {ids[1]!r}, not to {our_iia_id!r}",
            iia_id=name or None,
            partner=2,
        )
    if result.version != 7:
        raise NotValidForApproval(
            f"IIA {name!r} is served with IIAs v{result.version}: it is approved "
            "with IIA Approval v1, not v2",
            iia_id=name or None,
            version=result.version,
        )
    if not result.valid_for_approval:
        raise NotValidForApproval(
            f"IIA {name!r} is not valid for approval: its response still carries "
            "not-yet-defined or v6-value markers",
            iia_id=name or None,
            version=result.version,
        )
    if result.declared_hash is None:
        raise _refuse(
            f"IIA {name!r} declares no iia-hash; computed {result.sha256}",
            HASH_MISMATCH,
            name,
            result,
        )
    if result.declared_hash != result.sha256:
        cause = IiaHashError(
            f"IIA {name!r} declares iia-hash {result.declared_hash} but its text hashes "
            f"to {result.sha256}",
            iia_id=name,
            declared=result.declared_hash,
            computed=result.sha256,
            text_to_hash=result.text_to_hash,
        )
        raise _refuse(
            f"IIA {name!r}: the declared iia-hash {result.declared_hash} is not the "
            f"computed {result.sha256}",
            HASH_MISMATCH,
            name,
            result,
        ) from cause
    return result


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRecord:
    """Our approval of a partner's copy: what our IIA Approval API serves to that partner.

    ``iia_id`` is the partner's id of the agreement (the caller's id in its
    approval requests), ``iia_hash`` the hash of the copy we approved.
    ``our_iia_id`` is the id of our own copy it was mapped to; ``pdf_file`` the
    optional file id of the PDF we signed.
    """

    partner_hei_id: str
    iia_id: str
    iia_hash: str
    our_iia_id: str | None = None
    pdf_file: str | None = None

    def approval(self) -> IiaApproval:
        return IiaApproval(iia_id=self.iia_id, iia_hash=self.iia_hash, pdf_file=self.pdf_file)


def approve(
    copy: Document | IiaHash,
    *,
    partner_hei_id: str | None = None,
    iia_id: str | None = None,
    our_iia_id: str | None = None,
    pdf_file: str | None = None,
) -> ApprovalRecord:
    """Approve the partner's copy: :func:`check_approvable`, then the record to keep.

    The record quotes the hash of the copy checked, never one given by the
    caller, and is kept for the HEI serving the copy (its first partner):
    ``partner_hei_id``, when given, must be that HEI (else ``wrong-partner``).
    """
    result = check_approvable(copy, iia_id=iia_id, our_iia_id=our_iia_id)
    served_by = result.partner_hei_ids[0].strip() if result.partner_hei_ids else ""
    if partner_hei_id is None:
        if not served_by:
            raise ConfigError(
                f"IIA {result.iia_id!r}: its first partner has no hei-id; name partner_hei_id"
            )
        partner_hei_id = served_by
    elif served_by and partner_hei_id.strip() != served_by:
        raise _refuse(
            f"IIA {result.iia_id!r} is served by {served_by!r} (its first partner), not "
            f"{partner_hei_id!r}: an approval is kept for the HEI serving the copy",
            WRONG_PARTNER,
            result.iia_id,
        )
    return ApprovalRecord(
        partner_hei_id=partner_hei_id,
        iia_id=result.iia_id,
        iia_hash=result.sha256,
        our_iia_id=partner_iia_ids(result)[1],
        pdf_file=pdf_file,
    )


# ------------------------------------------------------- serving our approvals


def approval_response(
    records: Iterable[ApprovalRecord], iia_ids: Sequence[str], *, caller_hei_id: str
) -> IiasApprovalResponse:
    """The Approval v2 answer to ``caller_hei_id`` asking about ``iia_ids`` (its own ids).

    One ``<approval>`` per asked id we approved for that HEI, in the order
    asked (repeated ids once); ids we do not know or have not approved are left
    out, as the spec requires. When several records name the same agreement
    the last one is the approval in force.
    """
    ours = {r.iia_id: r for r in records if r.partner_hei_id == caller_hei_id}
    return IiasApprovalResponse(
        approvals=tuple(ours[i].approval() for i in dict.fromkeys(iia_ids) if i in ours)
    )


def render_approval_response(
    records: Iterable[ApprovalRecord], iia_ids: Sequence[str], *, caller_hei_id: str
) -> bytes:
    """:func:`approval_response` as the schema-valid XML served with HTTP 200."""
    return encode(approval_response(records, iia_ids, caller_hei_id=caller_hei_id))


# ----------------------------------------------------- reading their approvals


class ApprovalState(enum.Enum):
    """What a partner's approval says about the copy we serve now."""

    #: The partner approved the version we serve (the hashes are equal).
    CURRENT = "current"
    #: The partner approved an earlier version: the hash it quotes is not ours now.
    OLDER = "older"
    #: The partner has not approved any version.
    NONE = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerApproval:
    """The partner's approval of one of our IIAs, judged against the copy we serve.

    ``approved_hash`` is what the partner quotes (``None`` when it approved
    nothing), ``current_hash`` the hash of our copy now.
    """

    iia_id: str
    state: ApprovalState
    current_hash: str
    approved_hash: str | None = None
    pdf_file: str | None = None


def current_hashes(ours: Mapping[str, str] | Iterable[IiaHash]) -> dict[str, str]:
    """Our iia-id -> the hash we serve now, from a mapping or from the kit's results."""
    if isinstance(ours, Mapping):
        return dict(ours)
    return {result.iia_id: result.sha256 for result in ours}


def approval_status(
    ours: Mapping[str, str] | Iterable[IiaHash],
    approvals: IiasApprovalResponse | Iterable[IiaApproval],
) -> dict[str, PartnerApproval]:
    """For each of our IIAs, whether the partner approved its current version.

    ``ours`` maps our iia-ids to the hashes we serve now, or is the kit's
    results for our served copies. ``approvals`` is the partner's Approval v2
    answer (or its approvals, merged from several batches). Approvals of ids
    not in ``ours`` are ignored. The result follows the order of ``ours``.
    """
    listed = approvals.approvals if isinstance(approvals, IiasApprovalResponse) else approvals
    by_id: dict[str, list[IiaApproval]] = {}
    for approval in listed:
        by_id.setdefault(approval.iia_id, []).append(approval)
    status = {}
    for iia_id, current in current_hashes(ours).items():
        found = by_id.get(iia_id, [])
        match = next((a for a in found if a.iia_hash == current), None)
        if match is not None:
            status[iia_id] = PartnerApproval(
                iia_id=iia_id,
                state=ApprovalState.CURRENT,
                current_hash=current,
                approved_hash=match.iia_hash,
                pdf_file=match.pdf_file,
            )
        elif found:
            status[iia_id] = PartnerApproval(
                iia_id=iia_id,
                state=ApprovalState.OLDER,
                current_hash=current,
                approved_hash=found[0].iia_hash,
                pdf_file=found[0].pdf_file,
            )
        else:
            status[iia_id] = PartnerApproval(
                iia_id=iia_id, state=ApprovalState.NONE, current_hash=current
            )
    return status


def approval_problems(
    status: Mapping[str, PartnerApproval],
    ours: Mapping[str, str] | Iterable[IiaHash],
    *,
    partner_hei_id: str,
    partner_copies: Iterable[IiaHash] | None = None,
) -> list[StaleApproval | ApprovalOfInvalidIia | ApprovalOfUnmappedIia]:
    """What a partner's approvals (judged by :func:`approval_status`) show it got wrong.

    * an approval of an older version (:class:`~ewp_client.errors.StaleApproval`:
      both hashes);
    * an approval of an IIA the kit says is not valid for approval, when
      ``ours`` holds the kit's results (:class:`~ewp_client.errors.ApprovalOfInvalidIia`);
    * with ``partner_copies`` (the kit's results for the partner's copies), an
      approval of our IIA that none of its copies is mapped to
      (:class:`~ewp_client.errors.ApprovalOfUnmappedIia`).
    """
    invalid = (
        set()
        if isinstance(ours, Mapping)
        else {r.iia_id for r in ours if not r.valid_for_approval or r.version != 7}
    )
    copies = list(partner_copies) if partner_copies is not None else None
    mapped = {ids[1] for c in copies or () if len(ids := partner_iia_ids(c)) > 1 and ids[1]}
    unmapped = [
        c.iia_id for c in copies or () if len(partner_iia_ids(c)) < 2 or not partner_iia_ids(c)[1]
    ]
    found: list[StaleApproval | ApprovalOfInvalidIia | ApprovalOfUnmappedIia] = []
    for iia_id, judged in status.items():
        if judged.approved_hash is None:
            continue
        if judged.state is ApprovalState.OLDER:
            found.append(
                StaleApproval(
                    f"{partner_hei_id} approved an older version of IIA {iia_id!r}: it quotes "
                    f"{judged.approved_hash}, we serve {judged.current_hash}",
                    iia_id=iia_id,
                    approved=judged.approved_hash,
                    current=judged.current_hash,
                )
            )
        if iia_id in invalid:
            found.append(
                ApprovalOfInvalidIia(
                    f"{partner_hei_id} approved IIA {iia_id!r}, which is not valid for approval "
                    "(v6 markers): the approval is suspect",
                    iia_id=iia_id,
                    approved=judged.approved_hash,
                )
            )
        if copies is not None and iia_id not in mapped:
            found.append(
                ApprovalOfUnmappedIia(
                    f"{partner_hei_id} approved IIA {iia_id!r} but none of its copies names it "
                    f"as our iia-id (copies without it: {', '.join(unmapped) or 'none'})",
                    our_iia_id=iia_id,
                    partner_hei_id=partner_hei_id,
                    unmapped=unmapped,
                )
            )
    return found
