"""Hardened XML parsing and offline validation against the bundled EWP schemas."""

from .parser import DEFAULT_LIMITS, Document, ParserLimits, as_tree, parse_xml
from .schemas import schema_dir, schema_for, schema_path
from .validate import DEFAULT_COUNT_LIMIT, DEFAULT_MAX_VIOLATIONS, is_valid, schema_of, validate

__all__ = [
    "DEFAULT_COUNT_LIMIT",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_VIOLATIONS",
    "Document",
    "ParserLimits",
    "as_tree",
    "is_valid",
    "parse_xml",
    "schema_dir",
    "schema_for",
    "schema_of",
    "schema_path",
    "validate",
]
