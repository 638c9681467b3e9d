"""Importers for the public school data files: detect the format, validate every row, then write all or nothing."""

from alliances.importers.base import ImportRefused, ImportReport, RowError
from alliances.importers.runner import FORMATS, detect_format, run_import

__all__ = ["FORMATS", "ImportRefused", "ImportReport", "RowError", "detect_format", "run_import"]
