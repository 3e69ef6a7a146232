"""Calling EWP partners: sans-I/O request building, and thin sync/async send paths."""

from .async_ import AsyncEwpClient
from .base import Answer, BaseClient, EwpCall
from .retry import NO_RETRY, CallKind, RetryPolicy, retryable_status
from .sync import EwpClient

__all__ = [
    "NO_RETRY",
    "Answer",
    "AsyncEwpClient",
    "BaseClient",
    "CallKind",
    "EwpCall",
    "EwpClient",
    "RetryPolicy",
    "retryable_status",
]
