"""IIAs v7 and IIA Approval v2, the serving side: request ids in, hashed answers out.

:func:`read_iia_ids` reads the ``iia_id`` parameters of a ``get`` (or an
Approval) request; :func:`render_get_response` writes a ``get`` answer whose
every ``iia-hash`` is the official kit's hash of that very answer (the hash is
defined on the response as sent, and the kit reads some markers
response-wide, so an IIA's hash can depend on the other IIAs answered with
it); :func:`stamp_iia_hashes` does the same for XML written otherwise;
:func:`render_index_response` writes an ``index`` answer. :func:`answer_get`,
:func:`answer_index`, :func:`answer_stats` and :func:`answer_approvals` (IIA
Approval v2) are the whole endpoints over an
:class:`~ewp_client.server.repository.IiaRepository`, without I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from lxml import etree

from ..codec import encode
from ..errors import ConfigError
from ..iia.hash import IiaHash, compute_iia_hashes
from ..models import (
    Iia,
    IiasApprovalResponse,
    IiasGetResponse,
    IiasIndexResponse,
    IiasStatsResponse,
)
from ..xml.parser import parse_xml
from ..xml.validate import validate
from .access import Caller, check_stats_access, visible
from .answers import Answer, bad_request, xml_answer
from .params import Parameters
from .repository import ApprovalRepository, IiaRepository, StoredIia

__all__ = [
    "answer_approvals",
    "answer_get",
    "answer_index",
    "answer_stats",
    "read_iia_ids",
    "render_get_response",
    "render_index_response",
    "stamp_iia_hashes",
]

#: A syntactically valid ``iia-hash`` written before the real one is computed.
_PLACEHOLDER_HASH: Final = "0" * 64


def read_iia_ids(
    params: Iterable[tuple[str, str]], *, max_ids: int | None = None
) -> tuple[str, ...]:
    """The ``iia_id`` values of a ``get`` (or IIA Approval) request, repeated ones once.

    Raises :class:`~ewp_client.errors.InvalidParameter` (a ``BadRequest``,
    answer 400) when there is none, or more than ``max_ids`` (the limit the
    server publishes; repeats count, as the official validator sends them).
    Unknown ids are not an error: the answer simply leaves them out. See
    :data:`ewp_client.server.endpoints.IIAS_GET` for the whole request's rules.
    """
    ids = [value for name, value in params if name == "iia_id" and value]
    if not ids:
        raise bad_request("expected at least one iia_id", "iia_id")
    if max_ids is not None and len(ids) > max_ids:
        raise bad_request(f"{len(ids)} iia_id values, more than max-iia-ids ({max_ids})", "iia_id")
    return tuple(dict.fromkeys(ids))


def stamp_iia_hashes(tree: etree._ElementTree) -> list[IiaHash]:
    """Write into every ``<iia-hash>`` of an IIAs get response the kit's hash of that response.

    For a serving HEI that writes its own XML: the hashes are computed on
    ``tree`` as it stands (so after every other change) and written in place;
    returns the kit's results. Every ``<iia>`` must already have its
    ``<iia-hash>`` element (any value): :class:`~ewp_client.errors.ConfigError`
    otherwise. The ``<iia-hash>`` is not part of the hashed text, so writing it
    does not change the hashes.
    """
    results = compute_iia_hashes(tree)
    targets = []
    for iia in tree.getroot().iter("{*}iia"):
        target = iia.find("{*}iia-hash")
        if target is None:
            raise ConfigError(f"<iia> (line {iia.sourceline}) has no <iia-hash> element to fill")
        targets.append(target)
    for target, result in zip(targets, results, strict=True):
        target.text = result.sha256
    return results


def render_get_response(iias: Iterable[Iia]) -> bytes:
    """The ``get`` answer holding ``iias``, each ``iia-hash`` computed by the kit on it.

    The hashes given in the models are ignored: each ``<iia-hash>`` is the hash
    of this response as written, which is what a partner verifies.
    """
    placeholders = tuple(dataclasses.replace(iia, iia_hash=_PLACEHOLDER_HASH) for iia in iias)
    tree = parse_xml(encode(IiasGetResponse(iias=placeholders), validate_output=False))
    stamp_iia_hashes(tree)
    validate(tree)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def render_index_response(iia_ids: Iterable[str]) -> bytes:
    """The ``index`` answer listing ``iia_ids``."""
    return encode(IiasIndexResponse(iia_ids=tuple(iia_ids)))


# ------------------------------------------------------------------ handlers


def _partner_heis(stored: StoredIia) -> list[str | None]:
    return [p.hei_id for p in stored.iia.partners]


def answer_get(
    repository: IiaRepository,
    *,
    hei_id: str,
    caller: Caller,
    params: Parameters,
) -> Answer:
    """The ``get`` answer of ``hei_id`` to ``caller`` (``params`` read by :data:`IIAS_GET`).

    Unknown ids and agreements the caller is no partner of are left out
    alike (200, possibly empty); each ``iia-hash`` is computed on the answer.
    """
    found = [repository.find(hei_id, i) for i in params.unique("iia_id")]
    shown = visible(caller, [s for s in found if s is not None], _partner_heis)
    return xml_answer(render_get_response(s.iia for s in shown))


def answer_index(
    repository: IiaRepository,
    *,
    hei_id: str,
    caller: Caller,
    params: Parameters,
) -> Answer:
    """The ``index`` answer of ``hei_id`` to ``caller`` (``params`` read by :data:`IIAS_INDEX`).

    Lists what ``get`` would show the caller, valid in one of the
    ``receiving_academic_year_id`` years (when given) and changed after
    ``modified_since`` (when given; an agreement whose change time the store
    does not know is always listed).
    """
    years = set(params.unique("receiving_academic_year_id"))
    since_text = params.one("modified_since")
    since = datetime.fromisoformat(since_text.replace("Z", "+00:00")) if since_text else None
    listed = [
        s.iia_id
        for s in visible(caller, repository.iias_of(hei_id), _partner_heis)
        if s.iia_id
        and (not years or _valid_in(s.iia, years))
        and (since is None or s.modified is None or s.modified > since)
    ]
    return xml_answer(render_index_response(listed))


def answer_stats(
    repository: IiaRepository, *, hei_id: str, caller: Caller, open_stats: bool = False
) -> Answer:
    """The ``stats`` answer of ``hei_id``: for the Stats Portal (403 to others, see
    :func:`~ewp_client.server.access.check_stats_access`), counting every agreement
    ``get`` serves, by who approved it."""
    check_stats_access(caller, open_stats=open_stats)
    stored = list(repository.iias_of(hei_id))
    return xml_answer(
        encode(
            IiasStatsResponse(
                iia_fetchable=len(stored),
                iia_local_unapproved_partner_approved=sum(
                    s.approved_by_partner and not s.approved_locally for s in stored
                ),
                iia_local_approved_partner_unapproved=sum(
                    s.approved_locally and not s.approved_by_partner for s in stored
                ),
                iia_both_approved=sum(s.approved_locally and s.approved_by_partner for s in stored),
            )
        )
    )


def answer_approvals(
    repository: ApprovalRepository,
    *,
    hei_id: str,
    caller: Caller,
    params: Parameters,
) -> Answer:
    """The IIA Approval v2 answer of ``hei_id`` (``params`` read by ``IIAS_APPROVAL``).

    ``iia_id`` values are the caller's own ids; only approvals of agreements
    of the caller's HEIs are shown, unknown and others' ids left out alike.
    """
    found = [
        repository.approval(hei_id, partner, iia_id)
        for iia_id in params.unique("iia_id")
        for partner in sorted(caller.heis)
    ]
    approvals = tuple(r.approval() for r in found if r is not None)
    return xml_answer(encode(IiasApprovalResponse(approvals=approvals)))


def _valid_in(iia: Iia, years: set[str]) -> bool:
    """Whether a cooperation condition's receiving years cover one of ``years``."""
    conditions = iia.cooperation_conditions
    specs = (
        *conditions.student_studies,
        *conditions.student_traineeships,
        *conditions.staff_teachers,
        *conditions.staff_trainings,
    )
    starts = {int(y[:4]) for y in years}
    return any(
        int(s.receiving_first_academic_year_id[:4])
        <= start
        <= int(s.receiving_last_academic_year_id[:4])
        for s in specs
        for start in starts
    )
