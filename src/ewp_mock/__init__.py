"""A mock EWP partner node (FastAPI), built on ewp_client's sans-I/O protocol code.

``create_app(MockConfig(...), demo_dataset())`` gives the app serving the demo
data (``load_dataset(dir)`` reads fixture files instead; no data set: bare
institutions); ``node_of_app(app).register_client(key, [UNI_B])`` admits a
client key, ``admit_stats_portal(key)`` one in the Stats Portal's role.
:class:`MockServer` runs the app with uvicorn in a thread (wrap it in
:class:`ExchangeLog` for one log line per exchange), over TLS with the context
:func:`prepare_tls` makes from a :class:`LocalCa` in a :class:`StateDir`.

Every name is imported on first use (PEP 562): ``import ewp_mock`` and the
pytest plugin (``ewp_mock.pytest_plugin``, loaded wherever ewp-client is
installed) import neither FastAPI nor uvicorn, so they work without the
``[mock]`` extra until a partner is asked for.

``MockConfig(control=True)`` adds the node's control API (:mod:`ewp_mock.control`:
set its data, amend LAs, move its clock, reset it, from a test).
``MockConfig(scenarios=("httpsig-clock-skew",))`` makes the node reproduce
known exchange problems (:mod:`ewp_mock.faults`; :func:`faults_of` changes
them while it runs).
"""

from typing import TYPE_CHECKING

from ewp_client._lazy import lazy_attributes

if TYPE_CHECKING:
    from .app import create_app, faults_of, node_of_app, prepare_tls
    from .config import (
        DEFAULT_HEI,
        DEFAULT_MAX_REQUEST_BYTES,
        MIN_CLIENT_KEY_BITS,
        IdLimits,
        MockConfig,
    )
    from .data import UNI_A, UNI_B, Dataset, HeiData, demo_dataset, dump_dataset, load_dataset
    from .exchange_log import ExchangeLog
    from .node import MockNode, PublishedCatalogue
    from .server import MockServer, ServerLimits, bind_socket, serve_forever
    from .state_dir import StateDir
    from .tls import LocalCa

#: Each exported name and the module that defines it.
_LAZY: dict[str, str] = {
    "DEFAULT_HEI": ".config",
    "DEFAULT_MAX_REQUEST_BYTES": ".config",
    "MIN_CLIENT_KEY_BITS": ".config",
    "UNI_A": ".data",
    "UNI_B": ".data",
    "Dataset": ".data",
    "ExchangeLog": ".exchange_log",
    "HeiData": ".data",
    "IdLimits": ".config",
    "LocalCa": ".tls",
    "MockConfig": ".config",
    "MockNode": ".node",
    "MockServer": ".server",
    "PublishedCatalogue": ".node",
    "ServerLimits": ".server",
    "StateDir": ".state_dir",
    "bind_socket": ".server",
    "create_app": ".app",
    "faults_of": ".app",
    "demo_dataset": ".data",
    "dump_dataset": ".data",
    "load_dataset": ".data",
    "node_of_app": ".app",
    "prepare_tls": ".app",
    "serve_forever": ".server",
}

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _LAZY)

__all__ = [
    "DEFAULT_HEI",
    "DEFAULT_MAX_REQUEST_BYTES",
    "MIN_CLIENT_KEY_BITS",
    "UNI_A",
    "UNI_B",
    "Dataset",
    "ExchangeLog",
    "HeiData",
    "IdLimits",
    "LocalCa",
    "MockConfig",
    "MockNode",
    "MockServer",
    "PublishedCatalogue",
    "ServerLimits",
    "StateDir",
    "bind_socket",
    "create_app",
    "demo_dataset",
    "dump_dataset",
    "faults_of",
    "load_dataset",
    "node_of_app",
    "prepare_tls",
    "serve_forever",
]
