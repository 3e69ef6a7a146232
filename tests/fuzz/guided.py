"""Coverage-guided fuzzing of one bytes target with atheris (libFuzzer), when it is installed.

::

    .venv/bin/pip install atheris      # optional; not a project dependency
    nice .venv/bin/python -m tests.fuzz.guided validate -atheris_runs=50000

The first argument names a target whose input is bytes alone (``parse_xml``,
``validate``, ``decode``, ``iia_hash``, ``keys``, ``catalogue``); the rest goes
to libFuzzer (``-max_total_time=600``, ``-timeout=5``, ``-rss_limit_mb=4096``,
a corpus directory...). libFuzzer keeps the inputs that reach new code in
``ewp_client``; the mutations alternate between libFuzzer's own and this
package's structured ones (:mod:`tests.fuzz.mutations`), and the seeds come
from the reference pack. A non-``EwpError`` exception stops the run with its
traceback and a ``crash-*`` file holding the input, as libFuzzer does.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import tempfile
from pathlib import Path
from random import Random
from typing import Any

# Nothing of ewp_client is imported before atheris instruments it (see main()).

GUIDED_TARGETS = ("parse_xml", "validate", "decode", "iia_hash", "keys", "catalogue")


def _one_input(target: Any, data: bytes, fuzz_input: Any, ewp_error: type[Exception]) -> None:
    choice = ""
    if target.name == "decode":  # the model comes from the input, as make() would pick it
        choice = "LasGetResponse" if b"omobility-las" in data[:400] else "IiasGetResponse"
    try:
        target.run(fuzz_input("guided", (), data, choice=choice))
    except ewp_error:
        return


def _mutator(atheris: Any, mutations: Any) -> Any:
    def mutate(data: bytes, max_size: int, seed: int) -> bytes:
        rng = Random(seed)
        if rng.random() < 0.5:
            out: bytes = atheris.Mutate(data, max_size)
            return out
        mutation = rng.choice(mutations.ALL_MUTATIONS)
        result: bytes = mutation(data, rng, mutations.SHORT_RUN)
        return result[:max_size]

    return mutate


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in GUIDED_TARGETS:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        print("atheris is not installed: .venv/bin/pip install atheris", file=sys.stderr)
        return 2
    with atheris.instrument_imports(include=["ewp_client"]):
        errors = importlib.import_module("ewp_client.errors")
        seeds_module = importlib.import_module("tests.fuzz.seeds")
        targets_module = importlib.import_module("tests.fuzz.targets")
        mutations = importlib.import_module("tests.fuzz.mutations")
    try:
        seeds, fuzz_keys = seeds_module.corpus(), seeds_module.keys()
    except seeds_module.ReferenceMissing as exc:
        print(f"cannot fuzz: {exc}", file=sys.stderr)
        return 2
    target = targets_module.build_targets(seeds, fuzz_keys)[argv[1]]
    seed_dir = Path(tempfile.gettempdir()) / f"ewp-fuzz-seeds-{target.name}"
    shutil.rmtree(seed_dir, ignore_errors=True)  # one directory per target, made afresh
    seed_dir.mkdir()
    files = fuzz_keys.files if target.name == "keys" else seeds.documents
    for n, seed in enumerate(files):
        (seed_dir / f"seed-{n:04d}").write_bytes(seed.data)
    extra = [a for a in argv[2:] if a.startswith("-")]
    dirs = [a for a in argv[2:] if not a.startswith("-")]
    atheris.Setup(
        [argv[0], *extra, *dirs, str(seed_dir)],
        lambda data: _one_input(target, data, targets_module.FuzzInput, errors.EwpError),
        custom_mutator=_mutator(atheris, mutations),
    )
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
