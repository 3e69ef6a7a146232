"""The ``ewp-mock`` command: ``serve`` a mock partner node, or run the signed-Echo ``demo``.

It keeps the contract of ``ewp`` (:mod:`ewp_client.cli.contract`): exit status
0 fine, 1 a check failed (``demo``), 2 a usage error or an unusable file. A
message about a file given with an option is prefixed by the option and the
file, e.g. ``--server-key key.pem: cannot read: No such file or directory``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from ewp_client import __version__
from ewp_client.cli.contract import (
    NEGATIVE,
    OK,
    CommandError,
    Parser,
    add_version,
    run,
)
from ewp_client.client import EwpClient
from ewp_client.client.echo import EchoMethod, echo_call, read_echo_answer
from ewp_client.errors import EwpError
from ewp_client.registry import RegistryClient
from ewp_client.security import (
    SigningKey,
    generate_private_key,
    load_private_key,
    load_public_key,
    parse_authorization,
    parse_signature_params,
)

from .app import create_app, node_of_app
from .config import DEFAULT_HEI, MockConfig
from .routes import echo as echo_route
from .routes import registry as registry_route
from .server import MockServer, bind_socket, serve_forever

__all__ = ["build_parser", "main"]

#: The HEI the demo client speaks for.
DEMO_CLIENT_HEI: Final = "demo-client.example.org"
DEMO_ECHOES: Final = ("hello", "zażółć gęślą jaźń", "")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (0-65535)")
    return port


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
        description="Serve a mock node (Echo, Discovery, its own Registry catalogue) until "
        "interrupted. Prints its catalogue URL, its keyIds and the client keys it admitted, "
        "then 'ready'. Exit status: 0 stopped, 2 a usage error or an unusable key file.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=0, help="TCP port; 0 picks a free one")
    serve.add_argument(
        "--hei",
        action="append",
        dest="heis",
        metavar="ID",
        help=f"a HEI id to serve (repeatable; default: {DEFAULT_HEI})",
    )
    serve.add_argument(
        "--base-url",
        metavar="URL",
        help="the public address clients use, e.g. http://mock:8000 when listening on 0.0.0.0 "
        "in a container (default: http://HOST:PORT); catalogue, manifests and the signed Host "
        "follow it",
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
        "for these HEIs (repeatable; default: none)",
    )
    serve.set_defaults(handler=_serve, command_prog=serve.prog)
    demo = sub.add_parser(
        "demo",
        help="start a mock, call its Echo API signed, check, stop",
        description="Start a mock node on a free loopback port, admit a fresh client key, "
        "call Echo by GET and POST through EwpClient (Registry lookup, signed request, "
        "verified response) and check every step. Exit status: 0 all checks passed, 1 a "
        "check failed.",
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


def _admissions(specs: Sequence[str]) -> list[tuple[str, rsa.RSAPublicKey, list[str]]]:
    """``KEYFILE=HEI[,HEI...]`` options as (label for messages, public key, HEIs)."""
    admissions = []
    for spec in specs:
        file, equals, heis = spec.rpartition("=")
        hei_ids = [h.strip() for h in heis.split(",") if h.strip()]
        if not equals or not file or not hei_ids:
            raise CommandError(f"--admit {spec!r}: expected KEYFILE=HEI[,HEI...]")
        label = f"--admit {file}"
        data = _read(Path(file), label)
        try:
            key = load_public_key(data)
        except EwpError as exc:
            raise CommandError.of(exc, file=label) from exc
        admissions.append((label, key, hei_ids))
    return admissions


def _serve(args: argparse.Namespace) -> int:
    server_key = _signing_key(args.server_key, "--server-key")
    client_key = _signing_key(args.client_key, "--client-key")
    admissions = _admissions(args.admit)
    sock = bind_socket(args.host, args.port)
    port = sock.getsockname()[1]
    try:
        config = MockConfig(
            hei_ids=tuple(args.heis or (DEFAULT_HEI,)),
            host=args.host,
            port=port,
            base_url=args.base_url,
            server_key=server_key,
            client_key=client_key,
        )
        app = create_app(config)
        node = node_of_app(app)
        admitted = []
        for label, key, hei_ids in admissions:
            try:
                admitted.append((node.register_client(key, hei_ids), hei_ids))
            except EwpError as exc:
                raise CommandError.of(exc, file=label) from exc
    except (EwpError, CommandError):
        sock.close()
        raise
    print(f"catalogue: {config.url(registry_route.PATH)}")
    print(f"echo:      {config.url(echo_route.PATH)}")
    print(f"HEIs:      {', '.join(config.hei_ids)}")
    print(f"server keyId: {config.server_key.key_id}")
    print(f"client keyId: {config.client_key.key_id}")
    for kid, hei_ids in admitted:
        print(f"admitted:  {kid} for {', '.join(hei_ids)}")
    print("ready", flush=True)
    serve_forever(app, sock)
    return OK


def _demo(args: argparse.Namespace) -> int:
    return OK if run_demo(sys.stdout) else NEGATIVE


def run_demo(out: TextIO, *, host: str = "127.0.0.1") -> bool:
    """Start a mock on a free ``host`` port, call Echo through the full signed path, stop.

    Prints each step to ``out``; returns whether every check passed.
    """
    sock = bind_socket(host, 0)
    config = MockConfig(host=host, port=sock.getsockname()[1])
    app = create_app(config)
    node = node_of_app(app)
    with MockServer(app, sock):
        say = _printer(out)
        say(f"mock node up at {config.public_url}, serving {', '.join(config.hei_ids)}")
        client_key = SigningKey(generate_private_key())
        node.register_client(client_key.public_key, [DEMO_CLIENT_HEI])
        say(f"client key {client_key.key_id} admitted for {DEMO_CLIENT_HEI}")
        catalogue_url = config.url(registry_route.PATH)
        seen = _Wire()
        http = httpx.Client(
            timeout=10.0,
            event_hooks={"request": [seen.on_request], "response": [seen.on_response]},
        )
        with (
            RegistryClient(catalogue_url, timeout=10.0) as registry,
            EwpClient(registry, key=client_key, http=http) as client,
        ):
            say(f"Registry: {catalogue_url} ({len(registry.catalogue().hosts)} hosts)")
            try:
                return all(
                    _echo_once(say, client, client_key, registry, config, method, seen)
                    for method in ("GET", "POST")
                )
            except EwpError as exc:
                say(f"FAILED: {type(exc).__name__}: {exc}")
                return False
            finally:
                http.close()


def _echo_once(
    say: Callable[[str], None],
    client: EwpClient,
    client_key: SigningKey,
    registry: RegistryClient,
    config: MockConfig,
    method: EchoMethod,
    seen: _Wire,
) -> bool:
    hei = config.hei_ids[0]
    answer = client.call(echo_call(hei, DEMO_ECHOES, method=method))
    # What went over the wire, as the client's event hooks saw it (before verification).
    signed_by = parse_authorization(seen.authorization).key_id
    say(f"{method} {answer.url}: request signed with key {signed_by}")
    response_key = parse_signature_params(seen.signature or "").key_id
    catalogue = registry.catalogue()
    checks = {
        "request signed with the admitted client key": signed_by == client_key.key_id,
        "response signed with the mock's server key": response_key == config.server_key.key_id,
        "that key is the catalogue's server key for the endpoint": catalogue.is_server_key_for(
            response_key, answer.url
        ),
    }
    say(f"  response verified (signature and digest) with key {response_key}")
    echo = read_echo_answer(answer)
    say(f"  echo values: {list(echo.echoes)}; HEIs covered: {list(echo.hei_ids)}")
    checks["echo values returned in order"] = echo.echoes == DEMO_ECHOES
    checks["HEIs covered by the client key"] = echo.hei_ids == (DEMO_CLIENT_HEI,)
    for label, passed in checks.items():
        say(f"  [{'ok' if passed else 'FAILED'}] {label}")
    return all(checks.values())


@dataclass
class _Wire:
    """The last request's ``Authorization`` and response's ``Signature`` as sent on the wire.

    Read in httpx event hooks, before the client's verification drops the
    headers a signature does not cover (``Signature`` itself among them).
    """

    authorization: str | None = None
    signature: str | None = None

    def on_request(self, request: httpx.Request) -> None:
        self.authorization = request.headers.get("Authorization")

    def on_response(self, response: httpx.Response) -> None:
        self.signature = response.headers.get("Signature")


def _printer(out: TextIO) -> Callable[[str], None]:
    def say(line: str) -> None:
        print(line, file=out, flush=True)

    return say


if __name__ == "__main__":
    sys.exit(main())
