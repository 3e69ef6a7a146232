"""OMobility LAs v1 ``update``, the sending HEI's side: the receiving HEI approves or comments.

The receiving HEI POSTs an ``omobility-las-update-request`` (an XML body, not
a form) naming the mobility and the ``changes-proposal`` it decides on. The
answer follows the spec's ``endpoints/update.md`` and the annotations of
``update-request.xsd``:

* a body that is not XML, not an update request, or breaks the schema is a
  400 naming the problem. Elements the schema does not know (another
  namespace, an unknown name) are ignored, as the spec asks of unknown
  parameters; a known element out of place is still a 400. A
  ``Content-Type`` is optional (the spec says SHOULD); one that is not XML
  (``text/xml``, ``application/xml``, ``*+xml``) is a 415;
* a ``sending-hei-id`` this server does not serve, an ``omobility-id`` it
  does not send under that HEI (a draft included: it is not published), and
  a caller whose key does not cover the mobility's receiving HEI are all the
  same 400 (the spec's rule), so that a caller cannot tell which LAs exist;
* the receiving HEI's signature must name the signer, their position and
  e-mail (``get-response.xsd``: MUST be set on every signature but the
  student's), and a comment must say something: else 400;
* a ``changes-proposal-id`` that is not the LA's current proposal is a 409
  with a ``user-message`` asking to refresh (``update-request.xsd``: MUST
  409, SHOULD ``user-message``). **A repeat of an applied approval** is such
  a request: once approved, the proposal is the LA's ``first-version`` or
  ``approved-changes`` and no proposal is current, so the spec's rule answers
  409; its user message says the approval is already recorded when the
  approved version carries the same signer and time. A client re-reads the
  LA after a 409 and finds its decision there
  (:class:`~ewp_client.errors.AlreadyApplied` in :mod:`ewp_client.client.las`);
* a decision on a proposal already commented on (rejected) is a 409 as
  well: the proposal is decided, and the sending HEI is expected to publish
  a new one (the lifecycle of :class:`~ewp_client.ola.SendingLa`);
* blended mobilities with short-term physical mobility and short-term
  doctoral mobilities MUST NOT have proposals after their ``first-version``
  (``get-response.xsd``, ``changes-proposal``): approving one is a 400 (a
  re-read cannot make it approvable); commenting on (rejecting) it is
  accepted;
* otherwise the decision is applied by :meth:`SendingLa.apply_update
  <ewp_client.ola.SendingLa.apply_update>` (approval: the proposal becomes
  the ``first-version`` or the ``approved-changes``, signed by the receiving
  HEI; comment: recorded as the LA's rejection, the document unchanged) and
  written with :meth:`WritableLaRepository.replace`, which refuses (409) when
  another update changed the LA in between. The answer is an
  ``omobility-las-update-response`` with a ``success-user-message``.

:func:`answer_las_update` does it all and raises the refusals as typed
errors (:class:`~ewp_client.errors.PartnerError` subclasses), which
:class:`~ewp_client.server.EwpSignatureMiddleware` answers as their
``error-response``. :func:`read_update_request` and :func:`apply_las_update`
are its two halves, for a server that wants the :class:`~ewp_client.ola.Transition`
(its LA CNR notifications) as well.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

from lxml import etree

from ..codec import decode, encode
from ..errors import (
    EditConflict,
    InvalidParameter,
    LearningAgreementError,
    LifecycleError,
    MalformedXmlError,
    SchemaValidationError,
    StaleProposalError,
    UnknownDocumentError,
    UnsupportedMediaType,
)
from ..models import (
    ApproveProposalV1,
    CommentProposalV1,
    LasUpdateRequest,
    LasUpdateResponse,
    MultilineStringWithOptionalLang,
    Signature,
)
from ..models.la import MobilityType
from ..namespaces import LAS_GET_NS, LAS_UPDATE_REQUEST_NS
from ..ola import SendingLa, Transition
from ..xml import parse_xml
from .access import Caller
from .answers import Answer, xml_answer
from .las import is_served
from .repository import WritableLaRepository

__all__ = [
    "UPDATE_MEDIA_TYPES",
    "UpdateOutcome",
    "answer_las_update",
    "apply_las_update",
    "read_update_request",
]

#: The ``Content-Type`` media types an update body may be sent as (besides ``*+xml``).
UPDATE_MEDIA_TYPES: Final = frozenset({"text/xml", "application/xml"})

_ROOT: Final = f"{{{LAS_UPDATE_REQUEST_NS}}}omobility-las-update-request"
#: Every element name the update request schema declares; the others are ignored.
_KNOWN: Final = frozenset(
    {
        *(
            f"{{{LAS_UPDATE_REQUEST_NS}}}{name}"
            for name in (
                "omobility-las-update-request",
                "sending-hei-id",
                "approve-proposal-v1",
                "comment-proposal-v1",
                "omobility-id",
                "changes-proposal-id",
                "comment",
                "signature",
            )
        ),
        *(
            f"{{{LAS_GET_NS}}}{name}"
            for name in (
                "signer-name",
                "signer-position",
                "signer-email",
                "timestamp",
                "signer-app",
            )
        ),
    }
)

#: What the receiving HEI's user is told on a 409 for a proposal that is no longer current.
STALE_USER_MESSAGE: Final = (
    "Your copy of this Learning Agreement is not up to date: the changes proposal you "
    "answered is no longer the current one. Please refresh your copy from our server "
    "and decide again."
)


@dataclass(frozen=True, slots=True)
class UpdateOutcome:
    """An applied update: the request, the lifecycle step, and the answer to send."""

    request: LasUpdateRequest
    transition: Transition
    answer: Answer


def _check_media_type(content_type: str | None) -> None:
    media = (content_type or "").partition(";")[0].strip().lower()
    if media and media not in UPDATE_MEDIA_TYPES and not media.endswith("+xml"):
        raise UnsupportedMediaType(
            f"the update request is an XML body (text/xml or application/xml), not {media[:60]!r}",
            content_type=content_type or "",
        )


def _refused(message: str, element: str | None) -> InvalidParameter:
    return InvalidParameter(message, parameter=element)


def _without_unknown_elements(tree: etree._ElementTree) -> None:
    """Remove (in place) the elements whose name the update request schema does not declare."""
    unknown = [
        e
        for e in tree.getroot().iterdescendants()
        if isinstance(e.tag, str) and e.tag not in _KNOWN
    ]
    for element in unknown:
        parent = element.getparent()
        if parent is None:  # a descendant always has one; for the type checker
            continue
        if element.tail:  # the text after it belongs to the parent, and stays
            previous = element.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + element.tail
            else:
                parent.text = (parent.text or "") + element.tail
        parent.remove(element)


def read_update_request(body: bytes, content_type: str | None = None) -> LasUpdateRequest:
    """The update request in a POST body, parsed hardened and schema-validated.

    Raises :class:`~ewp_client.errors.UnsupportedMediaType` (415) for a
    ``Content-Type`` that is not XML, :class:`~ewp_client.errors.InvalidParameter`
    (400) for a body that is empty, not well-formed, another document, or
    invalid once unknown elements are left out; the message names the problem.
    """
    _check_media_type(content_type)
    if not body.strip():
        raise _refused("the update request body is empty", None)
    try:
        tree = parse_xml(body)
    except MalformedXmlError as exc:
        raise _refused(f"the update request body is not acceptable XML: {exc}", None) from exc
    root = tree.getroot()
    if root.tag != _ROOT:
        qname = etree.QName(root)
        raise _refused(
            f"expected an <omobility-las-update-request> in namespace {LAS_UPDATE_REQUEST_NS}, "
            f"got <{qname.localname[:60]}> in namespace {(qname.namespace or '')[:120]!r}",
            None,
        )
    _without_unknown_elements(tree)
    try:
        return decode(tree, LasUpdateRequest)
    except (SchemaValidationError, UnknownDocumentError) as exc:
        raise _refused(f"the update request breaks its schema: {exc}", None) from exc


def _check_signature(signature: Signature) -> None:
    for name in ("signer_name", "signer_position", "signer_email"):
        value: str | None = getattr(signature, name)
        if not (value or "").strip():
            element = name.replace("_", "-")
            raise _refused(
                f"the receiving HEI's signature must give its {element} (the spec requires "
                "signer-name, signer-position and signer-email on every signature but the "
                "student's)",
                f"signature/{element}",
            )


def _target(
    repository: WritableLaRepository, caller: Caller, request: LasUpdateRequest
) -> SendingLa:
    """The LA the request updates, if the caller may update it; else the spec's 400."""
    sending = request.sending_hei_id
    omobility_id = request.action.omobility_id
    if not repository.covers(sending):
        raise _refused(
            f"this server does not serve sending-hei-id {sending[:60]!r}", "sending-hei-id"
        )
    record = repository.find(sending, omobility_id)
    if record is None or not is_served(record) or not caller.covers(record.la.receiving_hei.hei_id):
        raise _refused(
            f"{sending[:60]} sends no learning agreement {omobility_id[:60]!r} "
            "whose receiving HEI your key covers",
            "omobility-id",
        )
    return record


def _same_signer(recorded: Signature | None, sent: Signature) -> bool:
    return (
        recorded is not None
        and recorded.signer_name == sent.signer_name
        and recorded.signer_email == sent.signer_email
        and recorded.timestamp == sent.timestamp
    )


def _stale(record: SendingLa, request: LasUpdateRequest, error: StaleProposalError) -> EditConflict:
    action = request.action
    la = record.la
    approved = la.approved_changes or la.first_version
    repeat = (
        isinstance(action, ApproveProposalV1)
        and approved is not None
        and _same_signer(approved.receiving_hei_signature, action.signature)
    )
    user = (
        "This changes proposal has already been approved with this signature; "
        "nothing more is needed. Refresh your copy to see the approved version."
        if repeat
        else STALE_USER_MESSAGE
    )
    current = (
        "none is pending" if error.expected is None else f"the current one is {error.expected!r}"
    )
    message = (
        f"changes-proposal-id {error.got[:80]!r} is not the current proposal of "
        f"{la.omobility_id!r} ({current})"
    )
    return EditConflict(message, status=409, developer_message=message, user_message=user)


def _commented(record: SendingLa, error: LifecycleError) -> EditConflict:
    message = f"{error} (mobility {record.la.omobility_id!r})"
    user = (
        "This changes proposal has already been commented on (rejected). Please wait for "
        "the sending HEI's new proposal, refresh your copy, and decide on that one."
    )
    return EditConflict(message, status=409, developer_message=message, user_message=user)


def _check_proposals_allowed(record: SendingLa, request: LasUpdateRequest) -> None:
    """Blended and short-term doctoral mobilities take no proposal after their first version."""
    action = request.action
    kind = record.mobility_type
    if (
        isinstance(action, ApproveProposalV1)
        and record.la.first_version is not None
        and record.proposal_id == action.changes_proposal_id  # else: stale, a 409
        and kind is not MobilityType.SEMESTER
    ):
        message = (
            f"{record.la.omobility_id!r} is a {kind.value} mobility: it takes no changes "
            "proposal after its first version is approved, so this proposal cannot be approved"
        )
        raise InvalidParameter(
            message,
            parameter="changes-proposal-id",
            user_message=(
                "This mobility's Learning Agreement cannot be changed after its first version "
                "was approved; the proposal can only be commented on."
            ),
        )


def _success(request: LasUpdateRequest) -> Answer:
    action = request.action
    if isinstance(action, ApproveProposalV1):
        text = "The changes proposal is approved; the Learning Agreement now reads as proposed."
    else:
        text = "Your comment on the changes proposal is recorded."
    response = LasUpdateResponse(
        success_user_messages=(MultilineStringWithOptionalLang(value=text, lang="en"),)
    )
    return xml_answer(encode(response))


def apply_las_update(
    repository: WritableLaRepository, *, caller: Caller, request: LasUpdateRequest
) -> UpdateOutcome:
    """Carry out ``request`` for ``caller`` (see the module docstring for every refusal)."""
    _check_signature(request.action.signature)
    action = request.action
    if isinstance(action, CommentProposalV1) and not action.comment.strip():
        raise _refused("a comment on a changes proposal must not be empty", "comment")
    record = _target(repository, caller, request)
    _check_proposals_allowed(record, request)
    # The LA's own spelling of its sending HEI (ids compare case-insensitively).
    own = dataclasses.replace(request, sending_hei_id=record.la.sending_hei.hei_id)
    try:
        transition = record.apply_update(own)
    except StaleProposalError as exc:
        raise _stale(record, request, exc) from exc
    except LifecycleError as exc:
        raise _commented(record, exc) from exc
    except LearningAgreementError as exc:
        raise _refused(str(exc), "omobility-id") from exc
    if not repository.replace(request.sending_hei_id, record, transition.state):
        message = (
            f"learning agreement {record.la.omobility_id!r} changed while this update "
            "was being applied"
        )
        raise EditConflict(
            message, status=409, developer_message=message, user_message=STALE_USER_MESSAGE
        )
    return UpdateOutcome(request, transition, _success(request))


def answer_las_update(
    repository: WritableLaRepository,
    *,
    caller: Caller,
    body: bytes,
    content_type: str | None = None,
) -> Answer:
    """The ``update`` answer to a verified POST ``body`` (its ``content_type`` as sent).

    200 with an ``omobility-las-update-response`` when applied; otherwise raises
    the typed error of the refusal (415, 400, 409: see the module docstring).
    """
    request = read_update_request(body, content_type)
    return apply_las_update(repository, caller=caller, request=request).answer
