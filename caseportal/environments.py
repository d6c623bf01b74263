"""Probe the runtime images and record what they carry, for the case pages' run-environment box.

The only module that joins the image probe (sandbox, Docker) and the database, called by ``caseportal images
build`` and by each worker at start. A probe starts a container, so it runs between short transactions, never
inside one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .db import Database

log = logging.getLogger("caseportal.environments")

Probe = Callable[[str], dict[str, Any]]
Log = Callable[[str], None]


def probe_and_record(database: Database, refs: Mapping[str, str], *, probe: Probe | None = None,
                     image_ids: Mapping[str, str | None] | None = None, force: bool = False,
                     say: Log | None = None) -> dict[str, str]:
    """Probe each ``runtime -> image ref`` and record it; returns runtime -> "recorded", "unchanged" or an error.

    An image that is already the runtime's current one (same ref and engine id in ``image_ids``) is not
    probed again unless ``force``. One failing image does not stop the others.
    """
    from sandbox.images.probe import ProbeError, probe_environment

    from .services import runtimes
    from .services.errors import DomainError

    say = say or log.info
    run_probe = probe or probe_environment
    status: dict[str, str] = {}
    for runtime, ref in sorted(refs.items()):
        ident = (image_ids or {}).get(runtime)
        with database.begin() as s:
            unchanged = not force and runtimes.is_current(s, runtime, ref, ident)
        if unchanged:
            status[runtime] = "unchanged"
            continue
        try:
            facts = run_probe(ref)
            with database.begin() as s:
                runtimes.record(s, runtime, ref, facts)
        except (ProbeError, DomainError) as exc:
            problem = getattr(exc, "message", None) or str(exc)
            status[runtime] = f"error: {problem}"
            say(f"could not record the environment of {runtime} ({ref}): {problem}")
            continue
        packages = ", ".join(f"{k} {v}" for k, v in sorted(dict(facts.get("packages") or {}).items()))
        say(f"{runtime}: Python {facts.get('python')}, {packages}")
        status[runtime] = "recorded"
    return status


def record_present_images(database: Database, labels: Mapping[str, str] | None = None,
                          say: Log | None = None) -> dict[str, str]:
    """A worker at start: probe the images of the current inputs that are present on this engine.

    Builds nothing (that is ``caseportal images build``'s job); a missing image is simply left out.
    """
    import docker

    from sandbox.images.build import RUNTIMES, image_for
    from sandbox.images.probe import image_id, probe_environment

    client = docker.from_env()
    refs: dict[str, str] = {}
    ids: dict[str, str | None] = {}
    for runtime in RUNTIMES:
        ref = image_for(runtime, client=client)
        ident = image_id(ref, client)
        if ident is not None:
            refs[runtime], ids[runtime] = ref, ident
    return probe_and_record(database, refs, image_ids=ids, say=say,
                            probe=lambda ref: probe_environment(ref, client, labels=labels))


def database_ready(url: str) -> bool:
    """True when the database exists and has the table (``caseportal db upgrade`` has run); never creates one."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:" or not Path(parsed.database).is_file():
            return False
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("runtime_environments")
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def record_built_images(database_url: str, refs: Mapping[str, str], say: Log | None = None) -> dict[str, str]:
    """``caseportal images build``: probe what was just built and record it, when the database is ready."""
    from sandbox.images.probe import image_id

    say = say or log.info
    if not database_ready(database_url):
        say("the run environments were not recorded: the database is not set up yet (run `caseportal db upgrade`);"
            " a worker records them when it starts")
        return {}
    database = Database(database_url)
    try:
        return probe_and_record(database, refs, image_ids={r: image_id(ref) for r, ref in refs.items()}, say=say)
    finally:
        database.dispose()
