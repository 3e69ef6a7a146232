"""Small fault behaviours a scenario is made of, each acting at one stage of an exchange.

A behaviour is a frozen dataclass with a :class:`~ewp_mock.faults.matching.Match`
(which API, endpoint, fraction of requests) and a :attr:`Behaviour.stage`:

* ``request``: before the node's routes, inside the signature check (refuse
  a request, delay it, hang);
* ``response``: the routes' answer, before it is signed (change the body or
  the status, refresh after a CNR before answering);
* ``signed``: the signed answer on its way out (sign another date, with
  another key or fewer headers, encode the body after signing, drop the
  signature, break the body);
* ``cnr``: the node's own change notifications (not sent, sent late on the
  node's clock);
* ``tls``: the certificate the node makes for itself.

Each has a ``TYPE``: the name a scenario file gives it (``type = "drop"``).
:data:`BEHAVIOUR_TYPES` maps those names to the classes. Body paths are
written with local names, ``/`` between steps, ``//`` for "anywhere below",
``[n]`` for the n-th, and a final ``@name`` for an attribute:
``//student-studies-mobility-spec[1]/recommended-language-skill``.
Signatures, digests and hashes are ewp_client's (:mod:`ewp_client.security`,
:func:`ewp_client.iia.hash.compute_iia_hashes`); the mock never re-implements them.
"""

from __future__ import annotations

from typing import Final

from .answers import (
    Delay,
    FormCharsetIgnored,
    Hang,
    RefuseIdsOver,
    StatusOverride,
    StrictRequestTarget,
)
from .body import (
    ChangeValue,
    DropElements,
    InsertElements,
    RecomputeIiaHash,
    ReverseOrder,
    xpath_of,
)
from .exchange import Behaviour, ClientGone, Exchange, Stage
from .outgoing import CnrNotSent, CnrRefreshSynchronously, CnrSentLate, TlsCertificate
from .signed import (
    Correlation,
    DateRewritten,
    EncodeAfterSigning,
    SignedDate,
    SignedHeaders,
    SigningKeyFault,
    Unsigned,
)

__all__ = [
    "BEHAVIOUR_TYPES",
    "Behaviour",
    "ChangeValue",
    "ClientGone",
    "CnrNotSent",
    "CnrRefreshSynchronously",
    "CnrSentLate",
    "Correlation",
    "DateRewritten",
    "Delay",
    "DropElements",
    "EncodeAfterSigning",
    "Exchange",
    "FormCharsetIgnored",
    "Hang",
    "InsertElements",
    "RecomputeIiaHash",
    "RefuseIdsOver",
    "ReverseOrder",
    "SignedDate",
    "SignedHeaders",
    "SigningKeyFault",
    "Stage",
    "StatusOverride",
    "StrictRequestTarget",
    "TlsCertificate",
    "Unsigned",
    "xpath_of",
]

#: The behaviour types by the name scenario files use.
BEHAVIOUR_TYPES: Final[dict[str, type[Behaviour]]] = {
    cls.TYPE: cls
    for cls in (
        DropElements,
        ChangeValue,
        ReverseOrder,
        InsertElements,
        RecomputeIiaHash,
        StatusOverride,
        RefuseIdsOver,
        FormCharsetIgnored,
        StrictRequestTarget,
        Delay,
        Hang,
        SignedDate,
        DateRewritten,
        Correlation,
        SignedHeaders,
        SigningKeyFault,
        Unsigned,
        EncodeAfterSigning,
        CnrNotSent,
        CnrSentLate,
        CnrRefreshSynchronously,
        TlsCertificate,
    )
}
