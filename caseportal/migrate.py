"""Alembic configuration built in code, so `caseportal db upgrade`, tests and env.py agree on one URL."""

from __future__ import annotations

from alembic.config import Config

from .config import REPO_ROOT


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg
