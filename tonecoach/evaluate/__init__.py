"""Checking tonecoach on a team's own labelled calls (``tonecoach evaluate``)."""

from .labels import AgentLabel, CallLabel, parse_agent_label, read_labels
from .references import Reference, RefTurn, read_reference
from .run import evaluate_calls

__all__ = ["AgentLabel", "CallLabel", "Reference", "RefTurn", "evaluate_calls", "parse_agent_label", "read_labels",
           "read_reference"]
