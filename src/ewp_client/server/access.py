"""Who is calling, and what it may see.

A :class:`Caller` is what a verified HTTP Signature proves: the ``keyId`` and
the HEIs the Registry catalogue says that key covers. The decisions follow
the specs' permission sections:

* IIAs, IIA approvals and learning agreements are shown only as far as the
  caller's HEIs are concerned (a partner of the agreement, the receiving HEI
  of the mobility); an id the caller may not see is left out of a 200 answer
  exactly like an unknown id, so a caller cannot probe which ids exist
  (:func:`visible`);
* Institutions, OUnits and Factsheet are for any authenticated client;
* ``stats`` endpoints must be open to the EWP Stats Portal, identified by
  the HEI id :data:`STATS_PORTAL_HEI`; a server may also admit other keys
  in that role (``stats_portal_keys``) or open its stats to every
  authenticated client (:func:`may_read_stats`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Final, TypeVar

from ..errors import Forbidden
from ..security import VerifyResult

__all__ = [
    "STATS_PORTAL_HEI",
    "Caller",
    "check_stats_access",
    "may_read_stats",
    "visible",
]

#: The HEI id the EWP Stats Portal's key covers in the Registry.
STATS_PORTAL_HEI: Final = "stats.erasmuswithoutpaper.eu"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated client: its ``key_id``, the ``heis`` its key covers, its role.

    ``stats_portal`` is true for the Stats Portal's key (it covers
    :data:`STATS_PORTAL_HEI`) and for keys the server admits in that role.
    HEI ids compare case-insensitively, as SCHAC ids do.
    """

    key_id: str
    heis: frozenset[str] = frozenset()
    stats_portal: bool = False

    @classmethod
    def from_verified(
        cls, verified: VerifyResult, *, stats_portal_keys: Collection[str] = ()
    ) -> Caller:
        """The caller a verified request proves (``stats_portal_keys``: keyIds in that role)."""
        heis = frozenset(h.lower() for h in verified.heis)
        return cls(
            key_id=verified.key_id,
            heis=heis,
            stats_portal=STATS_PORTAL_HEI in heis or verified.key_id in stats_portal_keys,
        )

    def covers(self, hei_id: str | None) -> bool:
        """Whether the caller's key speaks for ``hei_id``."""
        return hei_id is not None and hei_id.lower() in self.heis

    def covers_any(self, hei_ids: Iterable[str | None]) -> bool:
        """Whether the caller's key speaks for one of ``hei_ids`` (an IIA's partners)."""
        return any(self.covers(h) for h in hei_ids)


def visible(
    caller: Caller, items: Iterable[T], heis_of: Callable[[T], Iterable[str | None]]
) -> list[T]:
    """The ``items`` concerning one of the caller's HEIs (``heis_of`` names an item's HEIs).

    For an IIA, ``heis_of`` gives its partners' HEIs; for an LA, the
    receiving HEI (and the sending one, when the server lets the sending
    HEI's other keys read its own LAs). The others are left out silently.
    """
    return [item for item in items if caller.covers_any(heis_of(item))]


def may_read_stats(caller: Caller, *, open_stats: bool = False) -> bool:
    """Whether ``caller`` may read a ``stats`` endpoint (the Stats Portal always may)."""
    return open_stats or caller.stats_portal


def check_stats_access(caller: Caller, *, open_stats: bool = False) -> None:
    """Raise :class:`~ewp_client.errors.Forbidden` (403) unless :func:`may_read_stats`."""
    if not may_read_stats(caller, open_stats=open_stats):
        message = (
            f"statistics are served to the EWP Stats Portal ({STATS_PORTAL_HEI}); "
            f"key {caller.key_id} is not in that role"
        )
        raise Forbidden(message, status=403, developer_message=message)
