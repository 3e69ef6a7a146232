"""``ewp registry show|lookup``: read the Registry catalogue from the command line.

The catalogue comes from ``--url`` (``production``, ``development``, a URL or
a path) or else from the configuration (``EWP_CONFIG``, ``EWP_REGISTRY``...;
production by default). Exit status: 0 found, 1 no matching endpoint, 2 bad
arguments or no usable catalogue.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import httpx

from ..config import ClientConfig, load_config, registry_url
from ..errors import EwpError, NoEndpointError, RegistryUnavailableError
from ..namespaces import CLIAUTH_HTTPSIG_NS, CLIAUTH_NONE_NS
from ..registry import ApiEntry, AuthMethod, Catalogue, Hei, Host, HostedApi, RegistryClient
from ._common import add_command, add_command_group, add_json_flag, emit_json, fail
from .contract import NEGATIVE, OK, UNREADABLE, CommandError

_CLIENT_AUTH = {"httpsig": CLIAUTH_HTTPSIG_NS, "none": CLIAUTH_NONE_NS, "any": None}


def register(sub: Any) -> None:
    commands = add_command_group(
        sub,
        "registry",
        help="show the Registry catalogue or find an API of a HEI",
        description="Read the EWP Registry catalogue.",
    )

    show = add_command(
        commands,
        "show",
        run_show,
        help="summarize a catalogue: hosts, HEIs, APIs, keys",
        description="Download (or read) a catalogue and list what it holds. "
        "Exit status: 0 read, 2 bad arguments or no usable catalogue.",
    )
    _add_source(show)
    add_json_flag(show)

    lookup = add_command(
        commands,
        "lookup",
        run_lookup,
        help="find the endpoints of an API for a HEI",
        description="Find where a HEI's API is served, best (highest) version first. "
        "Exit status: 0 found, 1 none found, 2 bad arguments or no catalogue.",
    )
    lookup.add_argument("--hei", required=True, help="SCHAC id of the HEI, e.g. uw.edu.pl")
    lookup.add_argument("--api", required=True, help="API name as in the catalogue, e.g. iias")
    lookup.add_argument("--version", type=int, metavar="MAJOR", help="major version wanted")
    lookup.add_argument(
        "--client-auth",
        choices=sorted(_CLIENT_AUTH),
        default="httpsig",
        help="client authentication the entry must accept (default: httpsig)",
    )
    _add_source(lookup)
    add_json_flag(lookup)


def _add_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        help="catalogue: production, development, an https:// URL or a file "
        "(default: the configured Registry)",
    )


def _source(args: argparse.Namespace) -> tuple[str, str, ClientConfig]:
    """The catalogue's URL, the name errors give it (as the user wrote it) and the config."""
    try:
        config = load_config()
    except EwpError as exc:
        raise fail(exc, None) from exc
    if not args.url:
        return config.registry.url, config.registry.url, config
    try:
        return registry_url(args.url), args.url, config
    except EwpError as exc:
        raise fail(exc, args.url) from exc


def _unavailable(exc: RegistryUnavailableError, name: str) -> CommandError:
    """Why there is no catalogue, said once (the source is the message's prefix)."""
    cause = exc.__cause__
    if isinstance(cause, OSError):
        return CommandError(f"cannot read: {cause.strerror or cause}", kind=UNREADABLE, file=name)
    if isinstance(cause, EwpError):
        error = fail(cause, name)
        error.message = f"no usable catalogue: {error.message}"
        return error
    error = fail(exc, name)
    if cause is not None:
        error.message = f"no usable catalogue: {cause}"
    return error


def _load(args: argparse.Namespace) -> tuple[str, Catalogue]:
    url, name, config = _source(args)
    try:
        http = httpx.Client(**config.http_client_options(), follow_redirects=True)
    except EwpError as exc:
        raise fail(exc, None) from exc
    with (
        http,
        RegistryClient(
            url,
            http=http,
            policy=config.registry.policy,
            cache_dir=config.registry.cache_dir,
        ) as client,
    ):
        try:
            return url, client.catalogue()
        except RegistryUnavailableError as exc:
            raise _unavailable(exc, name) from exc
        except EwpError as exc:
            raise fail(exc, name) from exc


# ------------------------------------------------------------------ JSON shapes


def _methods(methods: tuple[AuthMethod, ...] | None) -> list[str] | None:
    return None if methods is None else [m.label for m in methods]


def _entry(entry: ApiEntry) -> dict[str, Any]:
    security = entry.http_security
    return {
        "name": entry.name,
        "version": entry.version,
        "namespace": entry.namespace,
        "urls": dict(entry.urls),
        "max_ids": dict(entry.max_ids),
        "client_auth": _methods(security.client_auth) if security else None,
        "server_auth": _methods(security.server_auth) if security else None,
    }


def _host(host: Host) -> dict[str, Any]:
    return {
        "admin_emails": list(host.admin_emails),
        "admin_provider": host.admin_provider,
        "hei_ids": list(host.hei_ids),
        "apis": [_entry(e) for e in host.apis],
        "client_keys": list(host.client_keys),
        "server_keys": list(host.server_keys),
        "client_certificates": list(host.client_certificates),
    }


def _hei(hei: Hei) -> dict[str, Any]:
    return {
        "id": hei.id,
        "names": [{"text": n.text, "lang": n.lang} for n in hei.names],
        "other_ids": [{"type": o.type, "value": o.value} for o in hei.other_ids],
    }


def _hosted(found: HostedApi) -> dict[str, Any]:
    return {
        **_entry(found.entry),
        "host_admin_emails": list(found.host.admin_emails),
        "host_admin_provider": found.host.admin_provider,
        "server_keys": list(found.server_keys),
    }


# ------------------------------------------------------------------ handlers


def run_show(args: argparse.Namespace) -> int:
    url, catalogue = _load(args)
    if args.json:
        emit_json(
            {
                "source": url,
                "hosts": [_host(h) for h in catalogue.hosts],
                "institutions": [_hei(h) for h in catalogue.heis],
                "keys": sorted(catalogue.binaries),
                "problems": list(catalogue.problems),
            }
        )
        return OK
    print(
        f"{url}: {len(catalogue.hosts)} hosts, {len(catalogue.heis)} HEIs, "
        f"{len(catalogue.binaries)} public keys"
    )
    for n, host in enumerate(catalogue.hosts, 1):
        who = host.admin_provider or ", ".join(host.admin_emails) or "no contact"
        print(f"host {n} ({who})")
        if host.hei_ids:
            print(f"  HEIs: {', '.join(host.hei_ids)}")
        for entry in host.apis:
            print(f"  {entry.name} {entry.version}: {', '.join(entry.urls.values())}")
        print(f"  client keys: {len(host.client_keys)}, server keys: {len(host.server_keys)}")
    for problem in catalogue.problems:
        print(f"{url}: warning: {problem}", file=sys.stderr)
    return OK


def run_lookup(args: argparse.Namespace) -> int:
    _url, catalogue = _load(args)
    query = {"hei": args.hei, "api": args.api, "major": args.version}
    client_auth = _CLIENT_AUTH[args.client_auth]
    try:
        catalogue.find_api(args.hei, args.api, major=args.version, client_auth=client_auth)
    except NoEndpointError as exc:
        if args.json:
            emit_json({**query, "found": False, "reason": str(exc), "entries": []})
        else:
            print(f"{args.command_prog}: {exc}", file=sys.stderr)
        return NEGATIVE
    found = catalogue.find_apis(args.hei, args.api, major=args.version, client_auth=client_auth)
    if args.json:
        emit_json({**query, "found": True, "reason": None, "entries": [_hosted(f) for f in found]})
        return OK
    for item in found:
        entry = item.entry
        print(f"{entry.name} {entry.version} for {args.hei}")
        for name, value in entry.urls.items():
            print(f"  {name}: {value}")
        for name, limit in entry.max_ids.items():
            print(f"  {name}: {limit}")
        security = entry.http_security
        if security is not None:
            print(f"  client auth: {', '.join(_methods(security.client_auth) or ['default'])}")
            print(f"  server auth: {', '.join(_methods(security.server_auth) or ['default'])}")
        print(f"  server keys: {', '.join(item.server_keys) or 'none'}")
    return OK
