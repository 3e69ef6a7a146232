"""What a user starts with is importable from ``ewp_client`` itself, and stays cheap to import.

``tests/test_project.py`` keeps ``__all__`` sorted and complete; these tests
keep it holding the names a user reaches for first, every error, and the
very objects the subpackages define (one class, one name).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ewp_client
import ewp_client.errors
from tests.support.network import PARTNER, make_network

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"

FIRST_NAMES = [
    "AsyncEchoClient",
    "AsyncEwpClient",
    "AsyncIiaApprovalClient",
    "AsyncIiaCnrClient",
    "AsyncIiasClient",
    "AsyncLaCnrClient",
    "AsyncLasClient",
    "AsyncRegistryClient",
    "EchoClient",
    "EwpClient",
    "EwpError",
    "IiaApprovalClient",
    "IiaCnrClient",
    "IiasClient",
    "LaCnrClient",
    "LasClient",
    "RegistryClient",
    "RetryPolicy",
    "Signer",
    "SigningKey",
    "validate",
]


def test_a_users_first_lines_work(tmp_path: Path) -> None:
    from ewp_client import (
        EchoClient,
        EwpClient,
        IiasClient,
        LasClient,
        RegistryClient,
        SigningKey,
        validate,
    )
    from ewp_client.security import generate_private_key

    catalogue = make_network(tmp_path).catalogue_path
    key = SigningKey(generate_private_key())
    with RegistryClient(catalogue) as registry, EwpClient(registry, key=key) as client:
        apis = [EchoClient(client), IiasClient(client), LasClient(client)]
        assert all(api.client is client for api in apis)
        assert registry.catalogue().hei(PARTNER) is not None
    tree = validate((EXAMPLES / "echo-response.xml").read_bytes())
    assert tree.getroot().tag.endswith("}response")


def test_the_first_names_are_exported() -> None:
    missing = [name for name in FIRST_NAMES if name not in ewp_client.__all__]
    assert missing == []


def test_exports_are_the_objects_their_modules_define() -> None:
    from ewp_client import client, registry, security
    from ewp_client.client import echo, las

    pairs = [
        (ewp_client.EwpClient, client.EwpClient),
        (ewp_client.AsyncEwpClient, client.AsyncEwpClient),
        (ewp_client.EchoClient, echo.EchoClient),
        (ewp_client.AsyncEchoClient, echo.AsyncEchoClient),
        (ewp_client.LasClient, las.LasClient),
        (ewp_client.Signer, las.Signer),
        (ewp_client.RegistryClient, registry.RegistryClient),
        (ewp_client.SigningKey, security.SigningKey),
    ]
    assert [a is b for a, b in pairs] == [True] * len(pairs)


def test_every_error_the_errors_module_defines_is_exported() -> None:
    defined = sorted(
        name
        for name, obj in vars(ewp_client.errors).items()
        if isinstance(obj, type)
        and issubclass(obj, ewp_client.errors.EwpError)
        and obj.__module__ == "ewp_client.errors"
    )
    assert len(defined) > 50
    assert [n for n in defined if n not in ewp_client.__all__] == []
    assert [n for n in defined if getattr(ewp_client, n) is not getattr(ewp_client.errors, n)] == []


def test_the_mobility_type_is_one_enum() -> None:
    from ewp_client import ola
    from ewp_client.client import MobilityType as ClientMobilityType
    from ewp_client.models.la import MobilityType

    assert ClientMobilityType is MobilityType
    assert [m.value for m in MobilityType] == ["semester", "blended", "doctoral"]
    assert not hasattr(ola, "MobilityKind")
    assert not hasattr(ola.lifecycle, "MobilityKind")


def test_the_version_is_the_one_written_in_version_py() -> None:
    from ewp_client._version import __version__

    assert ewp_client.__version__ == __version__


def test_importing_the_package_leaves_the_web_framework_out() -> None:
    code = (
        "import json, sys, ewp_client; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'fastapi', 'starlette', 'uvicorn', 'ewp_mock', 'pydantic'})))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_importing_the_package_defers_the_http_stack_until_a_client_is_named() -> None:
    """``import ewp_client`` (every ``ewp`` command pays it) loads errors and XML only."""
    code = (
        "import json, sys, ewp_client; "
        "heavy = {'httpx', 'cryptography', 'asyncio', 'ewp_client.codec'}; "
        "before = sorted(heavy & set(sys.modules)); "
        "ewp_client.EwpClient; "
        "print(json.dumps([before, sorted(heavy & set(sys.modules))]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    before, after = json.loads(proc.stdout)
    assert before == []
    assert after == ["asyncio", "cryptography", "ewp_client.codec", "httpx"]


def test_lazy_names_are_listed_and_unknown_names_raise_attribute_error() -> None:
    assert set(ewp_client.__all__) <= set(dir(ewp_client))
    with pytest.raises(AttributeError, match="no_such_name"):
        ewp_client.no_such_name  # noqa: B018
