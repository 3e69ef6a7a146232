"""The mock's routes, one module per API.

A partner API module exposes ``API``, a :class:`MockApi`: its router and the
manifest entry that announces it. :data:`PARTNER_APIS` lists them in the order
the manifests name them; the Discovery and Registry routes, which describe the
node rather than serve an EWP partner API to signed clients, are separate.
Adding an API is adding a module and a line here.
"""

from __future__ import annotations

from .api import MockApi
from .cnr import IIA_APPROVAL_CNR_API_ROUTES, IIA_CNR_API_ROUTES, LA_CNR_API_ROUTES
from .discovery import router as discovery_router
from .echo import API as ECHO
from .factsheet import API as FACTSHEET
from .iias import API as IIAS
from .iias import APPROVAL_API as IIAS_APPROVAL
from .institutions import INSTITUTIONS_API_ROUTES, OUNITS_API_ROUTES
from .las import API as LAS
from .registry import router as registry_router

__all__ = ["PARTNER_APIS", "MockApi", "discovery_router", "registry_router"]

#: Partner APIs served to signed clients and announced in the manifests.
PARTNER_APIS: tuple[MockApi, ...] = (
    ECHO,
    IIAS,
    IIAS_APPROVAL,
    IIA_CNR_API_ROUTES,
    IIA_APPROVAL_CNR_API_ROUTES,
    LAS,
    LA_CNR_API_ROUTES,
    INSTITUTIONS_API_ROUTES,
    OUNITS_API_ROUTES,
    FACTSHEET,
)
