"""A short-lived, per-process cache of rendered pages that are personal but unchanged between two views.

Why: a candidate's and a reviewer's pages are opened again far more often than their data changes, and
rendering them is most of what such a request costs (the README's "Web latency" has the figures).

Correct by what the key holds, not by lists of what invalidates what:
- everything a page may depend on besides the database and the clock: the URL (host, scheme, path and query),
  the visitor's session (so another visitor's login is never served), the other cookies, the language and the
  case library in use. The session's CSRF secret is left out of the key and the page's CSRF token is swapped
  for the visitor's own as it is served, so everyone with the same link shares one entry and still posts with
  a token of their own;
- the database as a stamp read first thing in the request, before anything else reads it
  (``Database.data_stamp``): it changes whenever any process commits anything, so an entry is served only while
  the database is exactly as it was when the page was rendered;
- the clock: an entry lives ``TTL_S`` seconds, so text derived from the time ("the deadline has passed",
  "in 5 minutes") is at most that old, as if the answer had spent that long on the way.
Only a 200 is kept, never a page that showed a flash message, never one rendered while the request's own session
held uncommitted writes. A view opts in with ``@cacheable`` and renders through ``page()``: its access checks
and side effects (opening an invitation, audit notes) still run on every request; only rendering is skipped.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import SQLAlchemyError

from caseportal.current import casebook, database, db
from caseportal.db import WROTE

#: How old a served page may be: bounds what is derived from the clock, not from the database.
TTL_S = 2.0
#: Bytes of rendered pages one process keeps (a reviewer's page is ~100 KB); the oldest use goes first.
MAX_BYTES = 16 * 1024 * 1024
EXTENSION = "caseportal.page_cache"
_MARK = "_caseportal_page_cache"
_STAMP = "cp_page_stamp"
#: Session keys that are instructions for the end of this request (Flask-Login's remember cookie), not state.
_TRANSIENT = frozenset({"_remember", "_remember_seconds"})

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")


class PageCache:
    """Rendered pages by key, each with its time of rendering; thread-safe, bounded by bytes."""

    def __init__(self, ttl_s: float = TTL_S, max_bytes: int = MAX_BYTES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.max_bytes, self.clock = ttl_s, max_bytes, clock
        self._entries: OrderedDict[Hashable, tuple[float, Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or self.clock() - entry[0] > self.ttl_s:
                if entry is not None:
                    self._drop(key)
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (self.clock(), value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        self._bytes -= self._entries.pop(key)[2]


def cacheable(view: F) -> F:
    """Mark a GET view whose page may come from the cache (put it next to ``def``: functools.wraps carries it)."""
    setattr(view, _MARK, True)
    return view


def _read_stamp() -> None:
    """First thing in a cacheable GET: the database's stamp, before the login or the view reads anything."""
    g.pop(_STAMP, None)
    if request.method != "GET":
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, _MARK, False):
        try:
            stamp = database().data_stamp(db())
        except (sqlite3.Error, SQLAlchemyError):
            # No stamp, no cache: the view reads the database itself and a database that is down gets the
            # usual clear 503 from there, not an error from this hook.
            db().rollback()
            return
        if stamp is not None:
            setattr(g, _STAMP, stamp)


def _csrf_field() -> str:
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def _key(stamp: str) -> Hashable:
    cookie, csrf = current_app.config["SESSION_COOKIE_NAME"], _csrf_field()
    return (stamp, request.host, request.scheme, request.endpoint, request.full_path, str(get_locale()),
            id(casebook()),
            tuple(sorted((k, repr(v)) for k, v in session.items() if k not in _TRANSIENT and k != csrf)),
            tuple(sorted((k, v) for k, v in request.cookies.items() if k != cookie)))


def _body(result: object) -> str | None:
    """The page of a result that may be kept (answered with 200: a str, or a (str, 200) tuple), else None."""
    if isinstance(result, str):
        return result
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], str) and result[1] == 200:
        return result[0]
    return None


def page(render: Callable[[], R]) -> R:
    """``render()``'s page, or the same page rendered a moment ago for the same key (see the module docstring).

    Call it after the view's access checks and its committed writes."""
    cache: PageCache | None = current_app.extensions.get(EXTENSION)
    stamp = g.get(_STAMP)
    s = db()
    if (cache is None or stamp is None or "_flashes" in session or s.new or s.dirty or s.deleted
            or s.info.get(WROTE)):
        return render()
    key = _key(stamp)
    hit = cache.get(key)
    if hit is not None:
        body, as_tuple, token = hit
        if token:  # the CSRF token the page was rendered with gives way to this visitor's
            body = body.replace(token, generate_csrf())
        return cast(R, (body, 200) if as_tuple else body)
    result = render()
    body = _body(result)
    if body is not None and "_flashes" not in session:
        cache.put(key, (body, isinstance(result, tuple), g.get(_csrf_field())), len(body))
    return result


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = PageCache()
    app.before_request_funcs.setdefault(None, []).insert(0, _read_stamp)
