"""Fixture directories: a :class:`~.dataset.Dataset` read from, and written to, readable files.

::

    DIR/
      dataset.toml            HEIs, units, contacts; approvals, retired ids, LA comments
      factsheets/**/*.xml     Factsheet responses: the factsheet of each HEI (optional)
      iias/**/*.xml           IIAs get responses (v7): the IIAs each HEI serves
      iias-approved/**/*.xml  IIAs get responses: last mutually approved versions of
                              IIAs modified since (the snapshots approvals refer to)
      las/**/*.xml            OMobility LAs get responses: the LAs each HEI sends
      received/iias/**/*.xml  IIAs get responses: partners' copies of IIAs naming a HEI
                              served here, as last fetched (their hash as declared)
      received/las/**/*.xml   OMobility LAs get responses: LAs partners send to a HEI
                              served here, as last fetched

Which HEI serves an IIA is its first ``<partner>``, which HEI sends an LA its
``<sending-hei>``; a partner's copy is kept by the HEI its second ``<partner>``
names, a received LA by its ``<receiving-hei>``; a factsheet belongs to the
HEI its ``<hei-id>`` names (one per HEI). File names and sub-folders
are free (``*.xml`` at any depth, read in path order; other files are
ignored). :func:`dump_dataset` writes one document per object,
``<folder>/<hei-id>/<id>.xml`` (a factsheet ``factsheets/<hei-id>.xml``), so
that each IIA file declares the hash of
that IIA served alone. The ``iia-hash`` a served IIA's file declares is not
trusted: the node serves the hash computed from the copy (``ewp iia hash``
shows it).

:func:`load_dataset` refuses a bad file with a
:class:`~ewp_client.errors.FixtureError` naming the file, the problem and,
when known, the line. :func:`dump_dataset` writes a data set (e.g. the demo
data) as such a directory. See ``docs/mock-data.md`` for the format.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

from ewp_client.codec import decode, encode
from ewp_client.errors import (
    FixtureError,
    MalformedXmlError,
    SchemaValidationError,
    UnknownDocumentError,
    XmlError,
)
from ewp_client.iia import ApprovalRecord, ApprovedVersion, IiaBook, ServedIia, served_hash
from ewp_client.models import (
    Factsheet,
    FactsheetResponse,
    Iia,
    IiasGetResponse,
    InstitutionsResponse,
    LasGetResponse,
    LearningAgreement,
    OunitsResponse,
)
from ewp_client.ola import ProposalComment, ReceivedLa, SendingLa

from .dataset import Dataset, HeiData
from .dataset_file import (
    DATASET_FILE,
    DatasetFile,
    HeiEntry,
    IiaState,
    LaComment,
    ReceivedComment,
    hei_table,
    read_dataset_file,
    render_dataset_file,
    reread_hei_table,
)

__all__ = [
    "APPROVED_DIR",
    "FACTSHEETS_DIR",
    "IIAS_DIR",
    "LAS_DIR",
    "RECEIVED_IIAS_DIR",
    "RECEIVED_LAS_DIR",
    "dump_dataset",
    "load_dataset",
]

IIAS_DIR: Final = "iias"
APPROVED_DIR: Final = "iias-approved"
LAS_DIR: Final = "las"
RECEIVED_IIAS_DIR: Final = "received/iias"
RECEIVED_LAS_DIR: Final = "received/las"
FACTSHEETS_DIR: Final = "factsheets"

D = TypeVar("D", IiasGetResponse, LasGetResponse, FactsheetResponse)


def _fail(path: Path | str, problem: str, message: str, line: int | None = None) -> FixtureError:
    where = f"{path}:{line}" if line is not None else f"{path}"
    return FixtureError(f"{where}: {message}", path=str(path), problem=problem, line=line)


def _document(path: Path, model: type[D]) -> D:
    """``path`` decoded as ``model``, every failure a :class:`FixtureError` naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, "unreadable", f"cannot read: {exc.strerror or exc}") from exc
    try:
        return decode(data, model)
    except MalformedXmlError as exc:
        raise _fail(path, "malformed", f"not well-formed XML: {exc}", exc.line) from exc
    except UnknownDocumentError as exc:
        raise _fail(path, "wrong-document", f"not the document this folder holds: {exc}") from exc
    except SchemaValidationError as exc:
        first = exc.violations[0] if exc.violations else None
        line = first.line if first is not None else None
        message = f"{first.path}: {first.message}" if first is not None else str(exc)
        more = f" (and {exc.total - 1} more)" if exc.total > 1 else ""
        raise _fail(path, "schema-invalid", f"not schema-valid: {message}{more}", line) from exc
    except XmlError as exc:
        raise _fail(path, "malformed", str(exc)) from exc


def _xml_files(root: Path, folder: str) -> list[Path]:
    directory = root / folder
    if not directory.exists():
        return []
    if not directory.is_dir():
        raise _fail(directory, "unreadable", "not a directory")
    try:
        return sorted(p for p in directory.rglob("*.xml") if not p.is_dir())
    except OSError as exc:
        raise _fail(directory, "unreadable", f"cannot list: {exc.strerror or exc}") from exc


@dataclass
class _Loader:
    """The references a fixture directory's files must respect, checked as they are read."""

    toml: str
    content: DatasetFile

    def __post_init__(self) -> None:
        self.served = {e.institution.hei_id: e for e in self.content.heis}
        self.known = set(self.served) | set(self.content.partners)

    def check_heis(self) -> None:
        seen: set[str] = set()
        for hei_id in [e.institution.hei_id for e in self.content.heis] + list(
            self.content.partners
        ):
            if hei_id in seen:
                raise _fail(self.toml, "duplicate-id", f"HEI {hei_id!r} is given twice")
            seen.add(hei_id)
        for entry in self.content.heis:
            self._check_units(entry)
            self._check_schemas(entry)

    def _check_schemas(self, entry: HeiEntry) -> None:
        """The institution and its units as the Institutions and OUnits APIs will serve them."""
        hei_id = entry.institution.hei_id
        documents = (
            ("institution", InstitutionsResponse(heis=(entry.institution,))),
            ("units", OunitsResponse(ounits=entry.ounits)),
        )
        for what, document in documents:
            try:
                encode(document)
            except SchemaValidationError as exc:
                first = exc.violations[0] if exc.violations else None
                detail = f"{first.path}: {first.message}" if first is not None else str(exc)
                raise _fail(
                    self.toml,
                    "invalid-value",
                    f"HEI {hei_id!r}: its {what} would not be schema-valid: {detail}",
                ) from exc

    def _check_units(self, entry: HeiEntry) -> None:
        hei_id = entry.institution.hei_id
        ids: set[str] = set()
        codes: set[str] = set()
        for unit in entry.ounits:
            if unit.ounit_id in ids or unit.ounit_code in codes:
                raise _fail(
                    self.toml,
                    "duplicate-id",
                    f"HEI {hei_id!r}: unit id {unit.ounit_id!r} or code "
                    f"{unit.ounit_code!r} is given twice",
                )
            ids.add(unit.ounit_id)
            codes.add(unit.ounit_code)
        references = [(u.parent_ounit_id, f"parent of unit {u.ounit_id!r}") for u in entry.ounits]
        references.append((entry.institution.root_ounit_id, "root-ounit"))
        for ounit_id, what in references:
            if ounit_id is not None and ounit_id not in ids:
                raise _fail(
                    self.toml, "unknown-ounit", f"HEI {hei_id!r}: {what} {ounit_id!r} is no unit"
                )

    def hei(self, path: Path, hei_id: str, what: str, *, served: bool = False) -> None:
        if hei_id not in (self.served if served else self.known):
            known = "a HEI dataset.toml serves" if served else "a HEI or partner of dataset.toml"
            raise _fail(path, "unknown-hei", f"{what} {hei_id!r} is not {known}")

    def ounit(self, path: Path, hei_id: str, ounit_id: str | None, what: str) -> None:
        entry = self.served.get(hei_id)
        if ounit_id is None or entry is None or not entry.ounits:
            return
        if all(u.ounit_id != ounit_id for u in entry.ounits):
            raise _fail(path, "unknown-ounit", f"{what}: {hei_id!r} has no unit {ounit_id!r}")

    def iias(self, paths: list[Path]) -> dict[tuple[str, str], tuple[Iia, Path]]:
        found: dict[tuple[str, str], tuple[Iia, Path]] = {}
        for path in paths:
            for iia in _document(path, IiasGetResponse).iias:
                key = self._iia(path, iia)
                if key in found:
                    raise _fail(
                        path,
                        "duplicate-id",
                        f"IIA {key[1]!r} of {key[0]!r} is also in {found[key][1]}",
                    )
                found[key] = (iia, path)
        return found

    def _iia(self, path: Path, iia: Iia) -> tuple[str, str]:
        first = iia.partners[0]
        if not first.iia_id:
            raise _fail(path, "invalid-value", f"an IIA of {first.hei_id!r} has no iia-id")
        what = f"IIA {first.iia_id!r}"
        self.hei(path, first.hei_id, f"{what}: serving HEI", served=True)
        self._references(path, iia, what)
        return first.hei_id, first.iia_id

    def _references(self, path: Path, iia: Iia, what: str) -> None:
        """Every HEI and unit an IIA names is known."""
        for partner in iia.partners:
            self.hei(path, partner.hei_id, f"{what}: partner")
            self.ounit(path, partner.hei_id, partner.ounit_id, what)
        for spec in iia.cooperation_conditions.mobilities:
            for hei_id, ounit_id in (
                (spec.sending_hei_id, spec.sending_ounit_id),
                (spec.receiving_hei_id, spec.receiving_ounit_id),
            ):
                self.hei(path, hei_id, f"{what}: mobility HEI")
                self.ounit(path, hei_id, ounit_id, what)

    def partner_iias(self, paths: list[Path]) -> dict[tuple[str, str, str], tuple[Iia, Path]]:
        """Partners' copies by (HEI keeping it, partner, partner's iia-id)."""
        found: dict[tuple[str, str, str], tuple[Iia, Path]] = {}
        for path in paths:
            for iia in _document(path, IiasGetResponse).iias:
                first = iia.partners[0]
                if not first.iia_id:
                    raise _fail(path, "invalid-value", f"an IIA of {first.hei_id!r} has no iia-id")
                what = f"copy of {first.hei_id!r}'s IIA {first.iia_id!r}"
                holder = iia.partners[1].hei_id if len(iia.partners) > 1 else ""
                self.hei(path, holder, f"{what}: the HEI keeping it (second partner)", served=True)
                self._references(path, iia, what)
                key = (holder, first.hei_id, first.iia_id)
                if key in found:
                    raise _fail(path, "duplicate-id", f"{what} is also in {found[key][1]}")
                found[key] = (iia, path)
        return found

    def received_las(
        self, paths: list[Path]
    ) -> dict[tuple[str, str, str], tuple[LearningAgreement, Path]]:
        """LAs received, by (receiving HEI keeping it, sending HEI, omobility-id)."""
        found: dict[tuple[str, str, str], tuple[LearningAgreement, Path]] = {}
        for path in paths:
            for la in _document(path, LasGetResponse).las:
                sending, receiving = la.sending_hei, la.receiving_hei
                what = f"received LA {la.omobility_id!r} of {sending.hei_id!r}"
                self.hei(path, receiving.hei_id, f"{what}: receiving HEI", served=True)
                self.hei(path, sending.hei_id, f"{what}: sending HEI")
                self.ounit(path, receiving.hei_id, receiving.ounit_id, what)
                key = (receiving.hei_id, sending.hei_id, la.omobility_id)
                if key in found:
                    raise _fail(path, "duplicate-id", f"{what} is also in {found[key][1]}")
                found[key] = (la, path)
        return found

    def factsheets(self, paths: list[Path]) -> dict[str, tuple[Factsheet, Path]]:
        """The factsheets by HEI: each of a served HEI, one per HEI, week limits not negative."""
        found: dict[str, tuple[Factsheet, Path]] = {}
        for path in paths:
            for sheet in _document(path, FactsheetResponse).factsheets:
                what = f"factsheet of {sheet.hei_id!r}"
                self.hei(path, sheet.hei_id, f"{what}: HEI", served=True)
                if sheet.hei_id in found:
                    raise _fail(path, "duplicate-id", f"{what} is also in {found[sheet.hei_id][1]}")
                for element, weeks in (
                    ("decision-weeks-limit", sheet.decision_weeks_limit),
                    ("tor-weeks-limit", sheet.tor_weeks_limit),
                ):
                    if weeks < 0:
                        raise _fail(path, "invalid-value", f"{what}: {element} {weeks} is negative")
                found[sheet.hei_id] = (sheet, path)
        return found

    def las(self, paths: list[Path]) -> dict[tuple[str, str], tuple[LearningAgreement, Path]]:
        found: dict[tuple[str, str], tuple[LearningAgreement, Path]] = {}
        for path in paths:
            for la in _document(path, LasGetResponse).las:
                what = f"LA {la.omobility_id!r}"
                sending, receiving = la.sending_hei, la.receiving_hei
                self.hei(path, sending.hei_id, f"{what}: sending HEI", served=True)
                self.hei(path, receiving.hei_id, f"{what}: receiving HEI")
                self.ounit(path, sending.hei_id, sending.ounit_id, what)
                self.ounit(path, receiving.hei_id, receiving.ounit_id, what)
                key = (sending.hei_id, la.omobility_id)
                if key in found:
                    raise _fail(
                        path, "duplicate-id", f"{what} of {key[0]!r} is also in {found[key][1]}"
                    )
                found[key] = (la, path)
        return found


def _served(iia: Iia) -> tuple[Iia, str]:
    digest = served_hash(iia)
    return dataclasses.replace(iia, iia_hash=digest), digest


def _served_iia(toml: str, iia: Iia, given: IiaState | None, snapshot: Iia | None) -> ServedIia:
    """The served state of ``iia``: its hash computed, the approvals ``given`` recorded.

    The partner's approval goes through the lifecycle, so that a version both
    sides approved is recorded as the last mutually approved one.
    """
    state = given or IiaState(iia_id=_own_id(iia))
    copy, digest = _served(iia)
    last = None
    if state.last_approved_partner_hash is not None:
        approved, approved_digest = _served(snapshot) if snapshot is not None else (copy, digest)
        last = ApprovedVersion(approved, approved_digest, state.last_approved_partner_hash)
    elif snapshot is not None:
        raise _fail(
            toml,
            "invalid-value",
            f"IIA {state.iia_id!r} has an approved snapshot ({APPROVED_DIR}/) but no "
            "[[hei.iia]] last-approved-partner-hash",
        )
    served = ServedIia(
        iia=copy,
        iia_hash=digest,
        partner_hash=state.approved_partner_hash,
        last_approved=last,
        exchanges_took_place=state.exchanges_took_place,
    )
    if state.partner_approved_hash is not None:
        settled = served.record_partner_approval(state.partner_approved_hash).state
        assert settled is not None  # recording an approval keeps the IIA
        served = settled
    if copy.cooperation_conditions.terminated_as_a_whole and not served.was_mutually_approved:
        raise _fail(
            toml,
            "invalid-value",
            f"IIA {state.iia_id!r} is terminated as a whole but was never mutually approved "
            "(give its [[hei.iia]] last-approved-partner-hash)",
        )
    return served


def _own_id(iia: Iia) -> str:
    return iia.partners[0].iia_id or ""


def _book(
    loader: _Loader,
    entry: HeiEntry,
    iias: dict[tuple[str, str], tuple[Iia, Path]],
    snapshots: dict[tuple[str, str], tuple[Iia, Path]],
) -> IiaBook:
    hei_id = entry.institution.hei_id
    states: dict[str, IiaState] = {}
    for state in entry.iia_states:
        if state.iia_id in states:
            raise _fail(loader.toml, "duplicate-id", f"[[hei.iia]] {state.iia_id!r} twice")
        if (hei_id, state.iia_id) not in iias:
            raise _fail(
                loader.toml,
                "unknown-id",
                f"HEI {hei_id!r}: [[hei.iia]] {state.iia_id!r} is no IIA of {IIAS_DIR}/",
            )
        states[state.iia_id] = state
    for (owner, iia_id), (_, path) in snapshots.items():
        if owner == hei_id and (owner, iia_id) not in iias:
            raise _fail(
                path, "unknown-id", f"snapshot of IIA {iia_id!r}, which {owner!r} does not serve"
            )
    served: dict[str, ServedIia] = {}
    for (owner, iia_id), (iia, _) in iias.items():
        if owner != hei_id:
            continue
        snapshot = snapshots.get((owner, iia_id))
        served[iia_id] = _served_iia(
            loader.toml, iia, states.get(iia_id), None if snapshot is None else snapshot[0]
        )
    retired = frozenset(entry.retired_iia_ids)
    reused = sorted(retired & served.keys())
    if reused:
        raise _fail(
            loader.toml, "duplicate-id", f"HEI {hei_id!r}: retired iia-ids are served: {reused}"
        )
    return IiaBook(served, retired)


def _sending_las(
    loader: _Loader, entry: HeiEntry, las: dict[tuple[str, str], tuple[LearningAgreement, Path]]
) -> dict[str, SendingLa]:
    hei_id = entry.institution.hei_id
    comments: dict[str, LaComment] = {}
    for comment in entry.la_comments:
        found = las.get((hei_id, comment.omobility_id))
        if found is None:
            raise _fail(
                loader.toml,
                "unknown-id",
                f"HEI {hei_id!r}: [[hei.la-comment]] names LA {comment.omobility_id!r}, "
                f"which no file of {LAS_DIR}/ has it send",
            )
        proposal = found[0].changes_proposal
        if proposal is None or proposal.id != comment.proposal_id:
            raise _fail(
                loader.toml,
                "invalid-value",
                f"HEI {hei_id!r}: the comment on LA {comment.omobility_id!r} names proposal "
                f"{comment.proposal_id!r}, which is not its current changes-proposal",
            )
        if comment.omobility_id in comments:
            raise _fail(loader.toml, "duplicate-id", f"two comments on LA {comment.omobility_id!r}")
        comments[comment.omobility_id] = comment
    out: dict[str, SendingLa] = {}
    for (owner, omobility_id), (la, _) in las.items():
        if owner != hei_id:
            continue
        given = comments.get(omobility_id)
        rejection = (
            None
            if given is None
            else ProposalComment(given.proposal_id, given.comment, given.signature)
        )
        out[omobility_id] = SendingLa.published(la, rejection)
    return out


def load_dataset(directory: str | os.PathLike[str]) -> Dataset:
    """The data set a fixture directory describes (see the module docstring).

    Raises :class:`~ewp_client.errors.FixtureError` for the first bad file:
    ``path`` names it, ``problem`` says what is wrong (``unreadable``,
    ``malformed``, ``schema-invalid``, ``wrong-document``, ``unknown-hei``,
    ``unknown-ounit``, ``unknown-id``, ``duplicate-id``, ``invalid-value``),
    ``line`` where, when known.
    """
    root = Path(directory)
    if not root.is_dir():
        raise _fail(root, "unreadable", "not a directory")
    toml = root / DATASET_FILE
    loader = _Loader(str(toml), read_dataset_file(toml))
    loader.check_heis()
    iias = loader.iias(_xml_files(root, IIAS_DIR))
    snapshots = loader.iias(_xml_files(root, APPROVED_DIR))
    las = loader.las(_xml_files(root, LAS_DIR))
    copies = loader.partner_iias(_xml_files(root, RECEIVED_IIAS_DIR))
    received = loader.received_las(_xml_files(root, RECEIVED_LAS_DIR))
    factsheets = loader.factsheets(_xml_files(root, FACTSHEETS_DIR))
    heis = []
    for entry in loader.content.heis:
        hei_id = entry.institution.hei_id
        heis.append(
            HeiData(
                institution=entry.institution,
                ounits=entry.ounits,
                iias=_book(loader, entry, iias, snapshots),
                approvals=_approvals(loader, entry),
                las=_sending_las(loader, entry, las),
                partner_iias={(p, i): iia for (h, p, i), (iia, _) in copies.items() if h == hei_id},
                received_las=_received_las(loader, entry, received),
                factsheet=factsheets[hei_id][0] if hei_id in factsheets else None,
            )
        )
    return Dataset.of(heis, loader.content.partners)


def _received_las(
    loader: _Loader,
    entry: HeiEntry,
    received: dict[tuple[str, str, str], tuple[LearningAgreement, Path]],
) -> dict[tuple[str, str], ReceivedLa]:
    hei_id = entry.institution.hei_id
    commented: dict[tuple[str, str], str] = {}
    for comment in entry.received_comments:
        key = (comment.sending_hei_id, comment.omobility_id)
        found = received.get((hei_id, *key))
        what = f"HEI {hei_id!r}: [[hei.received-la-comment]] on {key[0]!r}'s LA {key[1]!r}"
        if found is None:
            raise _fail(
                loader.toml, "unknown-id", f"{what}: no file of {RECEIVED_LAS_DIR}/ holds it"
            )
        proposal = found[0].changes_proposal
        if proposal is None or proposal.id != comment.proposal_id:
            raise _fail(
                loader.toml,
                "invalid-value",
                f"{what}: proposal {comment.proposal_id!r} is not its current changes-proposal",
            )
        if key in commented:
            raise _fail(loader.toml, "duplicate-id", f"{what} is given twice")
        commented[key] = comment.proposal_id
    return {
        (sender, omobility_id): ReceivedLa(la, commented.get((sender, omobility_id)))
        for (holder, sender, omobility_id), (la, _) in received.items()
        if holder == hei_id
    }


def _approvals(loader: _Loader, entry: HeiEntry) -> tuple[ApprovalRecord, ...]:
    for record in entry.approvals:
        if record.partner_hei_id not in loader.known:
            raise _fail(
                loader.toml,
                "unknown-hei",
                f"HEI {entry.institution.hei_id!r}: approval for {record.partner_hei_id!r}, "
                "which is not a HEI or partner of dataset.toml",
            )
    return entry.approvals


# ---------------------------------------------------------------------- dumping


def _entry(data: HeiData) -> HeiEntry:
    states = []
    for _, state in sorted(data.iias.served.items()):
        last = state.last_approved
        fields = IiaState(
            iia_id=state.iia_id,
            partner_approved_hash=state.partner_approved_hash,
            approved_partner_hash=state.partner_hash,
            exchanges_took_place=state.exchanges_took_place,
            last_approved_partner_hash=None if last is None else last.partner_hash,
        )
        if fields != IiaState(iia_id=state.iia_id):
            states.append(fields)
    comments = tuple(
        LaComment(
            omobility_id=omobility_id,
            proposal_id=la.rejection.proposal_id,
            comment=la.rejection.comment,
            signature=la.rejection.signature,
        )
        for omobility_id, la in sorted(data.las.items())
        if la.rejection is not None
    )
    received = tuple(
        ReceivedComment(
            sending_hei_id=sender, omobility_id=omobility_id, proposal_id=r.commented_proposal_id
        )
        for (sender, omobility_id), r in sorted(data.received_las.items())
        if r.commented_proposal_id is not None
    )
    return HeiEntry(
        institution=data.institution,
        ounits=data.ounits,
        retired_iia_ids=tuple(sorted(data.iias.retired)),
        iia_states=tuple(states),
        approvals=data.approvals,
        la_comments=comments,
        received_comments=received,
    )


def _check_expressible(entry: HeiEntry, toml: Path) -> None:
    """Refuse institutions and units holding what ``dataset.toml`` cannot say (addresses...)."""
    back = reread_hei_table(hei_table(entry), str(toml))
    if back.institution != entry.institution or back.ounits != entry.ounits:
        raise _fail(
            toml,
            "unsupported",
            f"HEI {entry.institution.hei_id!r}: its institution or units hold fields "
            f"{DATASET_FILE} cannot express (addresses, factsheet URLs, or ounit-ids other "
            "than its units')",
        )


def _write(path: Path, data: bytes) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise _fail(path, "unwritable", f"cannot write: {exc.strerror or exc}") from exc
    return path


_UNSAFE: Final = re.compile(r"[^A-Za-z0-9._-]")


def _safe_name(text: str) -> str:
    """``text`` as a file name: characters other than letters, digits, ``._-`` replaced."""
    return _UNSAFE.sub("_", text).lstrip(".") or "_"


def _file_names(folder: str, hei_id: str, ids: Iterable[str]) -> Iterator[str]:
    """``folder/<hei>/<id>.xml`` for each id, made safe as a file name and unique."""
    used: set[str] = set()
    hei = _safe_name(hei_id)
    for object_id in ids:
        stem = _safe_name(object_id)
        name, n = stem, 1
        while name.casefold() in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name.casefold())
        yield f"{folder}/{hei}/{name}.xml"


def _files(dataset: Dataset) -> Iterator[tuple[str, bytes]]:
    """One file per factsheet, IIA, approved snapshot and LA, in id order (IIAs hashed alone)."""
    for hei_id, data in dataset.heis.items():
        if data.factsheet is not None:
            name = f"{FACTSHEETS_DIR}/{_safe_name(hei_id)}.xml"
            yield name, encode(FactsheetResponse(factsheets=(data.factsheet,)), pretty=True)
        served = [state for _, state in sorted(data.iias.served.items())]
        for name, state in zip(
            _file_names(IIAS_DIR, hei_id, (s.iia_id for s in served)), served, strict=True
        ):
            yield name, encode(IiasGetResponse(iias=(state.iia,)), pretty=True)
        snapshots = [
            (s.iia_id, s.last_approved.iia)
            for s in served
            if s.last_approved is not None and s.last_approved.iia != s.iia
        ]
        names = _file_names(APPROVED_DIR, hei_id, (i for i, _ in snapshots))
        for name, (_, iia) in zip(names, snapshots, strict=True):
            yield name, encode(IiasGetResponse(iias=(iia,)), pretty=True)
        las = sorted(data.las.items())
        names = _file_names(LAS_DIR, hei_id, (i for i, _ in las))
        for name, (_, sending) in zip(names, las, strict=True):
            yield name, encode(LasGetResponse(las=(sending.la,)), pretty=True)
        copies = sorted(data.partner_iias.items())
        names = _file_names(RECEIVED_IIAS_DIR, hei_id, (f"{p}_{i}" for (p, i), _ in copies))
        for name, (_, iia) in zip(names, copies, strict=True):
            yield name, encode(IiasGetResponse(iias=(iia,)), pretty=True)
        received = sorted(data.received_las.items())
        names = _file_names(RECEIVED_LAS_DIR, hei_id, (f"{s}_{o}" for (s, o), _ in received))
        for name, (_, copy) in zip(names, received, strict=True):
            yield name, encode(LasGetResponse(las=(copy.la,)), pretty=True)


def dump_dataset(
    dataset: Dataset, directory: str | os.PathLike[str], *, overwrite: bool = False
) -> tuple[Path, ...]:
    """Write ``dataset`` as a fixture directory that :func:`load_dataset` reads back equal.

    ``directory`` is created when missing. Without ``overwrite`` a directory
    already holding a ``dataset.toml`` is refused (``problem="unwritable"``);
    with it, ``dataset.toml`` is replaced and the XML files of the fixture
    folders are removed first, so that none is left over from the data set
    written before. Data the format cannot express is refused
    (``problem="unsupported"``) before anything is written. Returns the
    files written.
    """
    root = Path(directory)
    toml = root / DATASET_FILE
    if toml.exists() and not overwrite:
        raise _fail(toml, "unwritable", "already there (a data set is in this directory)")
    entries = tuple(_entry(d) for d in dataset.heis.values())
    for entry in entries:
        _check_expressible(entry, toml)
    content = DatasetFile(heis=entries, partners=tuple(sorted(dataset.partners)))
    files = [(DATASET_FILE, render_dataset_file(content).encode("utf-8")), *_files(dataset)]
    folders = (IIAS_DIR, APPROVED_DIR, LAS_DIR, RECEIVED_IIAS_DIR, RECEIVED_LAS_DIR, FACTSHEETS_DIR)
    for folder in folders:
        for stale in _xml_files(root, folder):
            try:
                stale.unlink()
            except OSError as exc:
                raise _fail(stale, "unwritable", f"cannot remove: {exc.strerror or exc}") from exc
    return tuple(_write(root / name, data) for name, data in files)
