"""Loaders of units: administrative divisions from the packages, organisations from YAML."""

from chiso.org.loaders.base import LoadError, LoadReport
from chiso.org.loaders.divisions import load_current_divisions, load_historic_divisions
from chiso.org.loaders.organisations import load_organisations

__all__ = [
    "LoadError",
    "LoadReport",
    "load_current_divisions",
    "load_historic_divisions",
    "load_organisations",
]
