"""The tables of a node's database (schema version 1).

HEI ids are matched without regard to case, as SCHAC ids are: each table
keyed by a HEI has a ``*_key`` column holding the id in lower case, and keeps
the id as written next to it. Rows are listed in the order they were first
written (``rowid``; an update keeps it). Documents are EWP XML (see
:mod:`.serial`); ``*_json`` columns are JSON objects.

=================  ==========================================================
``meta``           ``program``, ``created``, ``seeded`` (when and from what)
``heis``           served HEIs: institution XML, units XML (Institutions,
                   OUnits; the LA repository covers these HEIs)
``partners``       other HEIs the data names (``Dataset.partners``)
``factsheets``     one factsheet per served HEI
``iias``           IIAs each HEI serves: the copy served, when it changed,
                   the two ``StoredIia`` flags, and the lifecycle record of
                   ``ServedIia`` when known (hashes, last approved snapshot)
``retired_iias``   iia-ids a HEI deleted and may not reuse
``approvals``      each HEI's approvals of partners' copies
``partner_iias``   partners' copies of IIAs naming a served HEI
``las``            LAs each HEI sends (``SendingLa``), with a ``version``
                   counter that compare-and-swap ``replace`` bumps and
                   when it last changed (business time, ``NULL``: unknown)
``incoming_las``   LAs partners send to a served HEI (``ReceivedLa``)
``clients``        admitted client keys: PEM, HEIs, Stats Portal role
``outbox``         CNR outbox entries (``OutboxEntry.to_json``) by key
=================  ==========================================================
"""

from __future__ import annotations

from typing import Final

__all__ = ["DDL", "TABLES"]

DDL: Final = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE heis (
    hei_key TEXT PRIMARY KEY,
    hei_id TEXT NOT NULL,
    institution BLOB NOT NULL,
    ounits BLOB NOT NULL
);
CREATE TABLE partners (
    hei_id TEXT PRIMARY KEY
);
CREATE TABLE factsheets (
    hei_key TEXT PRIMARY KEY,
    factsheet BLOB NOT NULL
);
CREATE TABLE iias (
    hei_key TEXT NOT NULL,
    iia_id TEXT NOT NULL,
    iia BLOB NOT NULL,
    modified TEXT,
    approved_locally INTEGER NOT NULL,
    approved_by_partner INTEGER NOT NULL,
    lifecycle_json TEXT,
    last_approved_iia BLOB,
    PRIMARY KEY (hei_key, iia_id)
);
CREATE TABLE retired_iias (
    hei_key TEXT NOT NULL,
    iia_id TEXT NOT NULL,
    PRIMARY KEY (hei_key, iia_id)
);
CREATE TABLE approvals (
    hei_key TEXT NOT NULL,
    partner_key TEXT NOT NULL,
    iia_id TEXT NOT NULL,
    record_json TEXT NOT NULL,
    PRIMARY KEY (hei_key, partner_key, iia_id)
);
CREATE TABLE partner_iias (
    hei_key TEXT NOT NULL,
    partner_key TEXT NOT NULL,
    iia_id TEXT NOT NULL,
    iia BLOB NOT NULL,
    PRIMARY KEY (hei_key, partner_key, iia_id)
);
CREATE TABLE las (
    hei_key TEXT NOT NULL,
    omobility_id TEXT NOT NULL,
    la BLOB NOT NULL,
    approved_student BLOB,
    unapproved_identity_json TEXT NOT NULL,
    rejection_json TEXT,
    version INTEGER NOT NULL,
    modified TEXT,
    PRIMARY KEY (hei_key, omobility_id)
);
CREATE TABLE incoming_las (
    hei_key TEXT NOT NULL,
    sender_key TEXT NOT NULL,
    omobility_id TEXT NOT NULL,
    la BLOB NOT NULL,
    commented_proposal_id TEXT,
    PRIMARY KEY (hei_key, sender_key, omobility_id)
);
CREATE TABLE clients (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    heis_json TEXT NOT NULL,
    stats_portal INTEGER NOT NULL
);
CREATE TABLE outbox (
    key TEXT PRIMARY KEY,
    entry_json TEXT NOT NULL
);
"""

#: Every table of the schema; a file with others (or without one of these) is not ours.
TABLES: Final = (
    "meta",
    "heis",
    "partners",
    "factsheets",
    "iias",
    "retired_iias",
    "approvals",
    "partner_iias",
    "las",
    "incoming_las",
    "clients",
    "outbox",
)

#: The tables whose rows make a database "not empty" for the ``--data`` rule.
DATA_TABLES: Final = tuple(t for t in TABLES if t not in ("meta", "clients"))
