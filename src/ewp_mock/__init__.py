"""A mock EWP partner node (FastAPI), built on ewp_client's sans-I/O protocol code.

``create_app(MockConfig(...), demo_dataset())`` gives the app serving the demo
data (``load_dataset(dir)`` reads fixture files instead; no data set: bare
institutions); ``node_of_app(app).register_client(key, [UNI_B])`` admits a
client key, ``admit_stats_portal(key)`` one in the Stats Portal's role.
:class:`MockServer` runs the app with uvicorn in a thread (wrap it in
:class:`ExchangeLog` for one log line per exchange), over TLS with the context
:func:`prepare_tls` makes from a :class:`LocalCa` in a :class:`StateDir`.
``MockConfig(scenarios=("httpsig-clock-skew",))`` makes the node reproduce
known exchange problems (:mod:`ewp_mock.faults`; :func:`faults_of` changes
them while it runs).
"""

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
