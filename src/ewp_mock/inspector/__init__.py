"""The exchange inspector: a node's exchanges as a live timeline in a browser.

With the control API on (``ewp-mock serve --control``, the pytest plugin's
partners), a node serves one HTML page at :data:`INSPECTOR_PATH`
(``/_mock/inspector``): its exchanges, received and sent, oldest first, each
with its status, the signature and schema verdicts, the fault scenarios that
altered it and the known issue the node's client diagnosed; a click opens
its headers and bodies (students' personal data masked unless the node keeps
it). The page polls the JSON feed at :data:`FEED_PATH` with ``since=`` every
second, so it follows new exchanges while open.

Nodes that run together show side by side: the page has one column for the
node and one for each peer it was introduced to (a
:class:`~ewp_mock.network.MockNetwork`, ``--peer``), each column polling that
node's feed (which answers loopback origins with a CORS header); more
columns come from ``?node=<base URL>`` in the page's address. The page is
plain HTML with a little inline script: it loads nothing else (its
Content-Security-Policy allows connections to the feeds only), and builds
every value from a partner as text, never as markup.
"""

from .page import render_page
from .routes import FEED_PATH, INSPECTOR_PATH, NODES_PATH, router

__all__ = ["FEED_PATH", "INSPECTOR_PATH", "NODES_PATH", "render_page", "router"]
