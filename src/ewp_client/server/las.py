"""OMobility LAs v1 ``get``, ``index`` and ``stats``, the sending HEI's side.

The sending HEI serves its learning agreements (drafts are kept, never
served). Permissions follow the spec: a caller covering an LA's receiving
HEI may read it; anything else is left out of a 200 answer exactly like an
unknown id. A ``sending_hei_id`` the server does not cover is a 400 (the
official validator's expectation). ``stats`` is for the Stats Portal, counted
by :func:`ewp_client.ola.stats_response`. The store Protocols
(:class:`LaRepository`, and :class:`~ewp_client.server.repository.WritableLaRepository`
for ``update``, :mod:`.la_update`) live in :mod:`.repository`.
"""

from __future__ import annotations

from datetime import datetime

from ..codec import encode
from ..models import LasGetResponse, LasIndexResponse
from ..ola import SendingLa, VersionStatus, stats_response
from .access import Caller, check_stats_access, visible
from .answers import Answer, bad_request, xml_answer
from .params import Parameters
from .repository import InMemoryLaRepository, LaChangeTimes, LaRepository

__all__ = [
    "InMemoryLaRepository",
    "LaRepository",
    "answer_las_get",
    "answer_las_index",
    "answer_las_stats",
    "is_served",
]


def is_served(record: SendingLa) -> bool:
    """Whether the LA is published: every status but the lifecycle's draft."""
    return record.status is not VersionStatus.DRAFT


def _receiving(record: SendingLa) -> list[str | None]:
    return [record.la.receiving_hei.hei_id]


def _served(repository: LaRepository, params: Parameters) -> tuple[str, list[SendingLa]]:
    sending = params.one("sending_hei_id") or ""
    if not repository.covers(sending):
        raise bad_request(
            f"this server does not serve sending_hei_id {sending[:60]!r}", "sending_hei_id"
        )
    return sending, [r for r in repository.las_of(sending) if is_served(r)]


def answer_las_get(repository: LaRepository, *, caller: Caller, params: Parameters) -> Answer:
    """The ``get`` answer (``params`` read by ``LAS_GET``): the caller's LAs among the ids."""
    _, records = _served(repository, params)
    by_id = {r.la.omobility_id: r for r in records}
    found = [by_id[i] for i in params.unique("omobility_id") if i in by_id]
    shown = visible(caller, found, _receiving)
    return xml_answer(encode(LasGetResponse(las=tuple(r.la for r in shown))))


def answer_las_index(repository: LaRepository, *, caller: Caller, params: Parameters) -> Answer:
    """The ``index`` answer (``params`` read by ``LAS_INDEX``), filtered as the spec lists.

    ``modified_since`` lists the LAs changed after that time when the
    repository knows change times (:class:`~ewp_client.server.repository.LaChangeTimes`);
    an LA whose time is unknown is always listed (the spec lets a server list
    unchanged LAs rather than miss a change).
    """
    sending, records = _served(repository, params)
    since_text = params.one("modified_since")
    if since_text and isinstance(repository, LaChangeTimes):
        since = datetime.fromisoformat(since_text.replace("Z", "+00:00"))
        records = [
            r
            for r in records
            if (changed := repository.modified(sending, r.la.omobility_id)) is None
            or changed > since
        ]
    receiving = {h.lower() for h in params.unique("receiving_hei_id")}
    year = params.one("receiving_academic_year_id")
    global_id = params.one("global_id")
    kind = params.one("mobility_type")
    listed = [
        r.la.omobility_id
        for r in visible(caller, records, _receiving)
        if (not receiving or r.la.receiving_hei.hei_id.lower() in receiving)
        and (not year or r.la.receiving_academic_year_id == year)
        and (not global_id or r.la.student.global_id == global_id)
        and (not kind or r.mobility_type.value == kind)
    ]
    return xml_answer(encode(LasIndexResponse(omobility_ids=tuple(listed))))


def answer_las_stats(
    repository: LaRepository, *, hei_id: str, caller: Caller, open_stats: bool = False
) -> Answer:
    """The ``stats`` answer of ``hei_id``'s outgoing LAs, for the Stats Portal."""
    check_stats_access(caller, open_stats=open_stats)
    records = [r for r in repository.las_of(hei_id) if is_served(r)]
    return xml_answer(encode(stats_response(records)))
