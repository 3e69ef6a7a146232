"""The fuzz targets: every entry point that reads what a partner (or its Registry) sends.

A :class:`Target` makes inputs (``make``: seed + mutations, from a
:class:`random.Random`) and runs one (``run``). Running may raise any
:class:`~ewp_client.errors.EwpError`; anything else is a finding, which the
engine records. :class:`ContractViolation` is how a target reports a broken
promise that is not an exception of the library (the CLI's exit codes and its
"one JSON document" rule).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

from lxml import etree

import ewp_client
from ewp_client import models
from ewp_client.cli import main as ewp_main
from ewp_client.codec import decode, decode_with_warnings, root_tag
from ewp_client.iia import compute_iia_hashes, mismatch_hints, verify_iia_hashes
from ewp_client.models import LasGetResponse
from ewp_client.ola import classify_amendment, proposal_id
from ewp_client.registry import parse_catalogue
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import (
    InMemoryKeyResolver,
    RequestVerifier,
    ResponseVerifier,
    SigningKey,
    key_id,
    load_private_key,
    load_public_key,
)

from . import messages, mutations
from .mutations import Sizes
from .seeds import Corpus, Keys, Seed


class ContractViolation(AssertionError):
    """A target's promise broken without an exception (wrong exit status, stdout not JSON).

    ``rule`` names the promise (stable: findings are deduplicated by it); the
    message adds the particulars.
    """

    def __init__(self, rule: str, detail: str = "") -> None:
        super().__init__(f"{rule}: {detail}" if detail else rule)
        self.rule = rule


@dataclass(frozen=True, slots=True)
class FuzzInput:
    """One input: where it came from, how it was made, and what the target reads."""

    seed: str
    mutations: tuple[str, ...]
    data: bytes
    choice: str = ""  # the model, CLI command or other variant this input exercises
    message: messages.Message | None = None

    def describe(self) -> str:
        head = f"seed={self.seed} mutations={'+'.join(self.mutations)}"
        if self.choice:
            head += f" choice={self.choice}"
        if self.message is not None:
            lines = [head, f"{self.message.method} {self.message.target!r}"]
            lines += [f"  {n!r}: {v[:300]!r}" for n, v in self.message.headers]
            lines.append(f"  body ({len(self.message.body)} bytes): {self.message.body[:200]!r}")
            return "\n".join(lines)
        return f"{head} ({len(self.data)} bytes)"


@dataclass
class Target:
    name: str
    make: Callable[[Random, Sizes], FuzzInput]
    run: Callable[[FuzzInput], None]
    #: Whether the engine may shrink ``data`` (the input is the bytes alone).
    shrinkable: bool = True
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for cleanup in self.cleanups:
            cleanup()


def _documents(
    seeds: Sequence[Seed], rng: Random, sizes: Sizes, pool: Sequence[mutations.Mutation]
) -> FuzzInput:
    seed = rng.choice(seeds)
    data, names = mutations.mutate_document(
        seed.data, rng, sizes, corpus=[s.data for s in seeds], pool=pool
    )
    return FuzzInput(seed.name, names, data)


# ------------------------------------------------------------------ XML: parse / validate


def _run_parse(case: FuzzInput) -> None:
    ewp_client.parse_xml(case.data)
    ewp_client.parse_xml(case.data, keep_comments=False)


def _accepted(check: Callable[[bytes], object], data: bytes) -> bool:
    try:
        check(data)
    except ewp_client.EwpError:
        return False
    return True


def check_agreement(data: bytes) -> None:
    """What ``validate`` accepts, ``parse_xml`` parses and ``is_valid`` calls valid."""
    valid = ewp_client.is_valid(data) if _accepted(ewp_client.parse_xml, data) else None
    try:
        ewp_client.validate(data)
    except ewp_client.EwpError:
        if valid:
            raise ContractViolation("validate: refuses what is_valid calls valid") from None
        raise
    if valid is None:
        raise ContractViolation("validate: accepts bytes parse_xml refuses as not well-formed")
    if not valid:
        raise ContractViolation("validate: accepts what is_valid calls invalid")


def _run_validate(case: FuzzInput) -> None:
    with contextlib.suppress(ewp_client.EwpError):
        ewp_client.is_valid(case.data)
    check_agreement(case.data)


# ------------------------------------------------------------------ codec


def document_models() -> dict[str, type]:
    """Every model class that is a document (has a root element), by class name."""
    found: dict[str, type] = {}
    for name in models.__all__:
        cls = getattr(models, name)
        if not isinstance(cls, type):
            continue
        try:
            root_tag(cls)
        except (TypeError, AttributeError, ValueError):
            continue
        found[name] = cls
    return found


def _root_of(data: bytes) -> str | None:
    try:
        return str(etree.fromstring(data, mutations._LENIENT).tag)
    except (etree.XMLSyntaxError, ValueError, AttributeError):
        return None


def decode_target(corpus: Corpus) -> Target:
    by_name = document_models()
    by_root: dict[str, list[str]] = {}
    for name, cls in by_name.items():
        by_root.setdefault(root_tag(cls), []).append(name)
    seed_models = {s.name: by_root.get(_root_of(s.data) or "", []) for s in corpus.documents}
    names = sorted(by_name)

    def make(rng: Random, sizes: Sizes) -> FuzzInput:
        case = _documents(corpus.documents, rng, sizes, mutations.ALL_MUTATIONS)
        fitting = seed_models.get(case.seed) or names
        model = rng.choice(fitting) if rng.random() < 0.85 else rng.choice(names)
        return FuzzInput(case.seed, case.mutations, case.data, choice=model)

    def run(case: FuzzInput) -> None:
        model = by_name[case.choice]
        decode(case.data, model)
        if not _accepted(ewp_client.parse_xml, case.data):
            raise ContractViolation("decode: decodes bytes parse_xml refuses as not well-formed")
        decode_with_warnings(case.data, model, tolerate_unknown_enums=False)

    return Target("decode", make, run)


# ------------------------------------------------------------------ IIA hash


def _run_iia_hash(case: FuzzInput) -> None:
    results = compute_iia_hashes(case.data)
    for result in results:
        mismatch_hints(result)
    verify_iia_hashes(case.data)
    for version in (6, 7):
        compute_iia_hashes(case.data, version=version)


# ------------------------------------------------------------------ OLA


def ola_target(corpus: Corpus) -> Target:
    originals = {s.name: decode(s.data, LasGetResponse) for s in corpus.la_responses}

    def make(rng: Random, sizes: Sizes) -> FuzzInput:
        pool = mutations.VALUE_MUTATIONS if rng.random() < 0.8 else mutations.ALL_MUTATIONS
        return _documents(corpus.la_responses, rng, sizes, pool)

    def run(case: FuzzInput) -> None:
        before = originals[case.seed]
        after = decode(case.data, LasGetResponse)
        for old, new in zip(before.las, after.las, strict=False):
            classify_amendment(old, new)
            classify_amendment(new, old)
        for la in after.las:
            if la.changes_proposal is not None:
                proposal_id(la.changes_proposal)

    return Target("ola_classify", make, run)


# ------------------------------------------------------------------ HTTP Signatures


def _resolver(keys: Keys) -> InMemoryKeyResolver:
    resolver = InMemoryKeyResolver()
    resolver.add_client_key(keys.client.public_key, messages.CLIENT_HEIS)
    resolver.add_server_key(keys.server.public_key, [f"https://{messages.HOST}/"])
    return resolver


def request_verifier_target(keys: Keys) -> Target:
    verifier = RequestVerifier(_resolver(keys))
    seeds = [
        messages.signed_request(keys.client),
        messages.signed_request(keys.client, body=b""),
        messages.signed_request(keys.client, body=b"<x/>" * 100),
    ]
    key_ids = (keys.client.key_id, keys.server.key_id, keys.client.key_id.upper())

    def make(rng: Random, sizes: Sizes) -> FuzzInput:
        seed = rng.randrange(len(seeds))
        message, names = messages.mutate_message(
            seeds[seed], rng, key=keys.client, signature_header="authorization", key_ids=key_ids
        )
        return FuzzInput(f"signed request {seed}", names, message.body, message=message)

    def run(case: FuzzInput) -> None:
        m = case.message
        assert m is not None
        verifier.verify(
            method=m.method,
            target=m.target,
            headers=m.headers,
            body=m.body,
            host=messages.HOST,
            now=messages.NOW,
        )

    return Target("request_verifier", make, run, shrinkable=False)


def response_verifier_target(keys: Keys, corpus: Corpus) -> Target:
    verifier = ResponseVerifier(_resolver(keys))
    request = messages.signed_request(keys.client)
    sent = messages.sent_request(request)
    bodies = [b"", *(s.data for s in corpus.documents[:5])]
    seeds = [messages.signed_response(keys.server, request, body) for body in bodies]
    key_ids = (keys.client.key_id, keys.server.key_id)

    def make(rng: Random, sizes: Sizes) -> FuzzInput:
        seed = rng.randrange(len(seeds))
        message, names = messages.mutate_message(
            seeds[seed], rng, key=keys.server, signature_header="signature", key_ids=key_ids
        )
        return FuzzInput(f"signed response {seed}", names, message.body, message=message)

    def run(case: FuzzInput) -> None:
        m = case.message
        assert m is not None
        for status in (200, 500):
            verifier.needs_verification(status, m.headers)
        verifier.verify(
            request=sent,
            endpoint=messages.ENDPOINT,
            headers=m.headers,
            body=m.body,
            now=messages.NOW,
        )

    return Target("response_verifier", make, run, shrinkable=False)


# ------------------------------------------------------------------ keys and catalogue


def keys_target(keys: Keys) -> Target:
    def make(rng: Random, sizes: Sizes) -> FuzzInput:
        seed = rng.choice(keys.files)
        data, names = seed.data, []
        for _ in range(rng.choice((1, 1, 2))):
            mutation = rng.choice((*mutations.BYTE_MUTATIONS, _der_surgery))
            data = mutation(data, rng, sizes)
            names.append(mutation.__name__)
        return FuzzInput(seed.name, tuple(names), data)

    def run(case: FuzzInput) -> None:
        with contextlib.suppress(ewp_client.EwpError):
            key_id(load_public_key(case.data))
        with contextlib.suppress(ewp_client.EwpError):
            load_private_key(case.data)
        SigningKey.from_pem(case.data)

    return Target("keys", make, run)


def _der_surgery(data: bytes, rng: Random, sizes: Sizes) -> bytes:
    """A byte flipped inside the DER under a PEM or base64 armour (so the armour still reads)."""
    body = re.search(rb"-----BEGIN [^-]+-----\s*(.*?)\s*-----END", data, re.DOTALL)
    raw = body[1] if body else data
    try:
        der = base64.b64decode(b"".join(raw.split()), validate=True)
    except ValueError:
        return mutations.flip_bits(data, rng, sizes)
    der = rng.choice((mutations.flip_bits, mutations.set_interesting_byte, mutations.truncate))(
        der, rng, sizes
    )
    encoded = base64.encodebytes(der)
    return data.replace(raw, encoded.strip()) if body else base64.b64encode(der)


_KEY_ELEMENT = re.compile(rb'(<(?:\w+:)?rsa-public-key\s+sha-256=")([0-9a-f]*)("\s*>)([^<]*)(<)')


def _plant_key(data: bytes, der: bytes) -> bytes:
    """The first published key replaced by ``der``, with a matching fingerprint."""
    fingerprint = hashlib.sha256(der).hexdigest().encode()
    encoded = base64.b64encode(der)

    def swap(m: re.Match[bytes]) -> bytes:
        return m[1] + fingerprint + m[3] + encoded + m[5]

    return _KEY_ELEMENT.sub(swap, data, count=1)


def catalogue_target(corpus: Corpus, keys: Keys) -> Target:
    key_ders = [
        base64.b64decode(b"".join(s.data.split()))
        for s in keys.files
        if s.name.endswith("base64 DER")
    ]
    key_ders += [
        s.data if s.name.endswith("DER") else _pem_der(s.data)
        for s in keys.files
        if s.name.startswith(("ec ", "ed25519 ", "rsa public DER"))
    ]

    def make(rng: Random, sizes: Sizes) -> FuzzInput:
        case = _documents(corpus.catalogues, rng, sizes, mutations.ALL_MUTATIONS)
        if rng.random() < 0.5:
            der = rng.choice(key_ders)
            if rng.random() < 0.7:
                der = rng.choice(mutations.BYTE_MUTATIONS[:5])(der, rng, sizes)
            return FuzzInput(case.seed, (*case.mutations, "plant-key"), _plant_key(case.data, der))
        return case

    def run(case: FuzzInput) -> None:
        catalogue = parse_catalogue(case.data)
        resolver = CatalogueKeyResolver(catalogue)
        urls = [e.url for h in catalogue.hosts for e in h.apis if e.url][:20]
        for kid in list(catalogue.binaries)[:20]:
            resolver.client_key(kid)
            resolver.public_key(kid)
            for url in urls[:5]:
                resolver.is_server_key_for(kid, url)
        for hei in catalogue.heis[:10]:
            for api in ("iias", "omobility-las", "echo"):
                catalogue.find_apis(hei.id, api)

    return Target("catalogue", make, run)


def _pem_der(pem: bytes) -> bytes:
    body = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
    return base64.b64decode(body)


# ------------------------------------------------------------------ CLI


@contextlib.contextmanager
def _clean_environment() -> Iterator[None]:
    """No EWP_* configuration of the machine running the fuzzer leaks into the CLI."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("EWP_")}
    for k in saved:
        del os.environ[k]
    try:
        yield
    finally:
        os.environ.update(saved)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``ewp`` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with _clean_environment(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = ewp_main(argv)
    return status, out.getvalue(), err.getvalue()


#: command -> (argument list with FILE/ORIGINAL placeholders, which seeds feed it)
CLI_COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "validate": (("validate", "--json", "FILE"), "documents"),
    "validate-text": (("validate", "FILE"), "documents"),
    "iia-hash": (("iia", "hash", "--json", "--text", "FILE"), "iia"),
    "iia-verify": (("iia", "verify", "--json", "FILE"), "iia"),
    "iia-verify-text": (("iia", "verify", "FILE"), "iia"),
    "la-classify": (("la", "classify", "--json", "ORIGINAL", "FILE"), "la"),
    "la-proposal-id": (("la", "proposal-id", "--json", "FILE"), "la"),
    "keys-fingerprint": (("keys", "fingerprint", "--json", "FILE"), "keys"),
    "registry-show": (("registry", "show", "--url", "FILE", "--json"), "catalogue"),
}


def cli_target(corpus: Corpus, keys: Keys) -> Target:
    workdir = tempfile.TemporaryDirectory(prefix="ewp-fuzz-cli-")
    root = Path(workdir.name)
    file = root / "input.xml"
    originals = {s.name: s.data for s in (*corpus.la_responses, *corpus.documents)}
    sources: dict[str, Sequence[Seed]] = {
        "documents": corpus.documents,
        "iia": corpus.iia_responses,
        "la": corpus.la_responses,
        "keys": keys.files,
        "catalogue": corpus.catalogues,
    }

    def make(rng: Random, sizes: Sizes) -> FuzzInput:
        command = rng.choice(sorted(CLI_COMMANDS))
        source = CLI_COMMANDS[command][1]
        if source == "keys":
            seed = rng.choice(keys.files)
            data = rng.choice(mutations.BYTE_MUTATIONS)(seed.data, rng, sizes)
            return FuzzInput(seed.name, ("bytes",), data, choice=command)
        pool = mutations.VALUE_MUTATIONS if source == "la" else mutations.ALL_MUTATIONS
        case = _documents(sources[source], rng, sizes, pool)
        return FuzzInput(case.seed, case.mutations, case.data, choice=command)

    def run(case: FuzzInput) -> None:
        file.write_bytes(case.data)
        argv = [str(file) if a == "FILE" else a for a in CLI_COMMANDS[case.choice][0]]
        if "ORIGINAL" in argv:
            original = root / "original.xml"
            original.write_bytes(originals[case.seed])
            argv = [str(original) if a == "ORIGINAL" else a for a in argv]
        status, out, err = run_cli(argv)
        check_cli_contract(argv, status, out, err)

    target = Target("cli", make, run)
    target.cleanups.append(workdir.cleanup)
    return target


def check_cli_contract(argv: Sequence[str], status: Any, out: str, err: str) -> None:
    """Exit 0/1/2; with ``--json`` exactly one JSON document on stdout; no traceback printed."""
    command = f"ewp {' '.join(argv[:2])}"
    if status not in (0, 1, 2):
        raise ContractViolation(f"{command}: exit status not 0, 1 or 2", repr(status))
    if "Traceback (most recent call last)" in out + err:
        raise ContractViolation(f"{command}: printed a traceback")
    if "--json" in argv:
        try:
            json.loads(out)
        except ValueError as exc:
            raise ContractViolation(
                f"{command} --json: stdout is not one JSON document",
                f"exit {status}: {out[:200]!r}",
            ) from exc


# ------------------------------------------------------------------ all of them


#: Every target, in the order a run interleaves them.
TARGET_NAMES: tuple[str, ...] = (
    "parse_xml",
    "validate",
    "decode",
    "iia_hash",
    "ola_classify",
    "request_verifier",
    "response_verifier",
    "keys",
    "catalogue",
    "cli",
)


def build_targets(corpus: Corpus, keys: Keys) -> dict[str, Target]:
    documents = corpus.documents
    iia = corpus.iia_responses
    everything = mutations.ALL_MUTATIONS

    def over(seeds: Sequence[Seed]) -> Callable[[Random, Sizes], FuzzInput]:
        return lambda rng, sizes: _documents(seeds, rng, sizes, everything)

    targets = [
        Target("parse_xml", over(documents), _run_parse),
        Target("validate", over(documents), _run_validate),
        decode_target(corpus),
        Target("iia_hash", over(iia), _run_iia_hash),
        ola_target(corpus),
        request_verifier_target(keys),
        response_verifier_target(keys, corpus),
        keys_target(keys),
        catalogue_target(corpus, keys),
        cli_target(corpus, keys),
    ]
    return {t.name: t for t in targets}
