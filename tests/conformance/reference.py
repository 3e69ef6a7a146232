"""Access to the official EWP reference pack (``../shared/ewp-reference``) for tests.

The pack is read, never copied: tests load it from where it lies and skip with a
clear reason when it is absent.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import xmlschema

from ewp_client.namespaces import SCHEMAS, SchemaInfo

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = PROJECT_ROOT.parent / "shared" / "ewp-reference"
OFFICIAL_SCHEMAS = REFERENCE / "schemas"
EXAMPLES = REFERENCE / "examples"
VECTORS = REFERENCE / "iia-hash-vectors"
MISSING_REASON = f"the official EWP reference pack is not at {REFERENCE}"

_RAW = re.compile(
    r"^https://raw\.githubusercontent\.com/erasmus-without-paper/"
    r"(?P<repo>[^/]+)/stable-v(?P<major>\d+)/(?P<path>.+)$"
)


def available() -> bool:
    return OFFICIAL_SCHEMAS.is_dir()


def official_file(info: SchemaInfo) -> Path:
    """The official XSD that our bundled ``info.file`` mirrors."""
    if info.key == "xml":
        return OFFICIAL_SCHEMAS / "xml.xsd"
    candidates = sorted(OFFICIAL_SCHEMAS.glob(f"{info.official_repo}-v{info.official_version}"))
    if not candidates:
        raise FileNotFoundError(
            f"no official folder for {info.official_repo} {info.official_version}"
        )
    return candidates[0] / info.official_path


def map_official_uri(uri: str) -> str:
    """Map the URLs the official schemas import by to files of the pack (never the network)."""
    if uri in ("http://www.w3.org/2001/03/xml.xsd", "http://www.w3.org/2001/xml.xsd"):
        return str(OFFICIAL_SCHEMAS / "xml.xsd")
    m = _RAW.match(uri)
    if not m:
        return uri
    folders = sorted(OFFICIAL_SCHEMAS.glob(f"{m['repo']}-v{m['major']}.*"))
    if not folders:
        return uri
    return str(folders[-1] / m["path"])


@functools.cache
def official_schema(namespace: str) -> Any:
    """xmlschema's XSD 1.0 validator for ``namespace``, built from the official files offline."""
    info = next(s for s in SCHEMAS if s.namespace == namespace)
    return xmlschema.XMLSchema10(
        str(official_file(info)), uri_mapper=map_official_uri, allow="local", defuse="always"
    )


@functools.cache
def our_schema_xmlschema(namespace: str) -> Any:
    """xmlschema's validator for our bundled schema of ``namespace``."""
    from ewp_client.xml.schemas import schema_path

    info = next(s for s in SCHEMAS if s.namespace == namespace)
    return xmlschema.XMLSchema10(str(schema_path(info)), allow="local", defuse="always")


def full_examples() -> list[Path]:
    """Every official example that is a full document (not a ``*.part.xml`` fragment)."""
    return sorted(p for p in EXAMPLES.rglob("*.xml") if not p.name.endswith(".part.xml"))
