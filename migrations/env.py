"""Alembic environment: the URL comes from caseportal's config, the target schema from its models."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from caseportal.config import Settings, private_sqlite
from caseportal.models import Base

config = context.config
if not config.get_main_option("sqlalchemy.url"):
    config.set_main_option("sqlalchemy.url", Settings.from_env().database_url.replace("%", "%%"))

target_metadata = Base.metadata


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    private_sqlite(config.get_main_option("sqlalchemy.url") or "")  # a new SQLite file starts 0600
    engine = engine_from_config(config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        # Batch mode lets SQLite alter tables (it copies them), so one revision works on every database.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
