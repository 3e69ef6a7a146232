"""Institutions v2 and Organizational Units v2, the serving side.

Both are open to any authenticated client. Institutions answers the records
of the covered HEIs among the ``hei_id`` values, leaving out the others
(200). OUnits answers one HEI's units by ``ounit_id`` or by ``ounit_code``
(never both: the :data:`~ewp_client.server.endpoints.OUNITS` rules refuse
that), unknown ids or codes left out; an ``hei_id`` the server does not
cover is a 400, as the official validator expects.
"""

from __future__ import annotations

from ..codec import encode
from ..models import InstitutionsResponse, OunitsResponse
from .answers import Answer, bad_request, xml_answer
from .params import Parameters
from .repository import DirectoryRepository

__all__ = ["answer_institutions", "answer_ounits"]


def answer_institutions(repository: DirectoryRepository, *, params: Parameters) -> Answer:
    """The Institutions answer (``params`` read by ``INSTITUTIONS``)."""
    found = [repository.institution(h) for h in params.unique("hei_id")]
    return xml_answer(encode(InstitutionsResponse(heis=tuple(i for i in found if i is not None))))


def answer_ounits(repository: DirectoryRepository, *, params: Parameters) -> Answer:
    """The OUnits answer (``params`` read by ``OUNITS``), units in the order asked."""
    hei_id = params.one("hei_id") or ""
    if repository.institution(hei_id) is None:
        raise bad_request(f"this server does not cover hei_id {hei_id[:60]!r}", "hei_id")
    units = repository.ounits(hei_id)
    if params.unique("ounit_id"):
        by_key = {u.ounit_id: u for u in units}
        wanted = params.unique("ounit_id")
    else:
        by_key = {u.ounit_code: u for u in units}
        wanted = params.unique("ounit_code")
    chosen = tuple(by_key[k] for k in wanted if k in by_key)
    return xml_answer(encode(OunitsResponse(ounits=chosen)))
