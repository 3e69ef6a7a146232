"""Behaviours on the request and the status: refuse, misread, delay, hang, override the status."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar, Final
from urllib.parse import parse_qsl, quote, unquote, urlencode

from ewp_client.error_response import render_error_response
from ewp_client.errors import ConfigError

from .exchange import HTML_TYPE, XML_TYPE, Behaviour, ClientGone, Exchange, Stage

__all__ = [
    "Delay",
    "FormCharsetIgnored",
    "Hang",
    "RefuseIdsOver",
    "StatusOverride",
    "StrictRequestTarget",
]

# ---------------------------------------------------------------- status


_WHEN: Final = ("always", "empty", "error", "success")
_BODIES: Final = ("error-response", "html", "keep")


@dataclass(frozen=True, kw_only=True)
class StatusOverride(Behaviour):
    """Answer ``status`` (0: keep it) with ``body`` (an ``error-response``, an HTML page, as is).

    ``when``: ``always``; ``empty`` (a 2xx XML answer listing nothing, as for
    unknown ids); ``error`` (a 4xx/5xx answer); ``success`` (a 2xx answer).
    """

    TYPE: ClassVar[str] = "status"
    status: int = 0
    body: str = "error-response"
    message: str = "answered by a fault scenario"
    user_message: str = ""
    when: str = "always"

    def __post_init__(self) -> None:
        if self.status and not 100 <= self.status <= 599:
            raise ConfigError(f"status {self.status} is not an HTTP status")
        if self.when not in _WHEN:
            raise ConfigError(f"when must be one of {', '.join(_WHEN)}, not {self.when!r}")
        if self.body not in _BODIES:
            raise ConfigError(f"body must be one of {', '.join(_BODIES)}, not {self.body!r}")

    @property
    def stage(self) -> Stage:
        return Stage.RESPONSE

    @property
    def order(self) -> int:
        return 4 if self.when == "error" else 3  # an error made by another scenario is seen

    def describe(self) -> str:
        status = str(self.status) if self.status else "the same status"
        when = "" if self.when == "always" else f" when the answer is {self.when}"
        body = {"error-response": "an error-response", "html": "an HTML page", "keep": "its body"}
        return f"answer {status} with {body[self.body]}{when}"

    def applies_to(self, exchange: Exchange) -> bool:
        ok = 200 <= exchange.status < 300
        if self.when == "error":
            return exchange.status >= 400
        if self.when == "success":
            return ok
        if self.when == "empty":
            root = exchange.xml_root() if ok else None
            return root is not None and len(root) == 0
        return True

    async def apply(self, exchange: Exchange) -> None:
        if not self.applies_to(exchange):
            return
        status = self.status or exchange.status
        if self.body == "error-response":
            body = render_error_response(self.message, self.user_message or None)
            exchange.answer(status, body, XML_TYPE)
        elif self.body == "html":
            page = (
                f"<!DOCTYPE html><html><head><title>{status} Error</title></head>"
                f"<body><h1>{status} Error</h1><p>{self.message}</p></body></html>"
            )
            exchange.answer(status, page.encode("utf-8"), HTML_TYPE)
        else:
            exchange.status = status


# ---------------------------------------------------------------- request handling and timing


@dataclass(frozen=True, kw_only=True)
class RefuseIdsOver(Behaviour):
    """Answer 400 to requests with more than ``limit`` ``parameter`` values (whatever the
    manifest declares)."""

    TYPE: ClassVar[str] = "refuse-ids-over"
    parameter: str = ""
    limit: int = 1

    def __post_init__(self) -> None:
        if not self.parameter or self.limit < 0:
            raise ConfigError("refuse-ids-over needs a parameter and a limit of 0 or more")

    @property
    def stage(self) -> Stage:
        return Stage.REQUEST

    def describe(self) -> str:
        return f"400 for more than {self.limit} {self.parameter} values"

    async def apply(self, exchange: Exchange) -> None:
        count = len(exchange.request_values(self.parameter))
        if count > self.limit:
            message = f"too many {self.parameter} values: {count}, at most {self.limit}"
            exchange.answer(400, render_error_response(message), XML_TYPE)


@dataclass(frozen=True, kw_only=True)
class FormCharsetIgnored(Behaviour):
    """Read form bodies as Latin-1 whatever their charset: UTF-8 values arrive garbled."""

    TYPE: ClassVar[str] = "form-charset-ignored"

    @property
    def stage(self) -> Stage:
        return Stage.REQUEST

    def describe(self) -> str:
        return "form bodies read as Latin-1 (charset ignored)"

    async def apply(self, exchange: Exchange) -> None:
        content_type = dict(exchange.request_headers).get("content-type", "")
        if not exchange.request_body or "x-www-form-urlencoded" not in content_type.lower():
            return
        text = exchange.request_body.decode("ascii", "replace")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="latin-1")
        exchange.request_body = urlencode(pairs, encoding="utf-8").encode("ascii")


@dataclass(frozen=True, kw_only=True)
class StrictRequestTarget(Behaviour):
    """Verify ``(request-target)`` over the node's own re-encoding of the path and query:
    a request whose target is encoded otherwise (``%3a``, an unencoded ``:``) gets 401."""

    TYPE: ClassVar[str] = "strict-request-target"

    @property
    def stage(self) -> Stage:
        return Stage.REQUEST

    def describe(self) -> str:
        return "401 unless (request-target) is encoded as the node re-encodes it"

    async def apply(self, exchange: Exchange) -> None:
        canonical = quote(unquote(exchange.target), safe="/?&=")
        if canonical != exchange.target:
            message = (
                f"the signature does not verify: (request-target) read as {canonical!r}, "
                f"not {exchange.target!r}"
            )
            exchange.answer(401, render_error_response(message), XML_TYPE)


@dataclass(frozen=True, kw_only=True)
class Delay(Behaviour):
    """Wait ``seconds`` (real time: a client's timeout is real) before the node answers."""

    TYPE: ClassVar[str] = "delay"
    seconds: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.seconds <= 3600:
            raise ConfigError(f"delay seconds must be 0-3600, not {self.seconds}")

    @property
    def stage(self) -> Stage:
        return Stage.REQUEST

    def describe(self) -> str:
        return f"answer after {self.seconds:g} s"

    async def apply(self, exchange: Exchange) -> None:
        await asyncio.sleep(self.seconds)


@dataclass(frozen=True, kw_only=True)
class Hang(Behaviour):
    """Never answer: hold the request until the client goes away."""

    TYPE: ClassVar[str] = "hang"

    @property
    def stage(self) -> Stage:
        return Stage.REQUEST

    def describe(self) -> str:
        return "never answer (hang until the client gives up)"

    async def apply(self, exchange: Exchange) -> None:
        while (await exchange.receive())["type"] != "http.disconnect":
            pass
        raise ClientGone
