"""Case versions: each submission is run and reviewed against the exact case version it was started on.

When a candidate starts a case, every file of that version is stored once (keyed by the version hash). Later
the worker and the review pages ask for the submission's version: the library's case while it is unchanged,
else the stored snapshot, unpacked and validated like any case folder.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
import threading
from pathlib import Path

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from caseportal.casebook import CaseError, CaseSpec, Library, load_case
from caseportal.models import CaseSnapshot

_cache: dict[str, CaseSpec] = {}
_lock = threading.Lock()


def _case_files(case: CaseSpec) -> dict[str, bytes]:
    """Every file as the loader saw it: a symlink the validator allowed (a file in its own folder) is stored as
    the bytes it points at, so the unpacked snapshot has the same files and the same version hash."""
    root = Path(case.path).resolve()

    def kept(p: Path) -> bool:
        if not p.is_file() or "__pycache__" in p.parts or p.suffix == ".pyc":
            return False
        return not p.is_symlink() or p.resolve().is_relative_to(root)

    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if kept(p)}


def snapshot(session: Session, case: CaseSpec) -> CaseSnapshot:
    """Store this version of the case once (a second call for the same version is a lookup)."""
    existing = session.get(CaseSnapshot, case.version)
    if existing is not None:
        return existing
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel, content in _case_files(case).items():
            info = tarfile.TarInfo(rel)
            info.size, info.mode = len(content), 0o644
            tar.addfile(info, io.BytesIO(content))
    # Two candidates starting a new version at once both get here: the second insert must do nothing rather than
    # fail, or its transaction (and that candidate's new workspace) is rolled back.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(CaseSnapshot).values(version=case.version, slug=case.slug, archive=buf.getvalue())
                    .on_conflict_do_nothing(index_elements=["version"]))
    snap = session.get(CaseSnapshot, case.version)
    assert snap is not None  # inserted just now, or by the request that won the race
    return snap


def _unpack(snap: CaseSnapshot) -> CaseSpec | None:
    """Validate the stored version like any case folder; the spec keeps its files in memory, so the folder goes."""
    with tempfile.TemporaryDirectory(prefix="caseportal-case-") as tmp:
        folder = Path(tmp) / snap.slug
        folder.mkdir()
        with tarfile.open(fileobj=io.BytesIO(snap.archive), mode="r:gz") as tar:
            tar.extractall(folder, filter="data")  # refuses links and paths outside the folder
        try:
            return load_case(folder, stored=True)  # held to the rules of its own day for texts
        except CaseError:
            return None


def case_for(session: Session, library: Library, slug: str, version: str) -> CaseSpec | None:
    """The case as it was at ``version``; the current one when no snapshot of that version exists. A practice
    case (the warm-up) is found too: its runs go through the same worker."""
    current = library.find(slug)
    if current is not None and current.version == version:
        return current
    with _lock:
        if version in _cache:
            return _cache[version]
    snap = session.get(CaseSnapshot, version)
    case = _unpack(snap) if snap is not None and snap.slug == slug else None
    if case is None:
        return current
    with _lock:
        _cache[version] = case
    return case
