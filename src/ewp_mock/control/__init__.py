"""A mock node's control API: set its data up and drive it from a test, outside EWP.

Off unless the node's configuration says ``control=True`` (``ewp-mock serve
--control``; the pytest plugin's partners turn it on). It then answers under
:data:`CONTROL_PREFIX` (``/_mock/control``) with plain JSON and no HTTP
signature, and publishes its own OpenAPI document at :data:`OPENAPI_PATH`:

* create or replace IIAs, LAs, HEI records and units (EWP XML documents);
* a minor or a major amendment of an LA the node sends (a major one signed
  by the student and the sending HEI); approve or comment, as the receiving
  HEI, an LA a partner sends; approve a partner's IIA;
* queue, inspect, run and flush the change-notification outbox; the CNRs
  the node received;
* reset the node to its initial data in one call (outbox, received CNRs,
  clock, exchange log and start-up scenarios included; refused over a
  ``--db`` database);
* read, set or advance the node's business clock (a :class:`NodeClock`
  unless another was given): HTTP signatures stay on real time;
* read the exchange log (when the node keeps one);
* read and switch the fault scenarios the node plays (:mod:`ewp_mock.faults`;
  not the TLS ones, which are chosen when the server starts).

Beside it, under ``/_mock/inspector``, the node serves the exchange
inspector (:mod:`ewp_mock.inspector`): the same log as a live page.

Every step runs through :class:`~ewp_mock.actions.NodeActions`, the
lifecycles of :mod:`ewp_client`. :class:`ControlClient` (and
:class:`AsyncControlClient`) wrap the API with typed methods.
"""

from .api import CONTROL_PREFIX, OPENAPI_PATH
from .client import (
    AsyncControlClient,
    ClockState,
    ControlClient,
    IiaState,
    KnownScenario,
    LaState,
    ReceivedCnr,
    ScenarioState,
    SignedBy,
)
from .clock import NodeClock

__all__ = [
    "CONTROL_PREFIX",
    "OPENAPI_PATH",
    "AsyncControlClient",
    "ClockState",
    "ControlClient",
    "IiaState",
    "KnownScenario",
    "LaState",
    "NodeClock",
    "ReceivedCnr",
    "ScenarioState",
    "SignedBy",
]
