"""The case library: taster cases read from ``cases/<slug>/`` folders into immutable :class:`CaseSpec` objects.

No Flask and no sandbox here, so the web app, the worker, the CLI and the tests all use it cheaply. The
modules build on each other in one direction: model <- schema, links <- validation <- loading <- library;
run_files, check_texts and scaffold need only the model (validation also uses check_texts). The format is
described in docs/cases.md.
"""

from __future__ import annotations

from .check_texts import display_checks
from .library import Library, default_library_root, load_library, validate
from .loading import load_case
from .model import (
    FOCUS_HEADINGS,
    KINDS,
    MAX_CASE_BYTES,
    MAX_FILE_BYTES,
    CaseError,
    CaseProblem,
    CaseSpec,
    CaseText,
    Kind,
    Metric,
    ReviewerPrompt,
    Runtime,
    Submission,
)
from .run_files import case_files_for_judge, case_files_for_run, check_env, reference_submission
from .scaffold import scaffold
from .schema import case_schema

__all__ = [
    "FOCUS_HEADINGS",
    "KINDS",
    "MAX_FILE_BYTES",
    "MAX_CASE_BYTES",
    "CaseProblem",
    "CaseError",
    "CaseSpec",
    "CaseText",
    "Kind",
    "Library",
    "ReviewerPrompt",
    "Runtime",
    "Submission",
    "Metric",
    "case_schema",
    "load_case",
    "load_library",
    "validate",
    "case_files_for_run",
    "case_files_for_judge",
    "check_env",
    "display_checks",
    "reference_submission",
    "default_library_root",
    "scaffold",
]
