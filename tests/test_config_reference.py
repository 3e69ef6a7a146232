"""docs/configuration.md names every setting the configuration reader accepts, and no other.

The settings come from ``ewp_client.config`` itself: the key tuples its reader
checks files against, and every ``EWP_*`` name its source code spells (so a
variable read anywhere in the module, listed in ``ENV_VARS`` or not, must be
documented).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ewp_client import config
from ewp_client.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "configuration.md"


def env_names_in_source() -> set[str]:
    tree = ast.parse(Path(config.__file__).read_text("utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"EWP_[A-Z_]+", node.value)
    }


def documented() -> set[str]:
    return set(re.findall(r"`([^`\s]+)`", PAGE.read_text("utf-8")))


def test_every_file_key_is_documented() -> None:
    keys = set(config.FILE_KEYS) | {f"registry.{k}" for k in config.REGISTRY_KEYS}
    assert keys - documented() == set()


def test_every_environment_variable_is_documented() -> None:
    read = env_names_in_source()
    assert read == set(config.ENV_VARS), "ENV_VARS must list what the reader looks at"
    assert read - documented() == set()


def test_the_page_names_no_variable_the_reader_ignores() -> None:
    named = {n for n in documented() if re.fullmatch(r"EWP_[A-Z_]+", n)}
    assert named - env_names_in_source() == set()


def test_the_key_lists_are_what_the_reader_accepts(tmp_path: Path) -> None:
    """A key outside FILE_KEYS / REGISTRY_KEYS is refused; every listed key is accepted."""
    path = tmp_path / "ewp.toml"
    path.write_text("colour = 'blue'\n[registry]\nshade = 1\n", "utf-8")
    with pytest.raises(ConfigError, match="colour"):
        config.load_config(path, env={})
    for key in (*config.FILE_KEYS, *(f"registry.{k}" for k in config.REGISTRY_KEYS)):
        path.write_text(f"{key} = 'x'\n" if key != "registry" else "[registry]\n", "utf-8")
        assert "unknown setting" not in complaint(path), key


def complaint(path: Path) -> str:
    """What the reader says about the file ('' when it reads it)."""
    try:
        config.load_config(path, env={})
    except ConfigError as exc:
        return str(exc)
    return ""
