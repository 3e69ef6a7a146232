"""Echo API v2: the answer a partner gives to prove its signatures and TLS work."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import ECHO_NS
from ._meta import element


@dataclass(frozen=True, kw_only=True, slots=True)
class EchoResponse:
    """HEIs the caller covers (per the Registry) and the ``echo`` values it sent, in order."""

    hei_ids: tuple[str, ...] = field(default=(), metadata=element("hei-id"))
    echoes: tuple[str, ...] = field(default=(), metadata=element("echo"))

    class Meta:
        name = "response"
        namespace = ECHO_NS
