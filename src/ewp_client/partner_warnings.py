"""Issuing :class:`~ewp_client.errors.EwpWarning`: to Python's warnings, or to a collector.

The client issues what a partner got wrong with :func:`issue`. Outside
:func:`collected` that is :func:`warnings.warn`, so a script sees the
warning and a test suite can turn it into an error. A service calling
partners in the background (the mock node's CNR delivery and refresh) opens
:func:`collected` around one exchange instead and records what it got on
that exchange's record: it is evidence about the partner, not a message for
the service's console. The collector lives in a :class:`~contextvars.ContextVar`,
so concurrent asyncio tasks each collect their own.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import EwpWarning

__all__ = ["collected", "issue"]

_COLLECTOR: ContextVar[list[EwpWarning] | None] = ContextVar("ewp_warnings", default=None)


def issue(warning: EwpWarning, stacklevel: int = 1) -> None:
    """Hand ``warning`` to the open :func:`collected`, else to :func:`warnings.warn`.

    ``stacklevel`` counts as for :func:`warnings.warn` called where
    :func:`issue` is.
    """
    collector = _COLLECTOR.get()
    if collector is not None:
        collector.append(warning)
        return
    warnings.warn(warning, stacklevel=stacklevel + 1)


@contextmanager
def collected() -> Iterator[list[EwpWarning]]:
    """The warnings :func:`issue` is given in this context, instead of warning."""
    found: list[EwpWarning] = []
    token = _COLLECTOR.set(found)
    try:
        yield found
    finally:
        _COLLECTOR.reset(token)
