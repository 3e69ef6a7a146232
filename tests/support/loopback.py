"""A plain HTTP server on 127.0.0.1 for tests whose partner must be a real socket."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def loopback_server(
    handler: type[BaseHTTPRequestHandler], *, on_stop: Callable[[], None] | None = None
) -> Iterator[int]:
    """Serve ``handler`` on a free loopback port (yielded) until the block ends.

    ``on_stop`` runs before the server shuts down: release handlers that are
    waiting (a gate, a stop event) so that shutting down does not wait on them.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        if on_stop is not None:
            on_stop()
        server.shutdown()
        server.server_close()
        thread.join()
