"""The database session: one engine per app, a scoped session per request or job.

Plain SQLAlchemy 2 (not Flask-SQLAlchemy) so that the worker and the CLI use the very same code without an app.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, String, cast, create_engine, event, func, select
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session, sessionmaker
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


#: Session.info key: this session flushed changes that are not committed yet (reads through it see them).
WROTE = "caseportal.wrote"
_stamp_connections = itertools.count(1)


def _track_writes(factory: sessionmaker[Session]) -> None:
    @event.listens_for(factory, "after_flush")
    def _wrote(session: Session, _ctx: object) -> None:
        session.info[WROTE] = True

    @event.listens_for(factory, "do_orm_execute")
    def _bulk(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info[WROTE] = True

    @event.listens_for(factory, "after_commit")
    @event.listens_for(factory, "after_rollback")
    def _ended(session: Session) -> None:
        session.info.pop(WROTE, None)


class Database:
    """Holds the engine and a scoped session factory for one configuration."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        _track_writes(factory)
        self.session = scoped_session(factory)
        self._stamp_lock = threading.Lock()
        self._stamp_conn: tuple[int, str, sqlite3.Connection] | None = None  # (pid, name, connection)

    def data_stamp(self, session: Session) -> str | None:
        """A value that changes whenever any process commits any change to the database, read before the caller
        reads its data (so what it reads is at least this new); None where there is no such value (in-memory
        SQLite, other databases): then nothing may be cached against it.

        PostgreSQL: the current snapshot (which transactions are visible), so equal stamps mean equal data.
        SQLite: ``PRAGMA data_version`` on a connection of its own that never writes, so every commit by any
        other connection, in this process or another, changes it.
        """
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            return str(session.scalar(select(cast(func.pg_current_snapshot(), String))))
        path = self.engine.url.database
        if dialect != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
            return None
        with self._stamp_lock:
            if self._stamp_conn is None or self._stamp_conn[0] != os.getpid():  # a forked child opens its own
                conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
                self._stamp_conn = (os.getpid(), f"{os.getpid()}.{next(_stamp_connections)}", conn)
            _pid, name, conn = self._stamp_conn
            (version,) = conn.execute("PRAGMA data_version").fetchone()
        return f"sqlite:{name}:{version}"  # a new connection counts from its own start: its name keeps it apart

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
        with self._stamp_lock:
            if self._stamp_conn is not None and self._stamp_conn[0] == os.getpid():
                self._stamp_conn[2].close()
            self._stamp_conn = None
