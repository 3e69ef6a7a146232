"""Hardened XML parsing and offline validation against the bundled EWP schemas."""

from .parser import DEFAULT_LIMITS, ParserLimits, parse_xml
from .schemas import schema_dir, schema_for, schema_path
from .validate import diagnose, is_valid, schema_of, validate

__all__ = [
    "DEFAULT_LIMITS",
    "ParserLimits",
    "diagnose",
    "is_valid",
    "parse_xml",
    "schema_dir",
    "schema_for",
    "schema_of",
    "schema_path",
    "validate",
]
