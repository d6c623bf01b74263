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


def private_folder(path: Path) -> None:
    """The instance folder, readable by its owner only (0700) from the moment it exists; an older, wider one is
    narrowed. Its parents are made as usual."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, 0o700)  # the mode applies at creation (the umask can only narrow it)
    except FileExistsError:
        pass
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


def private_file(path: Path, content: bytes = b"") -> bool:
    """Create ``path`` with mode 0600 in one step (no moment with a wider mode), writing ``content``; False when
    it already existed (then only a wider mode is narrowed)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return False
    with os.fdopen(fd, "wb") as f:
        f.write(content)
    return True


def _load_secret(instance: Path) -> str:
    """A stable secret per instance folder, so sessions and links survive a restart without set-up."""
    private_folder(instance)  # also holds the database and the queue, whatever the secret's source
    env = os.environ.get("CASEPORTAL_SECRET_KEY")
    if env:
        return env
    path = instance / "secret_key"
    private_file(path, secrets.token_hex(32).encode())
    return path.read_text().strip()


def private_sqlite(url: str) -> str:
    """A SQLite database file is created empty with mode 0600 before SQLite opens it; SQLite then gives its
    journal the same mode."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix):] not in ("", ":memory:"):
        path = Path(url[len(prefix):].split("?", 1)[0])
        if path.parent.is_dir():
            private_file(path)
    return url


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
    sandbox_pool_size: int = 2  # warm sandboxes kept ready per runtime image and shape; 0 turns the pool off
    run_attempts: int = 3
    run_lease_seconds: int = 300
    web_host: str = "127.0.0.1"  # where `caseportal serve` listens unless --host says otherwise
    web_port: int = 5000
    web_processes: int = 2  # gunicorn worker processes
    web_threads: int = 4  # threads per web process (gthread)
    worker_grace_seconds: int = 60  # on SIGTERM a worker finishes its runs this long, then hands them back
    metrics_token: str = ""  # bearer token for /metrics; empty means only loopback may scrape
    log_format: str = "plain"  # "plain" or "json" (JSON lines)
    # Security (README "Security"): failed sign-ins allowed per account and per address in a moving window, and
    # how many proxies in front may set X-Forwarded-For/-Proto (0: none is trusted).
    login_failures_per_account: int = 10
    login_failures_per_address: int = 50
    login_window_minutes: int = 15
    trusted_proxies: int = 0
    # Privacy (README "Privacy and retention"): candidate data is erased this long after the meeting closed (or its
    # last activity), a withdrawal erases after the grace period (0: at once), and the notice names the controller.
    retention_months: int = 24
    withdrawal_grace_days: int = 0
    privacy_controller: str = ""
    privacy_contact: str = ""
    # Webhooks and ATS partners (README "Webhooks and ATS partners"): attempts per delivery, the first retry's
    # pause (doubled each time), the HTTP timeout, and the Teamtailor partner API key for result updates.
    webhook_attempts: int = 8
    webhook_backoff_seconds: float = 30.0
    webhook_timeout_seconds: float = 10.0
    teamtailor_partner_key: str = ""
    # Hosts (and their subdomains) an ATS may name as its callback: caseportal sends requests there, so an ATS
    # customer's key must not be able to point them at the internal network.
    partner_callback_hosts: str = "greenhouse.io teamtailor.com"
    # JSON API (README "JSON API"): requests each API key may make per minute (fixed window).
    api_requests_per_minute: int = 120
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
            sandbox_pool_size=_env_int("SANDBOX_POOL_SIZE", 2),
            run_attempts=_env_int("RUN_ATTEMPTS", 3),
            run_lease_seconds=_env_int("RUN_LEASE_SECONDS", 300),
            metrics_token=_env("METRICS_TOKEN", ""),
            log_format=_env("LOG_FORMAT", "plain"),
            webhook_attempts=_env_int("WEBHOOK_ATTEMPTS", 8),
            webhook_backoff_seconds=float(_env("WEBHOOK_BACKOFF_SECONDS", "30")),
            teamtailor_partner_key=_env("TEAMTAILOR_PARTNER_KEY", ""),
            partner_callback_hosts=_env("PARTNER_CALLBACK_HOSTS", "greenhouse.io teamtailor.com"),
            api_requests_per_minute=_env_int("API_REQUESTS_PER_MINUTE", 120),
            web_host=_env("HOST", "127.0.0.1"),
            web_port=_env_int("PORT", 5000),
            web_processes=_env_int("WEB_PROCESSES", 2),
            web_threads=_env_int("WEB_THREADS", 4),
            worker_grace_seconds=_env_int("WORKER_GRACE_SECONDS", 60),
            login_failures_per_account=_env_int("LOGIN_FAILURES_PER_ACCOUNT", 10),
            login_failures_per_address=_env_int("LOGIN_FAILURES_PER_ADDRESS", 50),
            login_window_minutes=_env_int("LOGIN_WINDOW_MINUTES", 15),
            trusted_proxies=_env_int("TRUSTED_PROXIES", 0),
            retention_months=_env_int("RETENTION_MONTHS", 24),
            withdrawal_grace_days=_env_int("WITHDRAWAL_GRACE_DAYS", 0),
            privacy_controller=_env("PRIVACY_CONTROLLER", ""),
            privacy_contact=_env("PRIVACY_CONTACT", ""),
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
