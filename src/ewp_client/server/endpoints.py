"""The request rules of every endpoint in scope, each stated once.

Read endpoints take GET and POST; ``stats`` endpoints GET only; LA ``update``
and the CNR endpoints POST only (the LA ``update`` body is XML, not a form).
``limit`` names the manifest element a server publishes for the count
(``max-iia-ids``); its number is the server's to choose and is passed to
:meth:`~ewp_client.server.params.EndpointRules.read` as ``limits``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..namespaces import (
    ECHO_API,
    FACTSHEET_API,
    IIA_APPROVAL_CNR_API,
    IIA_CNR_API,
    IIAS_API,
    IIAS_APPROVAL_API,
    INSTITUTIONS_API,
    OMOBILITY_LA_CNR_API,
    OMOBILITY_LAS_API,
    OUNITS_API,
)
from .params import EndpointRules, Param, academic_year_id, date_time_with_offset, one_of

__all__ = [
    "ECHO",
    "FACTSHEET",
    "IIAS_APPROVAL",
    "IIAS_GET",
    "IIAS_INDEX",
    "IIAS_STATS",
    "IIA_APPROVAL_CNR",
    "IIA_CNR",
    "INSTITUTIONS",
    "LAS_GET",
    "LAS_INDEX",
    "LAS_STATS",
    "LAS_UPDATE",
    "LA_CNR",
    "LA_CNR_STATS",
    "MAX_HEI_IDS",
    "MAX_IIA_IDS",
    "MAX_OMOBILITY_IDS",
    "MAX_OUNIT_CODES",
    "MAX_OUNIT_IDS",
    "OUNITS",
    "RULES_BY_URL_ELEMENT",
]

MAX_IIA_IDS: Final = "max-iia-ids"
MAX_OMOBILITY_IDS: Final = "max-omobility-ids"
MAX_HEI_IDS: Final = "max-hei-ids"
MAX_OUNIT_IDS: Final = "max-ounit-ids"
MAX_OUNIT_CODES: Final = "max-ounit-codes"

_GET: Final = ("GET",)
_POST: Final = ("POST",)

_MODIFIED_SINCE: Final = Param("modified_since", check=date_time_with_offset)
_SENDING_HEI: Final = Param("sending_hei_id", required=True)

#: Echo v2: any number of ``echo`` values, sent back.
ECHO: Final = EndpointRules("Echo", (Param("echo", repeatable=True),))

#: IIAs v7 get: the serving HEI's ids of the agreements wanted.
IIAS_GET: Final = EndpointRules(
    "IIAs get", (Param("iia_id", required=True, repeatable=True, limit=MAX_IIA_IDS),)
)
#: IIAs v7 index: filtered by receiving academic years and a modification time.
IIAS_INDEX: Final = EndpointRules(
    "IIAs index",
    (Param("receiving_academic_year_id", repeatable=True, check=academic_year_id), _MODIFIED_SINCE),
)
#: IIAs v7 stats: no parameters, GET only.
IIAS_STATS: Final = EndpointRules("IIAs stats", methods=_GET)
#: IIA Approval v2: the ids (the serving HEI's own) of the approvals wanted.
IIAS_APPROVAL: Final = EndpointRules(
    "IIA Approval", (Param("iia_id", required=True, repeatable=True, limit=MAX_IIA_IDS),)
)
#: IIA CNR v3: one agreement changed.
IIA_CNR: Final = EndpointRules("IIA CNR", (Param("iia_id", required=True),), methods=_POST)
#: IIA Approval CNR v2: one of the notifier's approvals changed.
IIA_APPROVAL_CNR: Final = EndpointRules(
    "IIA Approval CNR", (Param("iia_id", required=True),), methods=_POST
)

#: OMobility LAs v1 get: the sending HEI's mobilities.
LAS_GET: Final = EndpointRules(
    "OMobility LAs get",
    (
        _SENDING_HEI,
        Param("omobility_id", required=True, repeatable=True, limit=MAX_OMOBILITY_IDS),
    ),
)
#: OMobility LAs v1 index.
LAS_INDEX: Final = EndpointRules(
    "OMobility LAs index",
    (
        _SENDING_HEI,
        Param("receiving_hei_id", repeatable=True),
        Param("receiving_academic_year_id", check=academic_year_id),
        Param("global_id"),
        Param("mobility_type", check=one_of("blended", "doctoral", "semester")),
        _MODIFIED_SINCE,
    ),
)
#: OMobility LAs v1 stats: GET only.
LAS_STATS: Final = EndpointRules("OMobility LAs stats", methods=_GET)
#: OMobility LAs v1 update: POST with an XML body (no form parameters).
LAS_UPDATE: Final = EndpointRules("OMobility LAs update", methods=_POST, form=False)
#: OMobility LA CNR v1.1: the sending HEI's changed mobilities.
LA_CNR: Final = EndpointRules(
    "OMobility LA CNR",
    (
        _SENDING_HEI,
        Param("omobility_id", required=True, repeatable=True, limit=MAX_OMOBILITY_IDS),
    ),
    methods=_POST,
)
#: OMobility LA CNR v1.1 stats (incoming LAs): GET only.
LA_CNR_STATS: Final = EndpointRules("OMobility LA CNR stats", methods=_GET)

#: Institutions v2.
INSTITUTIONS: Final = EndpointRules(
    "Institutions", (Param("hei_id", required=True, repeatable=True, limit=MAX_HEI_IDS),)
)
#: Organizational Units v2: ids or codes, never both.
OUNITS: Final = EndpointRules(
    "OUnits",
    (
        Param("hei_id", required=True),
        Param("ounit_id", repeatable=True, limit=MAX_OUNIT_IDS),
        Param("ounit_code", repeatable=True, limit=MAX_OUNIT_CODES),
    ),
    one_of=(("ounit_id", "ounit_code"),),
)
#: Factsheet v1.
FACTSHEET: Final = EndpointRules(
    "Factsheet", (Param("hei_id", required=True, repeatable=True, limit=MAX_HEI_IDS),)
)

#: The rules of each endpoint a manifest entry announces, by the entry's API
#: name and URL element (``("iias", "get-url")``), for the API versions in scope:
#: what a client checking a partner's endpoints (``ewp doctor``) holds them to.
RULES_BY_URL_ELEMENT: Final[Mapping[tuple[str, str], EndpointRules]] = {
    (ECHO_API.name, "url"): ECHO,
    (IIAS_API.name, "get-url"): IIAS_GET,
    (IIAS_API.name, "index-url"): IIAS_INDEX,
    (IIAS_API.name, "stats-url"): IIAS_STATS,
    (IIAS_APPROVAL_API.name, "url"): IIAS_APPROVAL,
    (IIA_CNR_API.name, "url"): IIA_CNR,
    (IIA_APPROVAL_CNR_API.name, "url"): IIA_APPROVAL_CNR,
    (OMOBILITY_LAS_API.name, "get-url"): LAS_GET,
    (OMOBILITY_LAS_API.name, "index-url"): LAS_INDEX,
    (OMOBILITY_LAS_API.name, "stats-url"): LAS_STATS,
    (OMOBILITY_LAS_API.name, "update-url"): LAS_UPDATE,
    (OMOBILITY_LA_CNR_API.name, "url"): LA_CNR,
    (OMOBILITY_LA_CNR_API.name, "stats-url"): LA_CNR_STATS,
    (INSTITUTIONS_API.name, "url"): INSTITUTIONS,
    (OUNITS_API.name, "url"): OUNITS,
    (FACTSHEET_API.name, "url"): FACTSHEET,
}
