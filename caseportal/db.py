"""The database session: one engine per app, a scoped session per request or job.

Plain SQLAlchemy 2 (not Flask-SQLAlchemy) so that the worker and the CLI use the very same code without an app.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from caseportal.config import private_sqlite


def make_engine(url: str) -> Engine:
    """An engine; for SQLite with WAL and a busy timeout so web and worker processes share the file."""
    if url.startswith("sqlite"):
        private_sqlite(url)  # created 0600 here, when a database is first wanted, not whenever settings load
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """Holds the engine and a scoped session factory for one configuration."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.session = scoped_session(sessionmaker(bind=self.engine, expire_on_commit=False))

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A fresh session in a transaction, for jobs and CLI commands."""
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            yield s

    def create_all(self) -> None:
        from caseportal.models import Base

        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.session.remove()
        self.engine.dispose()
