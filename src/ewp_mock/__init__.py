"""A mock EWP partner node (FastAPI), built on ewp_client's sans-I/O protocol code.

``create_app(MockConfig(...))`` gives the app; ``node_of_app(app).register_client``
admits a client key; :class:`MockServer` runs it with uvicorn in a thread.
"""

from .app import create_app, node_of_app
from .config import DEFAULT_HEI, DEFAULT_MAX_REQUEST_BYTES, MIN_CLIENT_KEY_BITS, MockConfig
from .node import MockNode, PublishedCatalogue
from .server import MockServer, bind_socket

__all__ = [
    "DEFAULT_HEI",
    "DEFAULT_MAX_REQUEST_BYTES",
    "MIN_CLIENT_KEY_BITS",
    "MockConfig",
    "MockNode",
    "MockServer",
    "PublishedCatalogue",
    "bind_socket",
    "create_app",
    "node_of_app",
]
