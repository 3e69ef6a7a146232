"""Mobility Factsheet v1, the serving side.

Open to any authenticated client. The answer holds the factsheet of each
covered HEI among the ``hei_id`` values, in the order asked and each once;
``hei_id`` values the server does not cover are left out and the answer is
still a 200 (an empty ``factsheet-response`` when none is covered), as the
specification requires even when ``max-hei-ids`` is 1. The request rules
(required, repeatable, at most ``max-hei-ids``) are
:data:`~ewp_client.server.endpoints.FACTSHEET`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from ..codec import encode
from ..models import Factsheet, FactsheetResponse
from .answers import Answer, xml_answer
from .params import Parameters

__all__ = ["FactsheetRepository", "InMemoryFactsheets", "answer_factsheet"]


@runtime_checkable
class FactsheetRepository(Protocol):
    """The factsheets of the HEIs a server covers."""

    def factsheet(self, hei_id: str) -> Factsheet | None:
        """``hei_id``'s factsheet, ``None`` when the server has none for it."""


class InMemoryFactsheets:
    """A :class:`FactsheetRepository` over factsheets given once (tests, the mock partner).

    HEI ids are matched without regard to case, as SCHAC ids are; a HEI given
    twice keeps its last factsheet.
    """

    def __init__(self, factsheets: Iterable[Factsheet] = ()) -> None:
        self._sheets = {f.hei_id.lower(): f for f in factsheets}

    def factsheet(self, hei_id: str) -> Factsheet | None:
        return self._sheets.get(hei_id.lower())

    @property
    def hei_ids(self) -> tuple[str, ...]:
        """The HEIs holding a factsheet, in the order given."""
        return tuple(f.hei_id for f in self._sheets.values())


def answer_factsheet(repository: FactsheetRepository, *, params: Parameters) -> Answer:
    """The Factsheet answer (``params`` read by ``FACTSHEET``)."""
    found = [repository.factsheet(h) for h in params.unique("hei_id")]
    sheets = tuple(dict.fromkeys(f for f in found if f is not None))
    return xml_answer(encode(FactsheetResponse(factsheets=sheets)))
