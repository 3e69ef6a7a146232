"""ewp_client.server stays framework-free, and its public names are all exported."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ewp_client.server as server

PACKAGE = Path(server.__file__).parent
FORBIDDEN = {"fastapi", "starlette", "uvicorn", "httpx", "requests", "aiohttp", "django", "flask"}


def test_no_module_of_the_package_imports_a_web_framework_or_http_client() -> None:
    found: list[str] = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert found == []


def test_importing_the_package_loads_no_web_framework_and_no_http_client() -> None:
    code = (
        "import sys, ewp_client.server; "
        "print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn', 'httpx') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_every_exported_name_exists_once() -> None:
    # The order is ruff's (RUF022, checked with the rest of the tree).
    assert len(set(server.__all__)) == len(server.__all__)
    assert [n for n in server.__all__ if not hasattr(server, n)] == []


def test_every_public_name_of_the_modules_is_exported() -> None:
    missing = []
    modules = (
        "access",
        "answers",
        "factsheet",
        "institutions",
        "la_update",
        "las",
        "manifest",
        "middleware",
        "params",
        "repository",
    )
    for module in modules:
        names = __import__(f"ewp_client.server.{module}", fromlist=["__all__"]).__all__
        missing += [f"{module}.{n}" for n in names if n not in server.__all__]
    assert missing == []
