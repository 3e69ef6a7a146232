"""Where the bundled schemas live, and their compiled (libxml2) form, cached per thread.

The schemas ship inside the wheel as ``ewp_client/_schemas``; in a source
checkout (editable install) they are the repository's top-level ``schemas/``.
Both layouts are found without configuration.
"""

from __future__ import annotations

import functools
import threading
from importlib import resources
from pathlib import Path

from lxml import etree

from ..errors import ConfigError
from ..namespaces import SCHEMA_BY_NAMESPACE, SchemaInfo


@functools.cache
def schema_dir() -> Path:
    """The folder holding the bundled XSDs and ``catalog.xml``."""
    packaged = Path(str(resources.files("ewp_client"))) / "_schemas"
    if (packaged / "catalog.xml").is_file():
        return packaged
    source = Path(__file__).resolve().parents[3] / "schemas"
    if (source / "catalog.xml").is_file():
        return source
    raise ConfigError(
        f"the bundled EWP schemas were not found (looked in {packaged} and {source}); "
        "reinstall ewp-client"
    )


def schema_path(info: SchemaInfo) -> Path:
    """The bundled XSD file of one schema."""
    return schema_dir() / info.file


def schema_for(namespace: str) -> SchemaInfo | None:
    """The schema whose target namespace is ``namespace``, if we bundle one."""
    return SCHEMA_BY_NAMESPACE.get(namespace)


class _Validators(threading.local):
    """The compiled schemas of one thread: lxml keeps an error log in each, so none is shared."""

    def __init__(self) -> None:
        self.by_key: dict[str, etree.XMLSchema] = {}


_validators = _Validators()


def validator(info: SchemaInfo) -> etree.XMLSchema:
    """libxml2's compiled validator for ``info``, built once per thread (no lock is ever held)."""
    found = _validators.by_key.get(info.key)
    if found is None:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        found = etree.XMLSchema(etree.parse(str(schema_path(info)), parser))
        _validators.by_key[info.key] = found
    return found
