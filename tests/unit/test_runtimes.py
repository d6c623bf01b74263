"""The run-environment box's data: recorded probe facts plus the case's own limits, never typed by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.case_runs import limits_for
from caseportal.casebook import CaseSpec, Library
from caseportal.models import RuntimeEnvironment
from caseportal.services import runtimes
from caseportal.services.errors import Invalid

FACTS = {"python": "3.11.2", "packages": {"pandas": "1.5.3", "pytest": "7.2.1", "sqlite": "3.40.1",
                                          "numpy": "1.24.2"}, "image_id": "sha256:aaa"}


@pytest.fixture()
def library(app: Flask) -> Library:
    return app.extensions["caseportal.casebook"]


def _case(library: Library, runtime: str) -> CaseSpec:
    return next(c for c in library if c.runtime == runtime)


def test_record_and_current(session: Session) -> None:
    assert runtimes.current(session, "datasci") is None
    row = runtimes.record(session, "datasci", "caseportal/runtime-datasci:111", FACTS)
    session.commit()
    assert runtimes.current(session, "datasci") == row
    assert row.facts["packages"]["pandas"] == "1.5.3"
    assert runtimes.current(session, "python") is None  # per runtime


def test_the_newest_image_is_current_and_a_second_probe_refreshes_its_row(session: Session) -> None:
    old = runtimes.record(session, "python", "caseportal/runtime-python:old", {"python": "3.11.1", "packages": {}})
    old.recorded_at -= timedelta(hours=1)
    new = runtimes.record(session, "python", "caseportal/runtime-python:new", {"python": "3.11.2", "packages": {}})
    session.commit()
    assert runtimes.current(session, "python") == new
    again = runtimes.record(session, "python", "caseportal/runtime-python:old", {"python": "3.11.1", "packages": {}})
    session.commit()
    assert again.id == old.id  # one row per image
    assert runtimes.current(session, "python") == old
    assert len(session.scalars(select(RuntimeEnvironment)).all()) == 2


def test_a_concurrent_recorder_is_settled_by_the_unique_constraint(session: Session, app: Flask,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Another worker inserted the same image between our lookup and our insert: we update its row."""
    other = app.extensions["caseportal.db"]
    with other.begin() as s:
        runtimes.record(s, "python", "caseportal/runtime-python:x", {"python": "3.11.1", "packages": {}})
    real_find, lookups = runtimes._find, []

    def late_find(s: Session, runtime: str, image_ref: str) -> RuntimeEnvironment | None:
        lookups.append(image_ref)
        return None if len(lookups) == 1 else real_find(s, runtime, image_ref)  # the first look missed it

    monkeypatch.setattr(runtimes, "_find", late_find)
    row = runtimes.record(session, "python", "caseportal/runtime-python:x", {"python": "3.11.2", "packages": {}})
    assert len(lookups) == 2  # the insert hit the constraint and the other row was found
    session.commit()
    assert row.facts["python"] == "3.11.2"
    assert len(session.scalars(select(RuntimeEnvironment)).all()) == 1


@pytest.mark.parametrize(("runtime", "ref", "facts"), [
    ("none", "img:1", FACTS),
    ("", "img:1", FACTS),
    ("Python 3", "img:1", FACTS),
    ("python", "", FACTS),
    ("python", "x" * 201, FACTS),
    ("python", "img:1", "3.11"),
    ("python", "img:1", {"packages": {}}),
    ("python", "img:1", {"python": "<b>3</b>", "packages": {}}),
    ("python", "img:1", {"python": "3.11.2", "packages": {"pandas": 1.5}}),
    ("python", "img:1", {"python": "3.11.2", "packages": {"<script>": "1.0"}}),
    ("python", "img:1", {"python": "3.11.2", "packages": ["pandas"]}),
])
def test_bad_facts_are_refused_and_nothing_is_stored(session: Session, runtime: str, ref: str, facts: object) -> None:
    with pytest.raises(Invalid):
        runtimes.record(session, runtime, ref, facts)  # type: ignore[arg-type]
    assert session.scalars(select(RuntimeEnvironment)).all() == []


def test_is_current_needs_the_same_ref_and_engine_id(session: Session) -> None:
    runtimes.record(session, "datasci", "img:1", FACTS)
    assert runtimes.is_current(session, "datasci", "img:1", "sha256:aaa")
    assert not runtimes.is_current(session, "datasci", "img:1", "sha256:bbb")  # rebuilt under the same tag
    assert not runtimes.is_current(session, "datasci", "img:2", "sha256:aaa")
    assert not runtimes.is_current(session, "datasci", "img:1", None)
    assert not runtimes.is_current(session, "python", "img:1", "sha256:aaa")


def test_view_combines_the_recorded_versions_with_the_cases_limits(session: Session, library: Library) -> None:
    case = _case(library, "datasci")
    runtimes.record(session, "datasci", "caseportal/runtime-datasci:111", FACTS)
    view = runtimes.environment_for(session, case)
    assert view is not None and view.recorded
    assert view.python == "3.11.2"
    assert [(p.label, p.value) for p in view.packages] == [
        ("NumPy", "1.24.2"), ("pandas", "1.5.3"), ("pytest", "7.2.1"), ("SQLite", "3.40.1")]
    limits = limits_for(case)
    facts = {f.label: f.value for f in view.limits}
    assert facts["Time limit per run"] == f"{limits.timeout_s:g} s"
    assert facts["Processes and threads"] == f"at most {limits.pids}"
    assert view.image_ref == "caseportal/runtime-datasci:111"


def test_limits_read_as_people_say_them(library: Library) -> None:
    case = _case(library, "datasci")
    shown = {f.label: f.value for f in runtimes.limit_facts(
        replace(case, limits={"timeout_s": 240, "memory_mb": 1536, "cpus": 1, "pids": 256}))}
    assert shown == {"Time limit per run": "240 s", "Memory": "1.5 GB", "Processor": "1 CPU core",
                     "Processes and threads": "at most 256"}
    shown = {f.label: f.value for f in runtimes.limit_facts(
        replace(case, limits={"timeout_s": 7.5, "memory_mb": 256, "cpus": 2, "pids": 64}))}
    assert shown["Memory"] == "256 MB" and shown["Processor"] == "2 CPU cores"
    assert shown["Time limit per run"] == "7.5 s"
    shown = {f.label: f.value for f in runtimes.limit_facts(replace(case, limits={"memory_mb": 1024, "cpus": 0.5}))}
    assert shown["Memory"] == "1 GB" and shown["Processor"] == "0.5 CPU core"
    assert shown["Time limit per run"] == "60 s"  # the runner's default, as limits_for gives it


def test_before_any_probe_only_the_limits_are_shown(session: Session, library: Library) -> None:
    view = runtimes.environment_for(session, _case(library, "python"))
    assert view is not None and not view.recorded
    assert view.python is None and view.packages == ()
    assert [f.label for f in view.limits] == ["Time limit per run", "Memory", "Processor", "Processes and threads"]


def test_a_case_that_runs_nothing_has_no_environment(session: Session, library: Library) -> None:
    runtimes.record(session, "python", "img:1", FACTS)
    assert runtimes.environment_for(session, _case(library, "none")) is None


def test_unknown_packages_are_listed_after_the_known_ones(session: Session, library: Library) -> None:
    runtimes.record(session, "python", "img:1", {"python": "3.12.0", "packages": {"zeta": "1.0", "pytest": "8.0"}})
    view = runtimes.environment_for(session, _case(library, "python"))
    assert view is not None
    assert [p.label for p in view.packages] == ["pytest", "zeta"]


# --------------------------------------------------------------------------- who records (no Docker: a fake probe)


def test_probe_and_record_skips_an_image_already_recorded_and_survives_a_broken_one(app: Flask,
                                                                                    session: Session) -> None:
    from caseportal.environments import probe_and_record
    from sandbox.images.probe import ProbeError

    probed: list[str] = []

    def probe(ref: str) -> dict[str, object]:
        probed.append(ref)
        if ref == "img:broken":
            raise ProbeError("the image printed no report")
        return dict(FACTS)

    database = app.extensions["caseportal.db"]
    refs = {"datasci": "img:1", "python": "img:broken"}
    ids = {"datasci": "sha256:aaa", "python": "sha256:bbb"}
    said: list[str] = []
    status = probe_and_record(database, refs, probe=probe, image_ids=ids, say=said.append)
    assert status == {"datasci": "recorded", "python": "error: the image printed no report"}
    assert any("could not record the environment of python" in line for line in said)
    assert runtimes.current(session, "python") is None
    assert probe_and_record(database, {"datasci": "img:1"}, probe=probe, image_ids=ids) == {"datasci": "unchanged"}
    assert probe_and_record(database, {"datasci": "img:1"}, probe=probe, image_ids=ids, force=True) == {
        "datasci": "recorded"}
    assert probed == ["img:1", "img:broken", "img:1"]


def test_a_probe_with_bad_facts_is_reported_not_stored(app: Flask, session: Session) -> None:
    from caseportal.environments import probe_and_record

    status = probe_and_record(app.extensions["caseportal.db"], {"python": "img:1"},
                              probe=lambda ref: {"python": "not a version", "packages": {}})
    assert status["python"].startswith("error: ") and runtimes.current(session, "python") is None


def test_database_ready_never_creates_a_database(tmp_path: Path, app: Flask) -> None:
    from caseportal.environments import database_ready, record_built_images

    missing = tmp_path / "none" / "caseportal.db"
    assert not database_ready(f"sqlite:///{missing}")
    said: list[str] = []
    assert record_built_images(f"sqlite:///{missing}", {"python": "img:1"}, say=said.append) == {}
    assert "caseportal db upgrade" in said[0]
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    assert not database_ready(f"sqlite:///{empty}")  # exists, but not upgraded
    assert database_ready(str(app.extensions["caseportal.db"].url))
