"""The ``ewp-mock`` command: ``serve`` a mock partner node, or run the two-node ``demo``.

It keeps the contract of ``ewp`` (:mod:`ewp_client.cli.contract`): exit status
0 fine, 1 a check failed (``demo``), 2 a usage error or an unusable file. A
message about a file given with an option is prefixed by the option and the
file, e.g. ``--server-key key.pem: cannot read: No such file or directory``.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import signal
import socket
import ssl
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from ewp_client import __version__
from ewp_client.cli.contract import (
    NEGATIVE,
    OK,
    UNREADABLE,
    UNWRITABLE,
    CommandError,
    Parser,
    add_version,
    emit_json,
    kind_of,
    run,
)
from ewp_client.codec import decode
from ewp_client.errors import ConfigError, EwpError, FixtureError, StateDbError, StateDirError
from ewp_client.models import Manifest
from ewp_client.namespaces import DISCOVERY_API, ApiVersion
from ewp_client.registry import Catalogue, parse_catalogue
from ewp_client.security import (
    SigningKey,
    generate_private_key,
    load_private_key,
    load_public_key,
)
from ewp_client.server import STATS_PORTAL_HEI

from .app import create_app, node_of_app, prepare_tls
from .config import DEFAULT_CNR_EXPIRY, DEFAULT_HEI, MockConfig
from .control import CONTROL_PREFIX
from .data import UNI_A, UNI_B, Dataset, demo_dataset, load_dataset
from .demo_flow import play_demo_to
from .exchange_log import DEFAULT_MAX_FILE_BYTES, DEFAULT_RING_SIZE, EXCHANGES_FILE, ExchangeLog
from .faults import ScenarioRegistry
from .inspector import INSPECTOR_PATH
from .node import MockNode
from .routes import echo as echo_route
from .routes import registry as registry_route
from .server import bind_socket, serve_forever
from .state_dir import (
    CA_FILE,
    CATALOGUE_FILE,
    CLIENT_KEY_FILE,
    CLIENT_PUBLIC_KEY_FILE,
    NODE_FILE,
    SERVER_KEY_FILE,
    SERVER_PUBLIC_KEY_FILE,
    TLS_CERTIFICATE_FILE,
    TLS_KEY_FILE,
    StateDir,
)
from .store import SqliteState

__all__ = ["build_parser", "main", "prepare_tls"]

#: ``--log-level`` values.
LOG_LEVELS: Final = ("debug", "info", "warning", "error")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (0-65535)")
    return port


def _hours(text: str) -> timedelta:
    try:
        hours = float(text)
    except ValueError:
        hours = math.nan
    if not (math.isfinite(hours) and hours > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of hours")
    return timedelta(hours=hours)


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return number


def _log_level(text: str) -> str:
    level = text.lower()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(LOG_LEVELS)}")
    return level


def build_parser() -> Parser:
    parser = Parser(
        prog="ewp-mock",
        description="A mock EWP partner node for CI suites and for reproducing exchange "
        "problems. Exit status: 0 fine, 1 a check failed, 2 a usage error or an unusable file.",
    )
    add_version(parser, __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    serve = sub.add_parser(
        "serve",
        help="serve a mock node until interrupted",
        description="Serve a mock node over TLS until SIGTERM or Ctrl-C. Writes the CA "
        "certificate clients trust, the node's keys and its catalogue into the state "
        "directory, prints its URLs, keyIds and the client keys it admitted, then 'ready' "
        "(with --json: one start-up document instead), logs one line per exchange to "
        "stderr and records each, bodies included (students' personal data masked), in "
        f"{EXCHANGES_FILE} in the state directory. Exit status: 0 stopped, 2 a usage error "
        "or an unusable file.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=0, help="TCP port; 0 picks a free one")
    serve.add_argument(
        "--hei",
        action="append",
        dest="heis",
        metavar="ID",
        help="a HEI id to serve (repeatable; default: the HEIs of --data DIR, else "
        f"{DEFAULT_HEI}); a HEI the data set does not have is served with no data, "
        "as a bare institution (said at start)",
    )
    serve.add_argument(
        "--base-url",
        metavar="URL",
        help="the public address clients use, e.g. https://mock:8443 when listening on 0.0.0.0 "
        "in a container (default: https://HOST:PORT); catalogue, manifests, the signed Host "
        "and the TLS certificate follow it",
    )
    serve.add_argument(
        "--server-key",
        type=Path,
        metavar="PEM",
        help="RSA private key the mock signs its responses with (default: a fresh 2048-bit key)",
    )
    serve.add_argument(
        "--client-key",
        type=Path,
        metavar="PEM",
        help="RSA private key of the mock's own client credential, published in its catalogue "
        "(default: a fresh 2048-bit key)",
    )
    serve.add_argument(
        "--admit",
        action="append",
        default=[],
        metavar="KEYFILE=HEI[,HEI...]",
        help="admit a client's public key (PEM, DER, certificate or a private key file) "
        "for these HEIs; KEYFILE= with nothing after '=' admits it for no HEI "
        f"(repeatable; default: none). With the demo data, a key admitted for {UNI_B} "
        f"sees {UNI_A}'s IIAs and LAs",
    )
    serve.add_argument(
        "--stats-portal",
        action="append",
        default=[],
        metavar="KEYFILE",
        help="admit a client's public key in the EWP Stats Portal's role: the stats endpoints "
        "(IIAs, LAs, LA CNR) answer it as they answer a key covering "
        f"{STATS_PORTAL_HEI}, and refuse other keys with 403 (repeatable; default: none)",
    )
    data = serve.add_mutually_exclusive_group()
    data.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="serve the data set in the fixture files in DIR (docs/mock-data.md; its HEIs are "
        "served unless --hei names others); a bad file is refused at start (default: the "
        f"built-in demo data set, serving {DEFAULT_HEI}, whose partner is {UNI_B})",
    )
    data.add_argument(
        "--no-data",
        action="store_true",
        help="serve no data set: each HEI served (--hei, default "
        f"{DEFAULT_HEI}) is a bare institution with no units, IIAs or LAs",
    )
    serve.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="write the CA certificate (ca.pem), TLS certificate and key, the node's keys, "
        "its catalogue and node.json here (made when missing; default: a temporary "
        "directory, printed, removed at exit)",
    )
    serve.add_argument(
        "--db",
        type=Path,
        metavar="FILE",
        help="keep the node's whole state (data, admitted keys, pending change notifications) "
        "in the SQLite database FILE, so that it survives a restart or a crash (made when "
        "missing); the data set (demo, --data) seeds only a new or empty database, one that "
        "holds data is used as it is (said at start). A file that is not a node database "
        "(another program's, damaged, truncated, read-only, in use) is refused and left as "
        "it was (default: the state is kept in memory)",
    )
    serve.add_argument(
        "--peer",
        action="append",
        default=[],
        metavar="CATALOGUE_URL[=CA_FILE]",
        help="introduce another node: read its catalogue (over TLS trusting the CA certificate "
        "in CA_FILE, e.g. its state directory's ca.pem) and the manifests it lists, so that "
        "this node calls that node's APIs (its change notifications) and verifies the requests "
        "it signs; a peer not up yet is tried again every "
        f"{2:g} s (repeatable; default: none)",
    )
    serve.add_argument(
        "--trust-ca",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="trust the TLS certificates this CA certificate (PEM) issued when the node calls "
        "partners (repeatable; the node's own CA and the --peer CAs are always trusted; "
        "default: also the system's CAs when none is given)",
    )
    serve.add_argument(
        "--registry-url",
        metavar="URL",
        help="the Registry catalogue the node finds its partners in when it calls them "
        "(default: its own catalogue, which lists the --peer nodes)",
    )
    serve.add_argument(
        "--cnr-expiry",
        type=_hours,
        # A string default goes through ``type`` like a typed value, and shows as typed.
        default=f"{DEFAULT_CNR_EXPIRY.total_seconds() / 3600:g}",
        metavar="HOURS",
        help="how long after the latest change an undelivered change notification is still "
        f"retried (default: {DEFAULT_CNR_EXPIRY.total_seconds() / 3600:g})",
    )
    serve.add_argument(
        "--control",
        action="store_true",
        help=f"serve the node's control API under {CONTROL_PREFIX} (plain JSON, no "
        "signature: set data, move the clock, reset, flush the outbox; for tests only) "
        f"and the exchange inspector at {INSPECTOR_PATH} (an HTML page)",
    )
    serve.add_argument(
        "--exchange-log-size",
        type=_positive,
        default=DEFAULT_RING_SIZE,
        metavar="N",
        help="how many exchanges (requests received and sent) the node keeps in memory; "
        f"each is also appended to {EXCHANGES_FILE} in the state directory, a file rotated "
        f"to {EXCHANGES_FILE}.1 past {DEFAULT_MAX_FILE_BYTES // (1024 * 1024)} MiB "
        f"(default: {DEFAULT_RING_SIZE})",
    )
    serve.add_argument(
        "--keep-personal-data",
        action="store_true",
        help="keep students' personal data (names, birth dates, e-mails...) in the recorded "
        "exchanges' bodies; without it they are masked in memory and on disk",
    )
    serve.add_argument(
        "--scenario",
        action="append",
        default=[],
        dest="scenarios",
        metavar="NAME",
        help="play the fault scenario NAME: reproduce a known exchange problem ('ewp-mock "
        "scenarios' lists them); two or more at once each do what they do alone; an unknown "
        f"name is refused with the known ones; with --control, PUT {CONTROL_PREFIX}/scenarios "
        "switches them while the node runs, the TLS ones excepted (repeatable; default: none)",
    )
    serve.add_argument(
        "--scenario-file",
        action="append",
        default=[],
        type=Path,
        dest="scenario_files",
        metavar="FILE",
        help="also know the scenarios declared in the TOML file FILE, built from behaviours "
        "as the built-in ones are (repeatable; default: none)",
    )
    serve.add_argument(
        "--plain-http",
        action="store_true",
        help="serve plain HTTP, for quick debugging: the manifests and catalogue then "
        "announce http:// URLs, which their schemas forbid",
    )
    serve.add_argument(
        "--log-level",
        type=_log_level,
        default="info",
        metavar="LEVEL",
        help=f"log threshold on stderr, one of {', '.join(LOG_LEVELS)}; 'info' logs one line "
        "per exchange (default: info)",
    )
    serve.add_argument(
        "--json",
        action="store_true",
        help="print one JSON start-up document (URLs, manifest URLs, keyIds, CA, state "
        "directory) instead of the lines and 'ready', then keep serving",
    )
    serve.set_defaults(handler=_serve, command_prog=serve.prog)
    scenarios = sub.add_parser(
        "scenarios",
        help="list the fault scenarios, one line each",
        description="List the fault scenarios 'serve --scenario NAME' plays, one line each: "
        "name, what it does, which API. Exit status: 0 listed, 2 an unusable scenario file.",
    )
    scenarios.add_argument(
        "--scenario-file",
        action="append",
        default=[],
        type=Path,
        dest="scenario_files",
        metavar="FILE",
        help="also list the scenarios declared in the TOML file FILE (repeatable; default: none)",
    )
    scenarios.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document: each scenario with its behaviours",
    )
    scenarios.set_defaults(handler=_scenarios, command_prog=scenarios.prog)
    demo = sub.add_parser(
        "demo",
        help="two mock nodes finish an IIA and a Learning Agreement by themselves, checked",
        description=f"Start two mock nodes (A serving {UNI_A}, B serving {UNI_B}, one shared "
        "catalogue) and let them finish the IIA and OLA flows as two HEIs would: A creates an "
        "IIA, B maps and both approve it (IIA CNRs, refreshes, Approval API), then A publishes "
        "a Learning Agreement which B approves through A's update endpoint, A amends it (minor) "
        "and proposes a major change which B approves. Every step is checked. Exit status: 0 "
        "all checks passed, 1 a check failed.",
    )
    demo.add_argument(
        "--in-process",
        action="store_true",
        help="run both nodes in this process, without sockets (default: two TLS servers on "
        "free 127.0.0.1 ports, their certificates from one local CA both trust)",
    )
    demo.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document (the nodes, each step with its checks, passed, the "
        "failed check) instead of the lines",
    )
    demo.set_defaults(handler=_demo, command_prog=demo.prog)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ewp-mock`` with ``argv`` (default: the process arguments); returns the exit status."""
    return run(build_parser(), argv, prog="ewp-mock")


def _read(path: Path, label: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError.unreadable(label, exc) from exc


def _signing_key(path: Path | None, option: str) -> SigningKey:
    """The key in the file given for ``option``; a fresh RSA 2048 key when none is given."""
    if path is None:
        return SigningKey(generate_private_key())
    label = f"{option} {path}"
    data = _read(path, label)
    try:
        return SigningKey(load_private_key(data))
    except EwpError as exc:
        raise CommandError.of(exc, file=label) from exc


def _admissions(specs: Sequence[str]) -> list[Admission]:
    """``KEYFILE=HEI[,HEI...]`` options (``KEYFILE=``: no HEI) as admissions to make."""
    admissions = []
    for spec in specs:
        file, equals, heis = spec.rpartition("=")
        hei_ids = [h.strip() for h in heis.split(",")] if heis else []
        if not equals or not file or any(not h for h in hei_ids):
            raise CommandError(f"--admit {spec!r}: expected KEYFILE=HEI[,HEI...] or KEYFILE=")
        label = f"--admit {file}"
        data = _read(Path(file), label)
        try:
            key = load_public_key(data)
        except EwpError as exc:
            raise CommandError.of(exc, file=label) from exc
        admissions.append(Admission(label, key, tuple(hei_ids)))
    return admissions


def _stats_portal_keys(files: Sequence[str]) -> list[tuple[str, rsa.RSAPublicKey]]:
    """``--stats-portal KEYFILE`` options as (label, key) to admit in the Stats Portal's role."""
    keys = []
    for file in files:
        label = f"--stats-portal {file}"
        data = _read(Path(file), label)
        try:
            keys.append((label, load_public_key(data)))
        except EwpError as exc:
            raise CommandError.of(exc, file=label) from exc
    return keys


@dataclass(frozen=True)
class Admission:
    """A client key to admit: the option that named it (for messages), the key, its HEIs."""

    label: str
    key: rsa.RSAPublicKey
    hei_ids: tuple[str, ...]


#: Where the served data set comes from (``data.source`` in the start-up document).
DEMO_DATA: Final = "demo"
DIRECTORY_DATA: Final = "directory"
NO_DATA: Final = "none"


@dataclass(frozen=True)
class DataChoice:
    """The data set a node serves and its ``source``: the demo, a ``directory``, or none."""

    source: str
    dataset: Dataset | None = None
    directory: Path | None = None

    @property
    def default_heis(self) -> tuple[str, ...]:
        """The HEIs served when ``--hei`` names none: a directory's, else :data:`DEFAULT_HEI`."""
        if self.source == DIRECTORY_DATA and self.dataset is not None and self.dataset.hei_ids:
            return self.dataset.hei_ids
        return (DEFAULT_HEI,)

    @property
    def label(self) -> str:
        if self.source == DEMO_DATA:
            return "the demo data set"
        if self.source == DIRECTORY_DATA:
            return f"the data set in {self.directory}"
        return "no data set"

    def has(self, hei_id: str) -> bool:
        return self.dataset is not None and self.dataset.hei(hei_id) is not None

    def partners(self, hei_ids: Sequence[str]) -> list[str]:
        """The HEIs whose keys see data of ``hei_ids``: IIA partners, LA receivers, approvees."""
        if self.dataset is None:
            return []
        found: set[str] = set()
        for hei_id in hei_ids:
            data = self.dataset.hei(hei_id)
            if data is None:
                continue
            named = {p.hei_id for s in data.iias.served.values() for p in s.iia.partners}
            named |= {la.la.receiving_hei.hei_id for la in data.las.values()}
            named |= {record.partner_hei_id for record in data.approvals}
            found |= named - {hei_id}
        return sorted(found)


def _data_choice(args: argparse.Namespace) -> DataChoice:
    """``--no-data``, ``--data DIR`` (loaded, so checked, at start), or the demo data set."""
    if args.no_data:
        return DataChoice(NO_DATA)
    if args.data is None:
        return DataChoice(DEMO_DATA, demo_dataset())
    return DataChoice(DIRECTORY_DATA, _data_set(args.data), args.data)


def _data_set(path: Path) -> Dataset:
    """The data set of the fixture directory ``--data`` names."""
    label = f"--data {path}"
    if not path.is_dir():
        error: OSError = (
            NotADirectoryError(20, "Not a directory")
            if path.exists()
            else FileNotFoundError(2, "No such file or directory")
        )
        raise CommandError.unreadable(label, error)
    try:
        return load_dataset(path)
    except FixtureError as exc:
        raise _refused_fixture(exc) from exc
    except EwpError as exc:  # a data set the files describe but the node cannot hold
        raise CommandError.of(exc, file=label) from exc


def _refused_fixture(exc: FixtureError) -> CommandError:
    """The fixture file at fault as ``file`` and ``line``; the message without them."""
    message = str(exc)
    for prefix in (f"{exc.path}:{exc.line}:", f"{exc.path}:"):
        if message.startswith(prefix):
            message = message[len(prefix) :].strip()
            break
    kind = FIXTURE_KINDS.get(exc.problem, kind_of(exc)[0])
    return CommandError(message, kind=kind, file=exc.path, line=exc.line)


#: The contract's kind for a refused fixture file, by the loader's problem (else ``config``).
FIXTURE_KINDS: Final = {
    "unreadable": UNREADABLE,
    "malformed": "malformed-xml",
    "schema-invalid": "schema-invalid",
    "wrong-document": "wrong-document",
}


def _state_dir(path: Path | None) -> StateDir:
    try:
        return StateDir.open(path)
    except StateDirError as exc:
        raise _unwritable(exc, path) from exc


def _unwritable(exc: StateDirError, state_dir: Path | None) -> CommandError:
    label = f"--state-dir {state_dir}" if state_dir is not None else "--state-dir"
    message = str(exc)
    if state_dir is not None and message.startswith(str(state_dir)):
        message = message[len(str(state_dir)) :].lstrip("/").strip()
        message = message.removeprefix(":").strip() or str(exc)
    return CommandError(message, kind=UNWRITABLE, file=label)


def _setup_logging(level: str) -> None:
    """The node's log lines (one per exchange at ``info``) on stderr."""
    logger = logging.getLogger("ewp_mock")
    logger.setLevel(level.upper())
    if not any(getattr(h, "ewp_mock_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.ewp_mock_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def _scenario_registry(files: Sequence[Path]) -> ScenarioRegistry:
    try:
        return ScenarioRegistry.load(files)
    except ConfigError as exc:
        raise CommandError(str(exc), kind="config") from exc


def _scenarios(args: argparse.Namespace) -> int:
    registry = _scenario_registry(args.scenario_files)
    if args.json:
        emit_json({"scenarios": [s.as_json() for s in registry]})
    else:
        for scenario in registry:
            print(scenario.describe())
    return OK


def _serve(args: argparse.Namespace) -> int:
    with _stopped_by_signals():
        try:
            return _serve_until_stopped(args)
        except _StopRequested:
            return OK  # stopped while starting: nothing was served, nothing is left behind


def _serve_until_stopped(args: argparse.Namespace) -> int:
    _scenario_registry(args.scenario_files).resolve(args.scenarios)  # refused before anything
    server_key = _signing_key(args.server_key, "--server-key")
    client_key = _signing_key(args.client_key, "--client-key")
    admissions = _admissions(args.admit)
    portal_keys = _stats_portal_keys(args.stats_portal)
    data = _data_choice(args)
    peers = _peer_specs(args.peer)
    trusted = _trusted_cas(args.trust_ca)
    state = _state_dir(args.state_dir)
    database: SqliteState | None = None
    introducer: PeerIntroducer | None = None
    try:
        database = _open_db(args.db)
        sock = bind_socket(args.host, args.port)
        try:
            started = _start_node(
                args,
                state,
                sock,
                (server_key, client_key),
                admissions,
                portal_keys,
                data,
                database=database,
                peers=peers,
                trusted=trusted,
            )
            introducer = started.introducer
            _announce(started, as_json=args.json)
        except BaseException:
            sock.close()
            raise
        _setup_logging(args.log_level)
        if introducer is not None:
            introducer.start()
        try:
            serve_forever(
                ExchangeLog(started.app), sock, tls=started.tls, log_level=_uvicorn_level(args)
            )
        finally:
            node_of_app(started.app).exchanges.close()
    finally:
        if introducer is not None:
            introducer.stop()
        if database is not None:
            database.close()
        state.close()
    return OK


def _open_db(path: Path | None) -> SqliteState | None:
    """The ``--db`` database, opened (created when missing); a refusal names the file."""
    if path is None:
        return None
    try:
        return SqliteState.open(path)
    except StateDbError as exc:
        label = f"--db {path}"
        message = str(exc)
        if message.startswith(str(path)):
            message = message[len(str(path)) :].lstrip(":").strip()
        kind = UNWRITABLE if exc.reason == "read-only" else f"db-{exc.reason or 'refused'}"
        raise CommandError(message, kind=kind, file=label) from exc


def _trusted_cas(paths: Sequence[Path]) -> tuple[Path, ...]:
    """The ``--trust-ca`` files, each checked to hold a CA certificate the node can load."""
    for path in paths:
        _check_ca(path, f"--trust-ca {path}")
    return tuple(paths)


def _check_ca(path: Path, label: str) -> None:
    _read(path, label)
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except ssl.SSLError as exc:
        raise CommandError(
            f"not a CA certificate in PEM: {exc.reason or exc}",
            kind="not-a-certificate",
            file=label,
        ) from exc


#: How long (real seconds) the node waits before reading an unreachable peer again.
PEER_RETRY: Final = 2.0


@dataclass(frozen=True)
class PeerSpec:
    """A ``--peer``: the catalogue URL of another node and the CA file its TLS is trusted with."""

    catalogue_url: str
    ca_file: Path | None

    @property
    def label(self) -> str:
        return f"--peer {self.catalogue_url}"


def _peer_specs(specs: Sequence[str]) -> list[PeerSpec]:
    """``CATALOGUE_URL[=CA_FILE]`` options (the CA after the last ``=``), CA files checked."""
    peers = []
    for spec in specs:
        url, equals, ca = spec.rpartition("=")
        if not equals or not _is_http_url(url):
            url, ca = spec, ""
        if not _is_http_url(url):
            raise CommandError(f"--peer {spec!r}: expected CATALOGUE_URL[=CA_FILE], an http(s) URL")
        if equals and url != spec and not ca:
            raise CommandError(f"--peer {spec!r}: no CA file after '='")
        ca_file = Path(ca) if ca else None
        if ca_file is not None and ca_file.exists():  # a peer not started yet has none yet
            _check_ca(ca_file, f"--peer {url}={ca_file}")
        peers.append(PeerSpec(url, ca_file))
    return peers


def _is_http_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def fetch_peer_manifests(
    catalogue_url: str, verify: ssl.SSLContext | bool, own_heis: Sequence[str]
) -> list[Manifest]:
    """The Discovery manifests another node's catalogue lists (those of HEIs not in ``own_heis``).

    Reads the catalogue, then each manifest it names (public documents: no
    signature). Raises :class:`httpx.HTTPError` or an
    :class:`~ewp_client.errors.EwpError` when one cannot be read.
    """
    ours = {h.lower() for h in own_heis}
    with httpx.Client(verify=verify, timeout=10.0) as http:
        answer = http.get(catalogue_url)
        answer.raise_for_status()
        catalogue = parse_catalogue(answer.content)
        urls: dict[str, None] = {}
        for hei in catalogue.heis:
            if hei.id.lower() in ours:
                continue
            for url in _api_urls(catalogue, hei.id, DISCOVERY_API):
                urls[url] = None
        manifests = []
        for url in urls:
            answer = http.get(url)
            answer.raise_for_status()
            manifests.append(decode(answer.content, Manifest))
    return manifests


@dataclass
class PeerIntroducer:
    """Introduces the ``--peer`` nodes to ``node``: at start, then in the background until each is.

    :meth:`try_all` reads every peer not introduced yet once (the start-up
    does it before announcing the node); :meth:`start` keeps trying the
    others every :data:`PEER_RETRY` seconds in a thread until :meth:`stop`.
    """

    node: MockNode
    peers: Sequence[PeerSpec]
    introduced: dict[str, list[str]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    _stopped: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def try_all(self) -> bool:
        """Read each peer not introduced yet once; whether all are now."""
        for peer in self.peers:
            if peer.catalogue_url in self.introduced:
                continue
            try:
                verify: ssl.SSLContext | bool = (
                    True
                    if peer.ca_file is None
                    else ssl.create_default_context(cafile=str(peer.ca_file))
                )
                manifests = fetch_peer_manifests(
                    peer.catalogue_url, verify, self.node.config.hei_ids
                )
                self.node.add_peer(manifests)
                self._trust(peer)
            except (httpx.HTTPError, EwpError, OSError, ssl.SSLError) as exc:
                self.problems[peer.catalogue_url] = _peer_problem(exc)
                continue
            self.problems.pop(peer.catalogue_url, None)
            self.introduced[peer.catalogue_url] = [
                m.host.institutions_covered.hei.id
                for m in manifests
                if m.host and m.host.institutions_covered and m.host.institutions_covered.hei
            ]
            logging.getLogger("ewp_mock").info(
                "peer %s introduced: %s",
                peer.catalogue_url,
                ", ".join(self.introduced[peer.catalogue_url]) or "no HEI",
            )
        return len(self.introduced) == len(self.peers)

    def _trust(self, peer: PeerSpec) -> None:
        """The node's calls trust the peer's CA too (its file may have come after the start)."""
        verify = self.node.outbox.outgoing.verify
        if peer.ca_file is None:
            return
        if isinstance(verify, ssl.SSLContext):
            verify.load_verify_locations(cafile=str(peer.ca_file))
        else:  # the system's CAs only: the peer's first
            context = ssl.create_default_context(cafile=str(peer.ca_file))
            self.node.outbox.outgoing = dataclasses.replace(
                self.node.outbox.outgoing, verify=context
            )

    def start(self) -> None:
        if self._thread is not None or len(self.introduced) == len(self.peers):
            return
        thread = threading.Thread(target=self._run, name="ewp-mock-peers", daemon=True)
        thread.start()
        self._thread = thread  # once started: a stop signal in between leaves nothing to join

    def _run(self) -> None:
        while not self._stopped.wait(PEER_RETRY):
            if self.try_all():
                return

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=PEER_RETRY + 15.0)

    def summary(self) -> list[dict[str, Any]]:
        return [
            {
                "catalogue": p.catalogue_url,
                "ca": None if p.ca_file is None else str(p.ca_file),
                "introduced": p.catalogue_url in self.introduced,
                "hei_ids": self.introduced.get(p.catalogue_url, []),
                "problem": self.problems.get(p.catalogue_url),
            }
            for p in self.peers
        ]


def _peer_problem(exc: BaseException) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} from {exc.request.url}"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:300]


class _StopRequested(Exception):
    """SIGTERM or SIGINT before the server took the signals over."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _StopRequested(signal.Signals(signum).name)


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """Make SIGTERM and SIGINT during start-up a clean stop (exit 0, state dir removed)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _uvicorn_level(args: argparse.Namespace) -> str:
    """uvicorn's own messages: warnings and errors (only errors at ``error``, all at ``debug``)."""
    return args.log_level if args.log_level in ("debug", "error") else "warning"


@dataclass(frozen=True)
class StartedNode:
    """A node ready to serve: its app, configuration, TLS context and start-up document."""

    app: FastAPI
    config: MockConfig
    tls: ssl.SSLContext | None
    document: dict[str, Any]
    warnings: tuple[str, ...]
    introducer: PeerIntroducer | None = None


def _start_node(
    args: argparse.Namespace,
    state: StateDir,
    sock: socket.socket,
    keys: tuple[SigningKey, SigningKey],
    admissions: Sequence[Admission],
    portal_keys: Sequence[tuple[str, rsa.RSAPublicKey]],
    data: DataChoice,
    *,
    database: SqliteState | None = None,
    peers: Sequence[PeerSpec] = (),
    trusted: Sequence[Path] = (),
) -> StartedNode:
    server_key, client_key = keys
    peer_cas = tuple(p.ca_file for p in peers if p.ca_file is not None and p.ca_file.exists())
    try:
        config = MockConfig(
            hei_ids=tuple(args.heis or data.default_heis),
            host=args.host,
            port=sock.getsockname()[1],
            base_url=args.base_url,
            server_key=server_key,
            client_key=client_key,
            tls=not args.plain_http,
            data_dir=args.data,
            registry_url=args.registry_url,
            cnr_expiry=args.cnr_expiry,
            control=args.control,
            keep_personal_data=args.keep_personal_data,
            exchange_log_size=args.exchange_log_size,
            scenarios=tuple(args.scenarios),
            scenario_files=tuple(args.scenario_files),
        )
    except ConfigError as exc:
        if args.registry_url is not None and "registry URL" in str(exc):
            label = f"--registry-url {args.registry_url}"
            raise CommandError(str(exc), kind="config", file=label) from exc
        raise
    if config.tls and urlsplit(config.public_url).scheme != "https":
        raise CommandError(
            f"--base-url {args.base_url}: the node serves TLS, so its URL starts with "
            "https:// (or serve plain HTTP with --plain-http)"
        )
    try:
        tls = prepare_tls(config, state)  # first: the node trusts its own CA when it calls
    except StateDirError as exc:
        raise _unwritable(exc, args.state_dir) from exc
    own_ca = (state.file(CA_FILE),) if config.tls else ()
    config = dataclasses.replace(config, trusted_cas=(*trusted, *peer_cas, *own_ca))
    app = create_app(
        config,
        data.dataset,
        state=database,
        data_source=_data_source(data),
        exchanges_file=state.file(EXCHANGES_FILE),
    )
    node = node_of_app(app)
    admitted = []
    for admission in admissions:
        try:
            kid = node.register_client(admission.key, admission.hei_ids)
        except EwpError as exc:
            raise CommandError.of(exc, file=admission.label) from exc
        admitted.append({"key_id": kid, "hei_ids": list(admission.hei_ids)})
    portal = []
    for label, public_key in portal_keys:
        try:
            portal.append(node.admit_stats_portal(public_key))
        except EwpError as exc:
            raise CommandError.of(exc, file=label) from exc
    introducer = PeerIntroducer(node, peers) if peers else None
    if introducer is not None:
        introducer.try_all()
    try:
        state.write_keys(config.server_key, config.client_key)
        state.write(CATALOGUE_FILE, node.published.xml)
    except StateDirError as exc:
        raise _unwritable(exc, args.state_dir) from exc
    warnings = (
        *(() if config.announces_https else (PLAIN_HTTP_WARNING,)),
        *_bare_hei_warnings(config, data),
        *_peer_warnings(introducer),
    )
    document = startup_document(config, node.catalogue, admitted, state, warnings)
    document["data"] = data_summary(data, config.hei_ids)
    document["stats_portal"] = portal
    document["db"] = db_summary(database, node)
    document["peers"] = [] if introducer is None else introducer.summary()
    document["cnr_expiry_hours"] = config.cnr_expiry.total_seconds() / 3600
    document["registry_url"] = config.catalogue_url
    document["exchanges"] = {
        "file": str(state.file(EXCHANGES_FILE)),
        "size": config.exchange_log_size,
        "personal_data": "kept" if config.keep_personal_data else "masked",
    }
    document["scenarios"] = list(config.scenarios)
    try:
        state.write_document(document)
    except StateDirError as exc:
        raise _unwritable(exc, args.state_dir) from exc
    sock.listen(LISTEN_BACKLOG)  # connections wait in the kernel until uvicorn accepts them
    return StartedNode(app, config, tls, document, warnings, introducer)


def _data_source(data: DataChoice) -> str:
    """What the database records as the source of the data it was seeded with."""
    return str(data.directory) if data.directory is not None else data.source


def _peer_warnings(introducer: PeerIntroducer | None) -> tuple[str, ...]:
    if introducer is None:
        return ()
    return tuple(
        f"--peer {url}: not introduced yet ({problem}); tried again every {PEER_RETRY:g} s"
        for url, problem in introducer.problems.items()
    )


def db_summary(database: SqliteState | None, node: MockNode) -> dict[str, Any] | None:
    """The start-up document's ``db``: the file, whether the data set seeded it, its rows."""
    if database is None:
        return None
    used_as_is = node.dataset_loaded is False
    counts = database.counts()
    if used_as_is:
        message = "the database holds data: using it as it is (the data set is not loaded)"
    elif node.dataset_loaded:
        message = "a new or empty database: seeded with the data set"
    else:
        message = "no data set to seed with: using the database as it is"
    return {
        "path": str(database.path),
        "created": database.created,
        "seeded": bool(node.dataset_loaded),
        "used_as_is": node.dataset_loaded is not True,
        "counts": counts,
        "pending_notifications": len(node.outbox.pending()),
        "message": message,
    }


def _bare_hei_warnings(config: MockConfig, data: DataChoice) -> tuple[str, ...]:
    """A served HEI the data set does not have (``--hei``) is bare: said at start."""
    if data.source == NO_DATA:
        return ()
    bare = [h for h in config.hei_ids if not data.has(h)]
    if not bare:
        return ()
    return (
        f"{', '.join(bare)}: not in {data.label}; served with no data (a bare institution, "
        "no units, IIAs or LAs)",
    )


def data_summary(data: DataChoice, hei_ids: Sequence[str]) -> dict[str, Any]:
    """The start-up document's ``data``: which data set, which HEIs have data, whom to admit."""
    with_data = [h for h in hei_ids if data.has(h)]
    partners = data.partners(with_data)
    return {
        "source": data.source,
        "directory": None if data.directory is None else str(data.directory),
        "hei_ids": with_data,
        "bare_hei_ids": [h for h in hei_ids if h not in with_data],
        "partner_hei_ids": partners,
        "admit": f"--admit KEYFILE={','.join(partners)}" if partners else None,
    }


#: What ``--plain-http`` warns about (on stderr, and in the ``--json`` document).
PLAIN_HTTP_WARNING: Final = (
    "plain HTTP: the manifests and the catalogue announce http:// URLs, which their schemas "
    "forbid (https:// only); for quick debugging, not for clients that validate them"
)
LISTEN_BACKLOG: Final = 2048


def startup_document(
    config: MockConfig,
    catalogue: Catalogue,
    admitted: Sequence[dict[str, Any]],
    state: StateDir,
    warnings: Sequence[str],
) -> dict[str, Any]:
    """What a client needs to call the node: URLs, keyIds, trust anchor, files."""
    files = {
        "ca": CA_FILE,
        "tls_certificate": TLS_CERTIFICATE_FILE,
        "tls_key": TLS_KEY_FILE,
        "server_key": SERVER_KEY_FILE,
        "server_public_key": SERVER_PUBLIC_KEY_FILE,
        "client_key": CLIENT_KEY_FILE,
        "client_public_key": CLIENT_PUBLIC_KEY_FILE,
        "catalogue": CATALOGUE_FILE,
        "node": NODE_FILE,
    }
    if not config.tls:
        files = {k: v for k, v in files.items() if not k.startswith(("ca", "tls_"))}
    return {
        "url": config.public_url,
        "tls": config.tls,
        "catalogue": config.url(registry_route.PATH),
        "manifests": [
            {"hei_id": hei, "url": url}
            for hei in config.hei_ids
            for url in _api_urls(catalogue, hei, DISCOVERY_API)
        ],
        "echo": config.url(echo_route.PATH),
        "control": config.url(CONTROL_PREFIX) if config.control else None,
        "inspector": config.url(INSPECTOR_PATH) if config.control else None,
        "hei_ids": list(config.hei_ids),
        "server_key_id": config.server_key.key_id,
        "client_key_id": config.client_key.key_id,
        "admitted": list(admitted),
        "ca": str(state.file(CA_FILE)) if config.tls else None,
        "state_dir": str(state.path),
        "state_dir_temporary": state.temporary,
        "files": {k: str(state.file(v)) for k, v in files.items()},
        "data_dir": None if config.data_dir is None else str(config.data_dir),
        "warnings": list(warnings),
    }


def _api_urls(catalogue: Catalogue, hei_id: str, api: ApiVersion) -> list[str]:
    found = catalogue.find_apis(hei_id, api, client_auth=None)
    return [entry.entry.url for entry in found if entry.entry.url]


def _announce(node: StartedNode, *, as_json: bool) -> None:
    for warning in node.warnings:
        print(f"ewp-mock serve: warning: {warning}", file=sys.stderr)
    document = node.document
    if as_json:
        emit_json(document)
        sys.stdout.flush()
        return
    print(f"catalogue: {document['catalogue']}")
    for manifest in document["manifests"]:
        print(f"manifest {manifest['hei_id']}: {manifest['url']}")
    print(f"echo:      {document['echo']}")
    if document["control"] is not None:
        print(f"control:   {document['control']} (OpenAPI: {document['control']}/openapi.json)")
        print(f"inspector: {document['inspector']} (the exchanges, live, in a browser)")
    print(f"HEIs:      {', '.join(document['hei_ids'])}")
    print(f"server keyId: {document['server_key_id']}")
    print(f"client keyId: {document['client_key_id']}")
    for entry in document["admitted"]:
        heis = ", ".join(entry["hei_ids"]) or "no HEI"
        print(f"admitted:  {entry['key_id']} for {heis}")
    for kid in document["stats_portal"]:
        print(f"stats portal: {kid}")
    print(f"data:      {_data_line(document['data'])}")
    if document["scenarios"]:
        print(f"scenarios: {', '.join(document['scenarios'])}")
    if document["db"] is not None:
        db = document["db"]
        rows = ", ".join(f"{table} {n}" for table, n in db["counts"].items() if n)
        print(f"db:        {db['path']}: {db['message']} ({rows or 'no rows'})")
    for peer in document["peers"]:
        heis = ", ".join(peer["hei_ids"])
        status = f"introduced ({heis})" if peer["introduced"] else "waiting for it"
        print(f"peer:      {peer['catalogue']}: {status}")
    if document["data"]["admit"]:
        partners = ", ".join(document["data"]["partner_hei_ids"])
        print(f"see data:  admit a key for {partners}: {document['data']['admit']}")
    if document["ca"]:
        print(f"CA:        {document['ca']}")
    exchanges = document["exchanges"]
    print(
        f"exchanges: {exchanges['file']} (the latest {exchanges['size']} in memory; "
        f"personal data {exchanges['personal_data']})"
    )
    temporary = " (temporary, removed at exit)" if document["state_dir_temporary"] else ""
    print(f"state dir: {document['state_dir']}{temporary}")
    print("ready", flush=True)


def _data_line(data: dict[str, Any]) -> str:
    heis = ", ".join(data["hei_ids"]) or "no served HEI"
    if data["source"] == DEMO_DATA:
        return f"the built-in demo data set ({heis})"
    if data["source"] == DIRECTORY_DATA:
        return f"{data['directory']} ({heis})"
    return "none (--no-data)"


def _demo(args: argparse.Namespace) -> int:
    passed = play_demo_to(sys.stdout, loopback=not args.in_process, as_json=args.json)
    return OK if passed else NEGATIVE


if __name__ == "__main__":
    sys.exit(main())
