"""A submission meets the case version it was started on, even after the case's files change."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from caseportal.casebook import load_library, scaffold
from caseportal.models import CaseSnapshot
from caseportal.services import case_versions, submissions
from tests.conftest import Factory


def _library_with_case(root: Path) -> tuple[Path, str]:
    folder = scaffold(root, "versioned-case", "coding")
    return folder, "versioned-case"


def test_starting_a_case_stores_its_version_once(tmp_path: Path, session: Session, factory: Factory) -> None:
    _library_with_case(tmp_path)
    case = load_library(tmp_path).get("versioned-case")
    assert case is not None
    meeting = factory.meeting(cases=[])
    meeting.cases.clear()
    from caseportal.models import MeetingCase

    meeting.cases.append(MeetingCase(case_slug=case.slug, position=0))
    session.commit()
    sub = submissions.start(session, meeting, case)
    session.commit()
    assert sub.case_version == case.version
    assert session.query(CaseSnapshot).filter_by(version=case.version).count() == 1
    case_versions.snapshot(session, case)  # a second time is a lookup, not a second row
    assert session.query(CaseSnapshot).count() == 1


def test_an_edited_case_is_still_met_in_the_version_the_work_started_on(tmp_path: Path, session: Session) -> None:
    folder, slug = _library_with_case(tmp_path)
    old = load_library(tmp_path).get(slug)
    assert old is not None
    case_versions.snapshot(session, old)
    session.commit()
    starter = next(p for p in sorted((folder / "starter").rglob("*")) if p.is_file())
    starter.write_text(starter.read_text() + "\n# changed by the case author later\n")
    hidden = next(p for p in sorted((folder / "checks" / "hidden").rglob("*.py")))
    hidden.write_text(hidden.read_text() + "\n\ndef test_added_later():\n    assert False\n")
    new_library = load_library(tmp_path)
    new = new_library.get(slug)
    assert new is not None and new.version != old.version

    then = case_versions.case_for(session, new_library, slug, old.version)
    assert then is not None and then.version == old.version
    assert then.starter_files == old.starter_files and then.hidden_checks == old.hidden_checks
    assert then.solution_files == old.solution_files
    # the current version is served from the library itself
    assert case_versions.case_for(session, new_library, slug, new.version) is new
    # a version never stored (work from before snapshots existed) falls back to the current case
    assert case_versions.case_for(session, new_library, slug, "0" * 64) is new


def test_a_symlink_within_its_folder_survives_the_snapshot(tmp_path: Path, session: Session) -> None:
    folder, slug = _library_with_case(tmp_path)
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "sales.csv").write_text("day,units\n1,3\n")
    (folder / "data" / "latest.csv").symlink_to("sales.csv")
    old = load_library(tmp_path).get(slug)
    assert old is not None and old.data_files["latest.csv"] == b"day,units\n1,3\n"
    case_versions.snapshot(session, old)
    session.commit()
    (folder / "data" / "sales.csv").write_text("day,units\n1,4\n")  # the author edits the case later
    new_library = load_library(tmp_path)
    then = case_versions.case_for(session, new_library, slug, old.version)
    assert then is not None and then.version == old.version
    assert then.data_files == old.data_files


def test_a_version_stored_before_todays_text_rules_is_still_the_one_used(tmp_path: Path, session: Session) -> None:
    """Work begun on a case before it needed Swedish reviewer prompts and check names keeps that version (its own
    checks and texts), rather than falling back to whatever the library holds now."""
    import io
    import shutil
    import tarfile

    import yaml

    from caseportal.config import REPO_ROOT

    folder = tmp_path / "invoice-rounding-bug"
    shutil.copytree(REPO_ROOT / "cases" / "invoice-rounding-bug", folder)
    library = load_library(tmp_path)
    current = library.get("invoice-rounding-bug")
    assert current is not None
    data = yaml.safe_load((folder / "case.yaml").read_text())
    for key in ("reviewer_prompts", "check_names", "check_messages"):
        data["translations"]["sv"].pop(key, None)
    data.pop("check_names", None)
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            tar.add(path, arcname=str(path.relative_to(folder)))
    session.add(CaseSnapshot(version="1" * 64, slug="invoice-rounding-bug", archive=buf.getvalue()))
    session.commit()

    then = case_versions.case_for(session, library, "invoice-rounding-bug", "1" * 64)
    assert then is not None and then is not current
    assert then.text("sv").reviewer_prompts == () and then.hidden_checks == current.hidden_checks
