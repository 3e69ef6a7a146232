"""What a mock node knows: per HEI, the institution, its units, factsheet, IIAs and LAs.

A :class:`Dataset` is an immutable value. The mock's routes read it; the
node's store (which acts on the data over time) holds one and replaces it with
the value a ``with_*`` method returns. Everything protocol-shaped in it is a
library value, so that the rules live once, in ``ewp_client``:

* IIAs the HEI serves: an :class:`~ewp_client.iia.IiaBook` of
  :class:`~ewp_client.iia.ServedIia` (the copy the ``get`` endpoint serves,
  its hash, both approvals, the last mutually approved snapshot, retired ids);
* our approvals of partners' copies, as the IIA Approval API serves them:
  :class:`~ewp_client.iia.ApprovalRecord`;
* LAs the HEI sends: :class:`~ewp_client.ola.SendingLa` by ``omobility-id``
  (the LA document and, when the receiving HEI rejected the current
  proposal, its comment);
* copies of what partners serve, as last fetched: their IIAs naming the HEI
  (the copy an approval quotes the hash of), and the LAs they send to it
  (:class:`~ewp_client.ola.ReceivedLa`, with the proposal it commented).

When the partner is served here too, its own records are the truth: the
receiving HEI's view of an LA (LA CNR ``stats``) is derived from the sending
HEI's record (:meth:`Dataset.incoming_las`). :meth:`Dataset.only` splits a
data set into what one node serving some of its HEIs keeps (e.g. the demo
data run as two nodes), turning the other HEIs' records into copies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ewp_client.errors import ConfigError
from ewp_client.iia import ApprovalRecord, IiaBook, ServedIia
from ewp_client.models import Factsheet, Iia, Institution, OrganizationalUnit
from ewp_client.ola import ReceivedLa, SendingLa, VersionStatus

__all__ = ["Dataset", "HeiData"]


@dataclass(frozen=True, kw_only=True, slots=True)
class HeiData:
    """One HEI the node serves.

    ``institution`` is what the Institutions API answers (its ``ounit_ids``
    list the units of ``ounits``); ``ounits`` the units in the order given;
    ``iias`` the IIAs it serves; ``approvals`` its approvals of partners'
    copies; ``las`` the LAs it sends, by ``omobility-id`` (drafts included:
    they are kept, not served). ``partner_iias`` are partners' copies of IIAs
    naming this HEI, by (partner HEI, partner's ``iia-id``);
    ``received_las`` the LAs partners send to it, by (sending HEI,
    ``omobility-id``). ``factsheet`` is what the Factsheet API answers for it
    (``None``: the node serves a bare one, see :mod:`.factsheets`).
    """

    institution: Institution
    ounits: tuple[OrganizationalUnit, ...] = ()
    iias: IiaBook = field(default_factory=IiaBook)
    approvals: tuple[ApprovalRecord, ...] = ()
    las: Mapping[str, SendingLa] = field(default_factory=dict)
    partner_iias: Mapping[tuple[str, str], Iia] = field(default_factory=dict)
    received_las: Mapping[tuple[str, str], ReceivedLa] = field(default_factory=dict)
    factsheet: Factsheet | None = None

    def __post_init__(self) -> None:
        if self.factsheet is not None and self.factsheet.hei_id != self.hei_id:
            raise ConfigError(
                f"{self.hei_id}: the factsheet given is that of {self.factsheet.hei_id!r}"
            )
        for (partner, iia_id), iia in self.partner_iias.items():
            holders = {p.hei_id for p in iia.partners[1:]}
            if (iia.partners[0].hei_id, iia.partners[0].iia_id) != (partner, iia_id) or (
                self.hei_id not in holders
            ):
                raise ConfigError(
                    f"{self.hei_id}: {partner}'s IIA {iia_id!r} is not a copy of that IIA "
                    "naming this HEI"
                )
        for (sender, omobility_id), received in self.received_las.items():
            copy = received.la
            if (copy.sending_hei.hei_id, copy.omobility_id) != (sender, omobility_id) or (
                copy.receiving_hei.hei_id != self.hei_id
            ):
                raise ConfigError(
                    f"{self.hei_id}: {sender}'s LA {omobility_id!r} is not an LA it receives"
                )
        for iia_id, state in self.iias.served.items():
            if state.iia_id != iia_id or state.iia.partners[0].hei_id != self.hei_id:
                raise ConfigError(
                    f"{self.hei_id}: IIA {iia_id!r} is not served by this HEI under that id"
                )
        for omobility_id, la in self.las.items():
            if la.la.omobility_id != omobility_id or la.la.sending_hei.hei_id != self.hei_id:
                raise ConfigError(f"{self.hei_id}: LA {omobility_id!r} is not sent by this HEI")
        ids = [unit.ounit_id for unit in self.ounits]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"{self.hei_id}: organisational unit ids repeat")

    @property
    def hei_id(self) -> str:
        return self.institution.hei_id

    def ounit(self, ounit_id: str) -> OrganizationalUnit | None:
        return next((u for u in self.ounits if u.ounit_id == ounit_id), None)

    def ounit_by_code(self, ounit_code: str) -> OrganizationalUnit | None:
        return next((u for u in self.ounits if u.ounit_code == ounit_code), None)

    def la(self, omobility_id: str) -> SendingLa | None:
        return self.las.get(omobility_id)

    def partner_iia(self, partner_hei_id: str, iia_id: str) -> Iia | None:
        """Our copy of ``partner_hei_id``'s IIA ``iia_id`` (its own id), as last fetched."""
        return self.partner_iias.get((partner_hei_id, iia_id))

    def approvals_for(self, partner_hei_id: str) -> tuple[ApprovalRecord, ...]:
        """Our approvals of ``partner_hei_id``'s copies (what its Approval API call may see)."""
        return tuple(r for r in self.approvals if r.partner_hei_id == partner_hei_id)

    # ------------------------------------------------------------ changes

    def with_iias(self, book: IiaBook) -> HeiData:
        return dataclasses.replace(self, iias=book)

    def with_factsheet(self, factsheet: Factsheet | None) -> HeiData:
        """This HEI with ``factsheet`` (its own) in place of the one before."""
        return dataclasses.replace(self, factsheet=factsheet)

    def with_la(self, state: SendingLa) -> HeiData:
        """This HEI with ``state`` added, or replacing the LA of the same ``omobility-id``."""
        return dataclasses.replace(self, las={**self.las, state.la.omobility_id: state})

    def with_approval(self, record: ApprovalRecord) -> HeiData:
        """This HEI with ``record`` in force (replacing an approval of the same partner copy)."""
        kept = tuple(
            r
            for r in self.approvals
            if (r.partner_hei_id, r.iia_id) != (record.partner_hei_id, record.iia_id)
        )
        return dataclasses.replace(self, approvals=(*kept, record))

    def with_partner_iia(self, iia: Iia) -> HeiData:
        """This HEI keeping ``iia`` (its first partner's copy) as the copy last fetched."""
        first = iia.partners[0]
        key = (first.hei_id, first.iia_id or "")
        return dataclasses.replace(self, partner_iias={**self.partner_iias, key: iia})

    def without_partner_iia(self, partner_hei_id: str, iia_id: str) -> HeiData:
        """This HEI without its copy of a partner's IIA (the partner deleted it)."""
        kept = {k: v for k, v in self.partner_iias.items() if k != (partner_hei_id, iia_id)}
        return dataclasses.replace(self, partner_iias=kept)

    def with_received_la(self, received: ReceivedLa) -> HeiData:
        """This HEI keeping ``received`` as its copy of an incoming LA, replacing the last."""
        key = (received.la.sending_hei.hei_id, received.la.omobility_id)
        return dataclasses.replace(self, received_las={**self.received_las, key: received})


@dataclass(frozen=True, slots=True)
class Dataset:
    """The HEIs a node serves, by id, and the other HEIs their data names (``partners``)."""

    heis: Mapping[str, HeiData] = field(default_factory=dict)
    partners: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for hei_id, data in self.heis.items():
            if data.hei_id != hei_id:
                raise ConfigError(f"HEI {hei_id!r} holds the data of {data.hei_id!r}")
        both = self.partners & self.heis.keys()
        if both:
            raise ConfigError(f"served HEIs are not partners too: {sorted(both)}")

    @classmethod
    def of(cls, heis: Iterable[HeiData], partners: Iterable[str] = ()) -> Dataset:
        """A data set of ``heis`` (each once), naming ``partners`` it does not serve."""
        served: dict[str, HeiData] = {}
        for data in heis:
            if data.hei_id in served:
                raise ConfigError(f"HEI {data.hei_id!r} is given twice")
            served[data.hei_id] = data
        return cls(served, frozenset(partners))

    # ------------------------------------------------------------ reading

    @property
    def hei_ids(self) -> tuple[str, ...]:
        """The served HEIs, in the order given."""
        return tuple(self.heis)

    def knows(self, hei_id: str) -> bool:
        """``hei_id`` is served here or named as a partner."""
        return hei_id in self.heis or hei_id in self.partners

    def hei(self, hei_id: str) -> HeiData | None:
        return self.heis.get(hei_id)

    def institutions(self, hei_ids: Iterable[str]) -> tuple[Institution, ...]:
        """The served institutions among ``hei_ids`` (unknown ones left out, each once)."""
        return tuple(self.heis[h].institution for h in dict.fromkeys(hei_ids) if h in self.heis)

    def served_iias(self, hei_id: str) -> tuple[ServedIia, ...]:
        """The IIAs ``hei_id`` serves now (none when it is not served here)."""
        data = self.heis.get(hei_id)
        return () if data is None else tuple(data.iias.served.values())

    def outgoing_las(self, hei_id: str) -> tuple[SendingLa, ...]:
        """The LAs ``hei_id`` sends, drafts included (the routes serve the others)."""
        data = self.heis.get(hei_id)
        return () if data is None else tuple(data.las.values())

    def incoming_las(self, hei_id: str) -> tuple[ReceivedLa, ...]:
        """The LAs ``hei_id`` receives, as it sees them.

        Those a HEI served here sends come from its records (drafts left out:
        they are not served); those of other senders are ``hei_id``'s copies.
        """
        local = {
            (state.la.sending_hei.hei_id, omobility_id): _received(state)
            for data in self.heis.values()
            for omobility_id, state in data.las.items()
            if state.la.receiving_hei.hei_id == hei_id and state.status is not VersionStatus.DRAFT
        }
        data = self.heis.get(hei_id)
        copies = {} if data is None else data.received_las
        return (*local.values(), *(r for k, r in copies.items() if k not in local))

    def only(self, hei_ids: Iterable[str]) -> Dataset:
        """What a node serving just ``hei_ids`` keeps: the others become partners.

        Each kept HEI gets copies of what the dropped HEIs serve to it (their
        IIAs naming it, their LAs to it other than drafts), as if fetched now.
        """
        keep = list(dict.fromkeys(hei_ids))
        unknown = [h for h in keep if h not in self.heis]
        if unknown:
            raise ConfigError(f"HEI(s) {unknown} are not served by this data set")
        dropped = [d for h, d in self.heis.items() if h not in keep]
        kept = []
        for hei_id in keep:
            data = self.heis[hei_id]
            for other in dropped:
                for state in other.iias.served.values():
                    if any(p.hei_id == hei_id for p in state.iia.partners[1:]):
                        data = data.with_partner_iia(state.iia)
                for sending in other.las.values():
                    received = sending.la.receiving_hei.hei_id == hei_id
                    if received and sending.status is not VersionStatus.DRAFT:
                        data = data.with_received_la(_received(sending))
            kept.append(data)
        return Dataset.of(kept, self.partners | {d.hei_id for d in dropped})

    # ------------------------------------------------------------ changes

    def with_hei(self, data: HeiData) -> Dataset:
        """This data set with ``data`` added, or replacing the HEI of the same id."""
        partners = self.partners - {data.hei_id}
        return Dataset({**self.heis, data.hei_id: data}, partners)

    def _served(self, hei_id: str) -> HeiData:
        data = self.heis.get(hei_id)
        if data is None:
            raise ConfigError(f"HEI {hei_id!r} is not served by this data set")
        return data

    def with_iias(self, hei_id: str, book: IiaBook) -> Dataset:
        """``hei_id`` serving ``book`` (e.g. ``BookTransition.book`` after a lifecycle step)."""
        return self.with_hei(self._served(hei_id).with_iias(book))

    def with_la(self, state: SendingLa) -> Dataset:
        """The LA ``state`` (e.g. ``Transition.state``) kept by its sending HEI."""
        return self.with_hei(self._served(state.la.sending_hei.hei_id).with_la(state))

    def with_approval(self, hei_id: str, record: ApprovalRecord) -> Dataset:
        """``hei_id``'s approval of a partner's copy recorded (the one in force)."""
        return self.with_hei(self._served(hei_id).with_approval(record))

    def with_partner_iia(self, hei_id: str, iia: Iia) -> Dataset:
        """``hei_id`` keeping ``iia`` as its copy of the partner's IIA (e.g. after a CNR)."""
        return self.with_hei(self._served(hei_id).with_partner_iia(iia))

    def with_received_la(self, received: ReceivedLa) -> Dataset:
        """The receiving HEI keeping ``received`` as its copy of an incoming LA."""
        hei_id = received.la.receiving_hei.hei_id
        return self.with_hei(self._served(hei_id).with_received_la(received))


def _received(state: SendingLa) -> ReceivedLa:
    """The receiving HEI's view of a sending HEI's record."""
    return ReceivedLa(state.la, state.rejection.proposal_id if state.rejection else None)
