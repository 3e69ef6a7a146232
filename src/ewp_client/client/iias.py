"""Interinstitutional Agreements API v7: reading a partner's copies of our agreements.

Every HEI serves its own copy of each agreement (``get``, at most the
partner's ``max-iia-ids`` ids per request), lists the ids a caller may fetch
(``index``, filtered by receiving academic years and ``modified_since``) and
publishes counters (``stats``). The request builders and answer readers here
do no I/O; :class:`IiasClient` and :class:`AsyncIiasClient` only send.

A fetched agreement is an :class:`IiaCopy`: the decoded :class:`~ewp_client.models.Iia`
together with the official kit's result for it (:class:`~ewp_client.iia.IiaHash`),
computed on the response exactly as received, because the ``iia-hash`` is
defined on that response. The kit reads two markers response-wide
(``terminated-as-a-whole`` changes every IIA's hash, ``not-yet-defined`` and
``v6-value`` make every IIA not valid for approval), so an IIA fetched in a
batch can hash differently from the same IIA fetched alone:
:meth:`IiasClient.get_one` asks for one id per request, which is the copy to
approve (:meth:`IiaCopy.approve`).

The serving side (reading ``iia_id`` parameters, writing answers whose
``iia-hash`` is the kit's hash of that very answer) is in
:mod:`ewp_client.server.iias`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from ..codec import decode
from ..errors import ConfigError, IiaHashInvalid, PartnerOrderError
from ..iia.approval import ApprovalRecord, approve
from ..iia.hash import IiaHash, compute_iia_hashes
from ..models import Iia, IiasGetResponse, IiasIndexResponse, IiasStatsResponse
from ..namespaces import IIAS_API
from ..partner_warnings import issue
from ..xml.parser import parse_xml
from .async_ import AsyncEwpClient
from .base import (
    MAX_GET_QUERY_LENGTH,
    Answer,
    EwpCall,
    PartnerApi,
    read_call,
    unique_batches,
)
from .sync import EwpClient

__all__ = [
    "MAX_IIA_IDS",
    "AsyncIiasClient",
    "IiaCopy",
    "IiasClient",
    "check_copies",
    "copies_of",
    "get_calls",
    "index_call",
    "merge_get_answers",
    "stats_call",
]

#: The manifest parameter limiting how many ids one ``get`` may carry.
MAX_IIA_IDS: Final = "max-iia-ids"
#: The request parameter carrying the ids.
IIA_ID: Final = "iia_id"


@dataclass(frozen=True, slots=True)
class IiaCopy:
    """One partner's copy of an agreement as fetched, and the kit's result for it.

    ``hash`` was computed on the response the copy came in (see the module
    docstring for why that matters when several IIAs are fetched together).
    """

    iia: Iia
    hash: IiaHash

    @property
    def iia_id(self) -> str | None:
        """The serving partner's id of the agreement (the first partner's ``iia-id``)."""
        return self.iia.partners[0].iia_id

    @property
    def hei_id(self) -> str:
        """The serving partner's HEI (the first partner)."""
        return self.iia.partners[0].hei_id

    @property
    def hash_verified(self) -> bool:
        """Whether the declared ``iia-hash`` is the one the kit computes."""
        return self.hash.matches_declared is True

    def approve(
        self, *, our_iia_id: str | None = None, pdf_file: str | None = None
    ) -> ApprovalRecord:
        """Our approval of this copy (see :func:`ewp_client.iia.approval.check_approvable`)."""
        return approve(
            self.hash, partner_hei_id=self.hei_id, our_iia_id=our_iia_id, pdf_file=pdf_file
        )


# ------------------------------------------------------------------- requests


def get_calls(
    hei_id: str,
    iia_ids: Sequence[str],
    *,
    max_ids: int,
    max_query_length: int = MAX_GET_QUERY_LENGTH,
) -> list[EwpCall]:
    """The ``get`` calls fetching ``iia_ids`` from ``hei_id``, at most ``max_ids`` per call.

    Ids are the partner's own; repeated ids are asked for once, in first-seen
    order. Each call is a GET unless its query would exceed ``max_query_length``.
    """
    return [
        read_call(IIAS_API, hei_id, "get-url", [("iia_id", i) for i in batch], max_query_length)
        for batch in unique_batches(iia_ids, max_ids)
    ]


def index_call(
    hei_id: str,
    *,
    receiving_academic_year_id: str | Sequence[str] | None = None,
    modified_since: datetime | None = None,
    max_query_length: int = MAX_GET_QUERY_LENGTH,
) -> EwpCall:
    """The ``index`` call: IIAs valid in any of the academic years, changed since a time.

    Academic years are written ``2024/2025``; ``modified_since`` must be
    timezone-aware.
    """
    years = (
        [receiving_academic_year_id]
        if isinstance(receiving_academic_year_id, str)
        else list(receiving_academic_year_id or ())
    )
    params = [("receiving_academic_year_id", year) for year in years]
    if modified_since is not None:
        if modified_since.tzinfo is None or modified_since.utcoffset() is None:
            raise ConfigError("modified_since must be timezone-aware")
        params.append(("modified_since", modified_since.isoformat()))
    return read_call(IIAS_API, hei_id, "index-url", params, max_query_length)


def stats_call(hei_id: str) -> EwpCall:
    """The ``stats`` call (a plain GET, the endpoint takes no parameters)."""
    return read_call(IIAS_API, hei_id, "stats-url")


def _locator(hei_id: str) -> EwpCall:
    """A call that only serves to find the partner's manifest entry (and its limits)."""
    return read_call(IIAS_API, hei_id, "get-url")


# ------------------------------------------------------------------- answers


def copies_of(document: bytes | etree._ElementTree) -> tuple[IiaCopy, ...]:
    """Every IIA of a ``get`` answer, decoded (schema-checked) and hashed by the kit."""
    tree = parse_xml(document) if isinstance(document, bytes) else document
    response = decode(tree, IiasGetResponse)
    hashes = compute_iia_hashes(tree)
    return tuple(IiaCopy(iia, result) for iia, result in zip(response.iias, hashes, strict=True))


def merge_get_answers(answers: Iterable[Answer], iia_ids: Sequence[str]) -> tuple[IiaCopy, ...]:
    """The copies of every ``get`` answer, in the order of ``iia_ids``.

    Partners answer in any order; a copy nobody asked for (which a partner
    should not send) is kept, after the others, rather than dropped.
    """
    copies = [copy for answer in answers for copy in copies_of(answer.tree)]
    rank = {iia_id: n for n, iia_id in enumerate(dict.fromkeys(iia_ids))}
    return tuple(sorted(copies, key=lambda c: rank.get(c.iia_id or "", len(rank))))


def check_copies(
    copies: tuple[IiaCopy, ...], hei_id: str, iia_ids: Sequence[str]
) -> tuple[IiaCopy, ...]:
    """``copies`` fetched from ``hei_id`` for ``iia_ids``, once they pass the client's checks.

    :class:`~ewp_client.errors.PartnerOrderError` when a copy's first
    ``<partner>`` is not ``hei_id``, or is ``hei_id`` under an id nobody asked
    for while another partner carries an asked one (the two swapped); an
    :class:`~ewp_client.errors.IiaHashInvalid` warning for each copy whose
    declared ``iia-hash`` is not the kit's (the copy stays readable, and
    :meth:`IiaCopy.approve` refuses it).
    """
    asked = set(iia_ids)
    for copy in copies:
        first = copy.iia.partners[0]
        others = [p.iia_id for p in copy.iia.partners[1:]]
        swapped = first.iia_id not in asked and any(i in asked for i in others)
        if first.hei_id.strip().lower() != hei_id.strip().lower() or swapped:
            raise PartnerOrderError(
                f"{hei_id} served an IIA whose first partner is {first.hei_id} with iia-id "
                f"{first.iia_id!r} (asked: {', '.join(iia_ids)}); the first partner must be "
                "the serving HEI, with the id asked for",
                expected_hei=hei_id,
                got_hei=first.hei_id,
                requested=iia_ids,
                got_iia_id=first.iia_id,
            )
        declared = copy.hash.declared_hash
        if declared is not None and declared != copy.hash.sha256:
            issue(
                IiaHashInvalid(
                    f"IIA {copy.iia_id!r} from {hei_id} declares iia-hash {declared}, the kit "
                    f"computes {copy.hash.sha256}",
                    iia_id=copy.iia_id,
                    declared=declared,
                    computed=copy.hash.sha256,
                    text_to_hash=copy.hash.text_to_hash,
                ),
                stacklevel=3,
            )
    return copies


# ------------------------------------------------------------------- clients


class IiasClient(PartnerApi[EwpClient]):
    """The IIAs v7 reads of a partner's agreements, over an :class:`EwpClient`."""

    def get(self, hei_id: str, iia_ids: Sequence[str]) -> tuple[IiaCopy, ...]:
        """The copies of ``iia_ids`` (the partner's ids) it shows us; unknown ids are left out."""
        if not iia_ids:
            return ()
        max_ids = self.client.max_ids(_locator(hei_id), MAX_IIA_IDS)
        calls = get_calls(hei_id, iia_ids, max_ids=max_ids, max_query_length=self.max_query_length)
        answers = self.client.read_ids(calls, IIA_ID, max_ids)
        return check_copies(merge_get_answers(answers, iia_ids), hei_id, iia_ids)

    def get_one(self, hei_id: str, iia_id: str) -> IiaCopy | None:
        """The copy of ``iia_id`` fetched alone (the one to approve); ``None`` when absent."""
        answers = self.client.read_ids(get_calls(hei_id, [iia_id], max_ids=1), IIA_ID, 1)
        copies = check_copies(merge_get_answers(answers, [iia_id]), hei_id, [iia_id])
        return next((c for c in copies if c.iia_id == iia_id), None)

    def index(
        self,
        hei_id: str,
        receiving_academic_year_id: str | Sequence[str] | None = None,
        modified_since: datetime | None = None,
    ) -> tuple[str, ...]:
        """The partner's ids of the agreements it lets us fetch, filtered as given."""
        call = index_call(
            hei_id,
            receiving_academic_year_id=receiving_academic_year_id,
            modified_since=modified_since,
            max_query_length=self.max_query_length,
        )
        return decode(self.client.call(call).tree, IiasIndexResponse).iia_ids

    def stats(self, hei_id: str) -> IiasStatsResponse:
        """The partner's counters of its agreements, by who approved them."""
        return decode(self.client.call(stats_call(hei_id)).tree, IiasStatsResponse)


class AsyncIiasClient(PartnerApi[AsyncEwpClient]):
    """The async twin of :class:`IiasClient`, over an :class:`AsyncEwpClient`."""

    async def get(self, hei_id: str, iia_ids: Sequence[str]) -> tuple[IiaCopy, ...]:
        """The copies of ``iia_ids`` (the partner's ids) it shows us; unknown ids are left out."""
        if not iia_ids:
            return ()
        max_ids = await self.client.max_ids(_locator(hei_id), MAX_IIA_IDS)
        calls = get_calls(hei_id, iia_ids, max_ids=max_ids, max_query_length=self.max_query_length)
        answers = await self.client.read_ids(calls, IIA_ID, max_ids)
        return check_copies(merge_get_answers(answers, iia_ids), hei_id, iia_ids)

    async def get_one(self, hei_id: str, iia_id: str) -> IiaCopy | None:
        """The copy of ``iia_id`` fetched alone (the one to approve); ``None`` when absent."""
        answers = await self.client.read_ids(get_calls(hei_id, [iia_id], max_ids=1), IIA_ID, 1)
        copies = check_copies(merge_get_answers(answers, [iia_id]), hei_id, [iia_id])
        return next((c for c in copies if c.iia_id == iia_id), None)

    async def index(
        self,
        hei_id: str,
        receiving_academic_year_id: str | Sequence[str] | None = None,
        modified_since: datetime | None = None,
    ) -> tuple[str, ...]:
        """The partner's ids of the agreements it lets us fetch, filtered as given."""
        call = index_call(
            hei_id,
            receiving_academic_year_id=receiving_academic_year_id,
            modified_since=modified_since,
            max_query_length=self.max_query_length,
        )
        return decode((await self.client.call(call)).tree, IiasIndexResponse).iia_ids

    async def stats(self, hei_id: str) -> IiasStatsResponse:
        """The partner's counters of its agreements, by who approved them."""
        answer = await self.client.call(stats_call(hei_id))
        return decode(answer.tree, IiasStatsResponse)
