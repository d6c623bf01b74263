"""Typed, frozen settings read from CASEPORTAL_* environment variables.

Every setting has a default that works on a laptop: SQLite in the instance folder, the SQLite-backed queue,
no mail server (links are shown and logged instead).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CASEPORTAL_{name}", default)


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _load_secret(instance: Path) -> str:
    """A stable secret per instance folder, so sessions and links survive a restart without set-up."""
    env = os.environ.get("CASEPORTAL_SECRET_KEY")
    if env:
        return env
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    """All settings of one caseportal instance (web, worker and CLI read the same ones)."""

    instance_path: Path
    secret_key: str
    database_url: str
    queue_url: str = "sqlite"  # "sqlite" (embedded, a file in the instance folder) or redis://host:port/db
    queue_immediate: bool = False  # run jobs in-process (tests of pure logic only)
    cases_dir: Path = REPO_ROOT / "cases"
    base_url: str = "http://127.0.0.1:5000"
    invitation_days: int = 21
    mail_server: str = ""
    mail_port: int = 25
    mail_sender: str = "caseportal@localhost"
    mail_username: str = ""
    mail_password: str = ""
    mail_tls: bool = False
    max_file_bytes: int = 2 * 1024 * 1024
    max_submission_bytes: int = 10 * 1024 * 1024
    max_files: int = 200
    max_archive_ratio: int = 100
    runs_per_hour: int = 30
    sandbox_runtime: str = ""  # e.g. "runsc" for gVisor; empty means the engine's default
    run_attempts: int = 3
    run_lease_seconds: int = 300
    web_host: str = "127.0.0.1"  # where `caseportal serve` listens unless --host says otherwise
    web_port: int = 5000
    web_processes: int = 2  # gunicorn worker processes
    web_threads: int = 4  # threads per web process (gthread)
    worker_grace_seconds: int = 60  # on SIGTERM a worker finishes its runs this long, then hands them back
    metrics_token: str = ""  # bearer token for /metrics; empty means only loopback may scrape
    log_format: str = "plain"  # "plain" or "json" (JSON lines)
    testing: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_env(cls, instance_path: Path | None = None) -> Settings:
        instance = Path(_env("INSTANCE", str(instance_path or REPO_ROOT / "instance"))).resolve()
        return cls(
            instance_path=instance,
            secret_key=_load_secret(instance),
            database_url=_env("DATABASE_URL", f"sqlite:///{instance / 'caseportal.db'}"),
            queue_url=_env("QUEUE_URL", "sqlite"),
            cases_dir=Path(_env("CASES_DIR", str(REPO_ROOT / "cases"))),
            base_url=_env("BASE_URL", "http://127.0.0.1:5000"),
            invitation_days=_env_int("INVITATION_DAYS", 21),
            mail_server=_env("MAIL_SERVER", ""),
            mail_port=_env_int("MAIL_PORT", 25),
            mail_sender=_env("MAIL_SENDER", "caseportal@localhost"),
            mail_username=_env("MAIL_USERNAME", ""),
            mail_password=_env("MAIL_PASSWORD", ""),
            mail_tls=_env("MAIL_TLS", "0") == "1",
            max_file_bytes=_env_int("MAX_FILE_BYTES", 2 * 1024 * 1024),
            max_submission_bytes=_env_int("MAX_SUBMISSION_BYTES", 10 * 1024 * 1024),
            max_files=_env_int("MAX_FILES", 200),
            runs_per_hour=_env_int("RUNS_PER_HOUR", 30),
            sandbox_runtime=_env("SANDBOX_RUNTIME", ""),
            run_attempts=_env_int("RUN_ATTEMPTS", 3),
            run_lease_seconds=_env_int("RUN_LEASE_SECONDS", 300),
            metrics_token=_env("METRICS_TOKEN", ""),
            log_format=_env("LOG_FORMAT", "plain"),
            web_host=_env("HOST", "127.0.0.1"),
            web_port=_env_int("PORT", 5000),
            web_processes=_env_int("WEB_PROCESSES", 2),
            web_threads=_env_int("WEB_THREADS", 4),
            worker_grace_seconds=_env_int("WORKER_GRACE_SECONDS", 60),
        )

    @classmethod
    def for_tests(cls, instance_path: Path, **overrides: Any) -> Settings:
        """Settings for one test: its own folder, database and queue file."""
        base = cls(
            instance_path=instance_path,
            secret_key="test-secret",
            database_url=f"sqlite:///{instance_path / 'test.db'}",
            testing=True,
        )
        return replace(base, **overrides)

    def with_(self, **overrides: Any) -> Settings:
        return replace(self, **overrides)
