"""Sending an outbox :class:`Delivery` with the EWP client, and classifying what went wrong.

The outbox decides when to try; these functions make one try through the
library's CNR clients (:mod:`ewp_client.client.iia_cnr`,
:mod:`ewp_client.client.la_cnr`) and turn the result into an :data:`Outcome`.
The partner is found in the Registry by HEI id (a delivery's ``url`` is not
read). :func:`classify_error` reads the library's exception tree:

* a partner's error status: a 4xx (and 501) fails for good, another 5xx is
  retryable (:meth:`Failed.for_status`);
* timeouts (the exchange's deadline included), refused or failed connections
  and other transport failures: retryable;
* a response over the size limit: not retryable (the partner would send the
  same again);
* a 200 that is not a CNR response: not retryable (the partner took the
  request; repeating it would get the same answer);
* a response signature that does not verify: retryable (a key rotation may
  not have reached our catalogue copy yet; the expiry bounds it);
* the Registry unreachable: retryable; the partner publishing no such CNR
  API (or an unusable entry): not retryable; our own configuration (a
  sending HEI that is not ours): not retryable.

Anything that is not an :class:`~ewp_client.errors.EwpError` is a bug and is
raised (the outbox then tries again when the delivery's lease runs out).

The client's own retry policy still applies inside one try: give the client
``retry=NO_RETRY`` so that the outbox alone paces the attempts (otherwise one
outbox attempt may be several requests, with the client's short sleeps).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

import httpx

from ..client.async_ import AsyncEwpClient
from ..client.iia_cnr import AsyncIiaCnrClient, IiaCnrClient
from ..client.la_cnr import AsyncLaCnrClient, LaCnrClient
from ..client.sync import EwpClient
from ..errors import (
    ConfigError,
    DeadlineExceededError,
    EwpError,
    HttpSignatureError,
    NoEndpointError,
    PartnerError,
    RegistryError,
    RegistryUnavailableError,
    ResponseTooLargeError,
    TransportError,
    XmlError,
)
from ..iia.approval import ApprovalRecord
from .model import CnrKind, Delivered, Delivery, Failed, FailureKind, Outcome

__all__ = ["asend_delivery", "async_sender", "classify_error", "send_delivery", "sender"]

#: What each error type means for the outbox, checked in this order (subclasses first).
_VERDICTS: Final[tuple[tuple[type[EwpError], FailureKind, bool], ...]] = (
    (ResponseTooLargeError, FailureKind.RESPONSE_TOO_LARGE, False),
    (DeadlineExceededError, FailureKind.TIMEOUT, True),
    (RegistryUnavailableError, FailureKind.REGISTRY_UNAVAILABLE, True),
    (NoEndpointError, FailureKind.NO_ENDPOINT, False),
    (RegistryError, FailureKind.REGISTRY, False),
    (HttpSignatureError, FailureKind.RESPONSE_SIGNATURE, True),
    (XmlError, FailureKind.INVALID_RESPONSE, False),
    (ConfigError, FailureKind.CONFIG, False),
)


def classify_error(error: EwpError) -> Failed:
    """The :class:`Failed` outcome of a try that raised ``error`` (see the module docstring)."""
    detail = type(error).__name__
    if isinstance(error, PartnerError):
        return Failed.for_status(error.status, detail=detail)
    for error_type, kind, retryable in _VERDICTS:
        if isinstance(error, error_type):
            return Failed(retryable=retryable, error=kind, detail=detail)
    if isinstance(error, TransportError):
        return Failed(retryable=True, error=_transport_kind(error.__cause__), detail=detail)
    return Failed(retryable=False, error=FailureKind.OTHER, detail=detail)


def _transport_kind(cause: BaseException | None) -> FailureKind:
    """What the httpx error under a :class:`TransportError` was (connect timeouts are timeouts)."""
    if isinstance(cause, httpx.TimeoutException):
        return FailureKind.TIMEOUT
    if isinstance(cause, httpx.ConnectError):
        return FailureKind.CONNECT
    return FailureKind.TRANSPORT


def _approval_record(delivery: Delivery, iia_id: str) -> ApprovalRecord:
    # The Approval CNR names only the partner and its id of the agreement; the
    # outbox does not keep the approved hash, which the call does not send.
    return ApprovalRecord(partner_hei_id=delivery.partner_hei_id, iia_id=iia_id, iia_hash="")


def _sending_hei(delivery: Delivery) -> str:
    if delivery.sending_hei_id is None:
        raise ConfigError(f"LA CNR delivery {delivery.id} names no sending HEI")
    return delivery.sending_hei_id


def send_delivery(client: EwpClient, delivery: Delivery) -> Outcome:
    """Send ``delivery`` with ``client``; the outcome, never a library error."""
    try:
        if delivery.kind is CnrKind.LA:
            LaCnrClient(client).notify(
                delivery.partner_hei_id, _sending_hei(delivery), delivery.object_ids
            )
        elif delivery.kind is CnrKind.IIA:
            IiaCnrClient(client).notify(delivery.partner_hei_id, delivery.object_ids)
        else:
            for iia_id in delivery.object_ids:
                IiaCnrClient(client).notify_approval(_approval_record(delivery, iia_id))
    except EwpError as exc:
        return classify_error(exc)
    return Delivered(status=200)


async def asend_delivery(client: AsyncEwpClient, delivery: Delivery) -> Outcome:
    """The async twin of :func:`send_delivery`."""
    try:
        if delivery.kind is CnrKind.LA:
            await AsyncLaCnrClient(client).notify(
                delivery.partner_hei_id, _sending_hei(delivery), delivery.object_ids
            )
        elif delivery.kind is CnrKind.IIA:
            await AsyncIiaCnrClient(client).notify(delivery.partner_hei_id, delivery.object_ids)
        else:
            for iia_id in delivery.object_ids:
                await AsyncIiaCnrClient(client).notify_approval(_approval_record(delivery, iia_id))
    except EwpError as exc:
        return classify_error(exc)
    return Delivered(status=200)


def sender(client: EwpClient) -> Callable[[Delivery], Outcome]:
    """``send`` for :meth:`Outbox.run_due_sync <ewp_client.cnr.Outbox.run_due_sync>`."""

    def send(delivery: Delivery) -> Outcome:
        return send_delivery(client, delivery)

    return send


def async_sender(client: AsyncEwpClient) -> Callable[[Delivery], Awaitable[Outcome]]:
    """``send`` for :meth:`Outbox.run_due <ewp_client.cnr.Outbox.run_due>`."""

    async def send(delivery: Delivery) -> Outcome:
        return await asend_delivery(client, delivery)

    return send
