"""Errors the engine raises.

It raises only on a bad framework (tree or rule parameters) or a programming mistake (inputs that
do not fit the tree); bad input *values* are flagged, never raised.
"""

from __future__ import annotations


class EngineError(ValueError):
    """A tree, rule or cohort the engine cannot score; the message names the code and the fault."""


class RuleError(EngineError):
    """A rule kind that is not registered, or parameters that do not fit the rule."""
