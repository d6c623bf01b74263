"""Alembic: one head, and upgrading an empty database to head gives exactly the models' schema, on SQLite and on
PostgreSQL (the database of the multi-machine mode); downgrading to nothing and upgrading again works on both."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.pool import NullPool

from caseportal.migrate import alembic_config
from caseportal.models import Base
from tests.conftest import pg_url

_numbers = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    name = f"cp_migrate_{os.getpid()}_{next(_numbers)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield pg_url(name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_there_is_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def _tables_and_diff(url: str) -> tuple[set[str], list[object]]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(ctx, Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    return tables, diff


def test_upgrade_to_head_matches_the_models(empty_url: str) -> None:
    command.upgrade(alembic_config(empty_url), "head")
    tables, diff = _tables_and_diff(empty_url)
    assert diff == [], f"models and migrations differ: {diff}"
    assert set(Base.metadata.tables) <= tables


def test_downgrade_to_base_and_up_again(empty_url: str) -> None:
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    assert _tables_and_diff(empty_url)[0] <= {"alembic_version"}
    command.upgrade(cfg, "head")
    tables, diff = _tables_and_diff(empty_url)
    assert diff == [], f"models and migrations differ after a round trip: {diff}"
    assert set(Base.metadata.tables) <= tables
