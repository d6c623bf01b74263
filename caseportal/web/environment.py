"""``run_environment(case)`` for templates: the run-environment box needs no extra argument from any view."""

from __future__ import annotations

from flask import Flask

from caseportal.casebook import CaseSpec
from caseportal.current import db
from caseportal.services import runtimes


def run_environment(case: CaseSpec) -> runtimes.EnvironmentView | None:
    """The box's content for the case the page shows (the candidate's started version on their page)."""
    return runtimes.environment_for(db(), case)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["run_environment"] = run_environment
