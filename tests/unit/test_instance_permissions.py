"""Finding 8 of the security review: the instance folder is 0700, its secret key and SQLite database 0600 from
the moment they are created (made with that mode, never chmod-ed afterwards), and wider ones are narrowed."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseportal.config import Settings, private_file
from caseportal.db import Database


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture()
def fresh_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in ("CASEPORTAL_SECRET_KEY", "CASEPORTAL_DATABASE_URL", "CASEPORTAL_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    old = os.umask(0o022)  # the usual umask, which leaves new files 0644 unless they are made private
    yield tmp_path / "deep" / "instance"
    os.umask(old)


def test_a_new_instance_is_private_from_the_start(fresh_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chmods: list[str] = []
    real_chmod = Path.chmod
    monkeypatch.setattr(Path, "chmod", lambda self, mode, **kw: (chmods.append(str(self)),
                                                                 real_chmod(self, mode, **kw))[1])
    settings = Settings.from_env(fresh_env)
    assert _mode(fresh_env) == 0o700
    assert _mode(fresh_env / "secret_key") == 0o600 and len(settings.secret_key) == 64
    db_file = fresh_env / "caseportal.db"
    assert settings.database_url.endswith("caseportal.db") and not db_file.exists()  # only when first wanted
    database = Database(settings.database_url)
    assert _mode(db_file) == 0o600
    assert chmods == [], "created wide and narrowed afterwards"
    database.create_all()
    database.dispose()
    assert _mode(db_file) == 0o600 and db_file.stat().st_size > 0
    assert Settings.from_env(fresh_env).secret_key == settings.secret_key  # stable across restarts


def test_an_older_wider_instance_is_narrowed(fresh_env: Path) -> None:
    fresh_env.mkdir(parents=True, mode=0o755)
    os.chmod(fresh_env, 0o755)
    (fresh_env / "secret_key").write_text("old-secret")
    os.chmod(fresh_env / "secret_key", 0o644)
    (fresh_env / "caseportal.db").write_bytes(b"")
    os.chmod(fresh_env / "caseportal.db", 0o644)
    settings = Settings.from_env(fresh_env)
    assert settings.secret_key == "old-secret"
    assert _mode(fresh_env) == 0o700
    assert _mode(fresh_env / "secret_key") == 0o600
    Database(settings.database_url).dispose()  # the database file is narrowed when it is opened
    assert _mode(fresh_env / "caseportal.db") == 0o600


def test_private_file_never_replaces_content(tmp_path: Path) -> None:
    path = tmp_path / "f"
    assert private_file(path, b"one") and not private_file(path, b"two")
    assert path.read_bytes() == b"one" and _mode(path) == 0o600
