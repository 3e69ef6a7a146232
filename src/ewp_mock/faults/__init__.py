"""Fault scenarios: the known EWP exchange problems, reproduced by a mock node on request.

A :class:`Scenario` is a name, a one-line summary and a tuple of small
behaviours (:mod:`ewp_mock.faults.behaviours`): rewrite the body, the
headers, the status, delay or hang, change the node's change notifications or
its TLS certificate. The built-in scenarios (one per row of the known-issues
catalogue, and four TLS certificate defects) are declared in the data file
``scenarios.toml``; :meth:`ScenarioRegistry.load` adds the scenarios of user
files of the same form. ``MockConfig(scenarios=(...))`` makes a node play
them (:class:`Faults`, applied by :class:`FaultLayer` around the signature
middleware). Two scenarios at once each do what they do alone.
"""

from .behaviours import BEHAVIOUR_TYPES, Behaviour, Exchange, Stage
from .layer import FaultLayer, Faults
from .matching import API_NAMES, Endpoint, Match, endpoint_of
from .scenarios import Scenario, ScenarioRegistry, load_scenario_file, parse_scenarios

__all__ = [
    "API_NAMES",
    "BEHAVIOUR_TYPES",
    "Behaviour",
    "Endpoint",
    "Exchange",
    "FaultLayer",
    "Faults",
    "Match",
    "Scenario",
    "ScenarioRegistry",
    "Stage",
    "endpoint_of",
    "load_scenario_file",
    "parse_scenarios",
]
