"""Calling EWP partners: sans-I/O request building, and thin sync/async send paths."""

from ..error_response import retryable_status
from .async_ import AsyncEwpClient
from .base import Answer, BaseClient, EwpCall
from .echo import AsyncEchoClient, EchoClient
from .iia_approval import AsyncIiaApprovalClient, IiaApprovalClient
from .iia_cnr import (
    AsyncIiaCnrClient,
    IiaApprovalCnrNotification,
    IiaCnrClient,
    IiaCnrNotification,
)
from .iias import AsyncIiasClient, IiaCopy, IiasClient
from .la_cnr import AsyncLaCnrClient, LaCnrClient, LaCnrNotification
from .las import AsyncLasClient, LasClient, MobilityType, Signer
from .retry import NO_RETRY, CallKind, RetryPolicy
from .sync import EwpClient

__all__ = [
    "NO_RETRY",
    "Answer",
    "AsyncEchoClient",
    "AsyncEwpClient",
    "AsyncIiaApprovalClient",
    "AsyncIiaCnrClient",
    "AsyncIiasClient",
    "AsyncLaCnrClient",
    "AsyncLasClient",
    "BaseClient",
    "CallKind",
    "EchoClient",
    "EwpCall",
    "EwpClient",
    "IiaApprovalClient",
    "IiaApprovalCnrNotification",
    "IiaCnrClient",
    "IiaCnrNotification",
    "IiaCopy",
    "IiasClient",
    "LaCnrClient",
    "LaCnrNotification",
    "LasClient",
    "MobilityType",
    "RetryPolicy",
    "Signer",
    "retryable_status",
]
