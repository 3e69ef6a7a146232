"""Echo API v2: checking that a partner's endpoint, signatures and TLS work with ours.

The partner answers the HEIs our client key covers (as its copy of the
Registry catalogue says) and the ``echo`` values we sent, in order. A read
like any other: sent as GET, or as a POST form (the API takes both, and a
partner may get one of them wrong, so either can be asked for). The request
builder and the answer reader do no I/O; :class:`EchoClient` and
:class:`AsyncEchoClient` only send.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ..codec import decode
from ..errors import ConfigError
from ..models import EchoResponse
from ..namespaces import ECHO_API
from .async_ import AsyncEwpClient
from .base import MAX_GET_QUERY_LENGTH, Answer, EwpCall, PartnerApi, read_call
from .sync import EwpClient

__all__ = ["AsyncEchoClient", "EchoClient", "echo_call", "read_echo_answer"]

#: How an echo is sent: ``None`` lets the query length decide (GET unless too long).
EchoMethod = Literal["GET", "POST"] | None


def echo_call(
    hei_id: str,
    echoes: Sequence[str] = (),
    *,
    method: EchoMethod = None,
    max_query_length: int = MAX_GET_QUERY_LENGTH,
) -> EwpCall:
    """The call asking ``hei_id``'s Echo endpoint to echo ``echoes`` (in order, repeats kept)."""
    if isinstance(echoes, str):
        raise ConfigError("echoes is a sequence of values, not one string")
    params = [("echo", value) for value in echoes]
    call = read_call(ECHO_API, hei_id, "url", params, max_query_length)
    if method is None or method == call.method:
        return call
    if method not in ("GET", "POST"):
        raise ConfigError(f"an echo is sent as GET or POST, not {method!r}")
    return EwpCall(
        validate=call.validate,
        api=call.api,
        hei_id=call.hei_id,
        endpoint=call.endpoint,
        method=method,
        params=call.params,
        kind=call.kind,
    )


def read_echo_answer(answer: Answer) -> EchoResponse:
    """The partner's echo response (schema-validated by the codec)."""
    return decode(answer.tree, EchoResponse)


class EchoClient(PartnerApi[EwpClient]):
    """Calls partners' Echo endpoints over an :class:`EwpClient`."""

    def echo(
        self, hei_id: str, echoes: Sequence[str] = (), *, method: EchoMethod = None
    ) -> EchoResponse:
        """Ask ``hei_id``'s Echo endpoint to echo ``echoes``; its answer, verified and decoded."""
        call = echo_call(hei_id, echoes, method=method, max_query_length=self.max_query_length)
        return read_echo_answer(self.client.call(call))


class AsyncEchoClient(PartnerApi[AsyncEwpClient]):
    """The async twin of :class:`EchoClient`, over an :class:`AsyncEwpClient`."""

    async def echo(
        self, hei_id: str, echoes: Sequence[str] = (), *, method: EchoMethod = None
    ) -> EchoResponse:
        """Ask ``hei_id``'s Echo endpoint to echo ``echoes``; its answer, verified and decoded."""
        call = echo_call(hei_id, echoes, method=method, max_query_length=self.max_query_length)
        return read_echo_answer(await self.client.call(call))
