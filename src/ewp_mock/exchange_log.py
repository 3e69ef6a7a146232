"""One log line per exchange, as a pure ASGI middleware (no web framework needed).

A line reads::

    exchange method=GET path=/ewp/echo status=200 key=6d1f...e0 verdict=ok response=signed ms=4.1

* ``path`` is the path as received, without the query: query values carry
  ids (mobility ids, IIA ids) and nothing from a request's body or query is
  ever logged, so no student data reaches the log. Characters that could break
  the line (controls, non-ASCII) are percent-escaped, and long paths are cut.
* ``key`` is the ``keyId`` of the request's ``Authorization: Signature``
  header, parsed but *not* verified (``-`` when there is none, ``invalid``
  when it is no keyId): whether it verified is the verdict.
* ``verdict`` is ``ok`` for an answer below 400. For an error it is what an
  inner layer named in ``scope["state"]["ewp_verdict"]`` (for instance the
  signature check's error kind: the app may set ``request.state.ewp_verdict``),
  else a name for the status (``bad-request``, ``unauthenticated``,
  ``forbidden``, ``too-large``...). ``no-response`` when the client went away
  before an answer, ``unhandled`` when the app raised.
* ``response`` says whether the answer carried a ``Signature`` header.

Put it outermost (around the response-signing layer), so that it sees the
final status and headers.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ewp_client.errors import EwpError
from ewp_client.security import parse_authorization

__all__ = ["EXCHANGE_LOGGER", "VERDICT_KEY", "ExchangeLog", "verdict_for_status"]

#: The logger the lines go to (at INFO).
EXCHANGE_LOGGER: Final = "ewp_mock.exchange"
#: Where an inner layer may name its verdict: ``scope["state"][VERDICT_KEY]``.
VERDICT_KEY: Final = "ewp_verdict"

_MAX_PATH: Final = 200
_KEY_ID: Final = re.compile(r"[0-9A-Za-z._:/+=-]{1,128}")
_VERDICT: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_STATUS_VERDICTS: Final = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    501: "not-implemented",
    503: "unavailable",
}


def verdict_for_status(status: int) -> str:
    """``ok`` below 400, else a name for the status."""
    if status < 400:
        return "ok"
    return _STATUS_VERDICTS.get(status, "client-error" if status < 500 else "server-error")


class ExchangeLog:
    """Logs one line per HTTP exchange of ``app`` (to :data:`EXCHANGE_LOGGER` by default)."""

    def __init__(self, app: ASGIApp, logger: logging.Logger | None = None) -> None:
        self.app = app
        self.log = logger or logging.getLogger(EXCHANGE_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        scope.setdefault("state", {})
        status: int | None = None
        signed = False

        async def observe(message: Message) -> None:
            nonlocal status, signed
            if message["type"] == "http.response.start":
                status = int(message["status"])
                signed = any(n.lower() == b"signature" for n, _ in message.get("headers", []))
            await send(message)

        try:
            await self.app(scope, receive, observe)
        except BaseException:
            self._line(scope, status or 500, "unhandled", signed, started)
            raise
        if status is None:
            self._line(scope, None, "no-response", signed, started)
        else:
            self._line(scope, status, _verdict(scope, status), signed, started)

    def _line(
        self, scope: Scope, status: int | None, verdict: str, signed: bool, started: float
    ) -> None:
        if not self.log.isEnabledFor(logging.INFO):
            return
        self.log.info(
            "exchange method=%s path=%s status=%s key=%s verdict=%s response=%s ms=%.1f",
            _printable(str(scope.get("method", "?")), 16),
            request_path(scope),
            "-" if status is None else status,
            caller_key_id(scope),
            verdict,
            "signed" if signed else "unsigned",
            (time.perf_counter() - started) * 1000,
        )


def request_path(scope: Scope) -> str:
    """The path as received, no query, escaped to stay on one line and cut when long."""
    raw = scope.get("raw_path") or str(scope.get("path", "")).encode("utf-8")
    return _printable(bytes(raw).decode("latin-1"), _MAX_PATH)


def caller_key_id(scope: Scope) -> str:
    """The keyId the request claims in ``Authorization`` (``-`` none, ``invalid`` unreadable)."""
    values = [v for n, v in scope.get("headers", []) if n.lower() == b"authorization"]
    if not values:
        return "-"
    try:
        params = parse_authorization(bytes(values[0]).decode("latin-1"))
    except EwpError:
        return "invalid"
    return params.key_id if _KEY_ID.fullmatch(params.key_id) else "invalid"


def _verdict(scope: Scope, status: int) -> str:
    if status < 400:
        return "ok"
    named = scope.get("state", {}).get(VERDICT_KEY)
    if isinstance(named, str) and _VERDICT.fullmatch(named):
        return named
    return verdict_for_status(status)


def _printable(text: str, limit: int) -> str:
    escaped = "".join(c if " " < c < "\x7f" else f"%{ord(c):02X}" for c in text[: limit + 1])
    return escaped if len(text) <= limit else f"{escaped[:limit]}..."
