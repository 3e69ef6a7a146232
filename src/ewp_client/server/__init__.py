"""The server half of the EWP protocol, written once, with no web framework.

What a SIS team puts in front of its own EWP endpoints, and what the
``ewp_mock`` partner is built on:

* :class:`EwpSignatureMiddleware` (:mod:`.middleware`): a pure ASGI middleware
  that bounds and verifies each request's HTTP Signature, hands the app the
  verified result in ``scope["state"]["ewp_verified"]`` (:func:`verified_of`),
  answers failures and refusals as EWP ``error-response`` documents, and
  signs the final response bytes when the client asks;
* :mod:`.params` and :mod:`.endpoints`: each endpoint's request rules, stated
  once (methods, required / repeatable parameters, value checks, ``max-*``
  limits); :meth:`EndpointRules.read` answers 405, 415 and 400 as the specs
  and the official validator expect;
* :mod:`.access`: the :class:`Caller` a signature proves and what it may see
  (its HEIs' IIAs and LAs only, unknown and forbidden ids left out alike;
  stats for the Stats Portal);
* :mod:`.answers`: answers as plain data (:class:`Answer`), errors rendered as
  ``error-response`` with the status of their type;
* :mod:`.manifest`: the Discovery v6 manifest (one HEI per manifest);
* per-API answers over small store Protocols (:mod:`.repository`): :mod:`.iias`
  (IIAs ``get`` / ``index`` / ``stats`` with the kit's ``iia-hash`` computed on
  each answer, and IIA Approval, over an :class:`IiaRepository` and an
  :class:`ApprovalRepository`), :mod:`.la_cnr` (notifications
  in, stats out), :mod:`.institutions` (Institutions and OUnits over a
  :class:`DirectoryRepository`), :mod:`.las` (OMobility LAs reads over a
  :class:`LaRepository`), :mod:`.la_update` (the LAs ``update`` endpoint:
  approve or comment a proposal through :class:`~ewp_client.ola.SendingLa`,
  written to a :class:`WritableLaRepository`), :mod:`.factsheet` (Factsheet
  over a :class:`FactsheetRepository`).

A SIS team's IIAs ``get`` endpoint, with no web framework (FastAPI works alike)::

    from ewp_client.security import RequestVerifier, ResponseSigner
    from ewp_client.server import IIAS_GET, Caller, EwpSignatureMiddleware, parameters_of
    from ewp_client.server import send_answer, verified_of
    from ewp_client.server.iias import answer_get

    async def iias_get(scope, receive, send):  # reached only by verified requests
        params = parameters_of(scope, IIAS_GET, {"max-iia-ids": 50})  # 405/415/400 raised
        caller = Caller.from_verified(verified_of(scope))  # keyId and the HEIs it covers
        await send_answer(send, answer_get(store, hei_id=HEI, caller=caller, params=params))

    app = EwpSignatureMiddleware(iias_get, verifier=RequestVerifier(resolver),
                                 signer=ResponseSigner(server_key), host="ewp.uni.example")

``store`` is the team's :class:`IiaRepository`, ``resolver`` a
:class:`~ewp_client.security.KeyResolver` over the Registry catalogue
(:class:`~ewp_client.registry.resolver.CatalogueKeyResolver`).

Errors the app raises (:class:`~ewp_client.errors.InvalidParameter`,
:class:`~ewp_client.errors.MethodNotAllowed`, ...) are answered by the
middleware as their ``error-response``, signed like any other answer.
"""

from .access import STATS_PORTAL_HEI, Caller, check_stats_access, may_read_stats, visible
from .answers import XML_MEDIA_TYPE, Answer, bad_request, error_answer, xml_answer
from .endpoints import (
    ECHO,
    FACTSHEET,
    IIA_APPROVAL_CNR,
    IIA_CNR,
    IIAS_APPROVAL,
    IIAS_GET,
    IIAS_INDEX,
    IIAS_STATS,
    INSTITUTIONS,
    LA_CNR,
    LA_CNR_STATS,
    LAS_GET,
    LAS_INDEX,
    LAS_STATS,
    LAS_UPDATE,
    OUNITS,
    RULES_BY_URL_ELEMENT,
)
from .factsheet import FactsheetRepository, InMemoryFactsheets, answer_factsheet
from .iias import read_iia_ids, render_get_response, render_index_response, stamp_iia_hashes
from .institutions import answer_institutions, answer_ounits
from .la_cnr import (
    LaCnrNotification,
    read_notification,
    render_incoming_stats,
    render_notification_response,
)
from .la_update import (
    UPDATE_MEDIA_TYPES,
    UpdateOutcome,
    answer_las_update,
    apply_las_update,
    read_update_request,
)
from .las import (
    InMemoryLaRepository,
    LaRepository,
    answer_las_get,
    answer_las_index,
    answer_las_stats,
    is_served,
)
from .manifest import HTTPSIG_ONLY, build_manifest, manifest_key
from .middleware import (
    DEFAULT_MAX_BODY_BYTES,
    SIGNATURE_ERROR_KEY,
    VERIFIED_KEY,
    ASGIApp,
    EwpSignatureMiddleware,
    parameters_of,
    replay_body,
    request_target,
    send_answer,
    verified_of,
)
from .params import (
    FORM,
    READ_METHODS,
    EndpointRules,
    Param,
    Parameters,
    academic_year_id,
    date_time_with_offset,
    one_of,
    parse_form,
)
from .repository import (
    ApprovalRepository,
    DirectoryRepository,
    IiaRepository,
    InMemoryApprovalRepository,
    InMemoryDirectory,
    InMemoryIiaRepository,
    StoredIia,
    WritableLaRepository,
)
from .xml_text import escape_unrepresentable, first_unrepresentable

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "ECHO",
    "FACTSHEET",
    "FORM",
    "HTTPSIG_ONLY",
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
    "OUNITS",
    "READ_METHODS",
    "RULES_BY_URL_ELEMENT",
    "SIGNATURE_ERROR_KEY",
    "STATS_PORTAL_HEI",
    "UPDATE_MEDIA_TYPES",
    "VERIFIED_KEY",
    "XML_MEDIA_TYPE",
    "ASGIApp",
    "Answer",
    "ApprovalRepository",
    "Caller",
    "DirectoryRepository",
    "EndpointRules",
    "EwpSignatureMiddleware",
    "FactsheetRepository",
    "IiaRepository",
    "InMemoryApprovalRepository",
    "InMemoryDirectory",
    "InMemoryFactsheets",
    "InMemoryIiaRepository",
    "InMemoryLaRepository",
    "LaCnrNotification",
    "LaRepository",
    "Param",
    "Parameters",
    "StoredIia",
    "UpdateOutcome",
    "WritableLaRepository",
    "academic_year_id",
    "answer_factsheet",
    "answer_institutions",
    "answer_las_get",
    "answer_las_index",
    "answer_las_stats",
    "answer_las_update",
    "answer_ounits",
    "apply_las_update",
    "bad_request",
    "build_manifest",
    "check_stats_access",
    "date_time_with_offset",
    "error_answer",
    "escape_unrepresentable",
    "first_unrepresentable",
    "is_served",
    "manifest_key",
    "may_read_stats",
    "one_of",
    "parameters_of",
    "parse_form",
    "read_iia_ids",
    "read_notification",
    "read_update_request",
    "render_get_response",
    "render_incoming_stats",
    "render_index_response",
    "render_notification_response",
    "replay_body",
    "request_target",
    "send_answer",
    "stamp_iia_hashes",
    "verified_of",
    "visible",
    "xml_answer",
]
