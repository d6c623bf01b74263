"""`caseportal ...`: the one entry point for people and scripts; every command calls the same services."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click

from .cli_ops import register as cli_ops_register
from .cli_privacy import register as cli_privacy_register
from .config import Settings


def _settings() -> Settings:
    return Settings.from_env()


@click.group()
def main() -> None:
    """caseportal: candidate meetings with real taster cases."""
    from .logs import configure

    try:
        configure(os.environ.get("CASEPORTAL_LOG_LEVEL", "INFO"), os.environ.get("CASEPORTAL_LOG_FORMAT", "plain"))
    except ValueError as err:
        raise click.UsageError(str(err)) from None


# --------------------------------------------------------------------------- database


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


def upgrade_database(settings: Settings) -> None:
    """Bring the schema to head; the app factory never migrates by itself."""
    from alembic import command

    from .migrate import alembic_config

    settings.instance_path.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url), "head")


@db.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the database to the newest schema."""
    upgrade_database(_settings())
    click.echo("database is at the newest revision")


# --------------------------------------------------------------------------- people and demo


@main.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice(["admin", "manager", "reviewer"]), default="reviewer")
@click.option("--employer", "employer_names", multiple=True, metavar="NAME",
              help="tie the account to this employer (repeatable); without it the account sees every employer")
@click.password_option(envvar="CASEPORTAL_NEW_PASSWORD")
def users_create(email: str, name: str, role: str, employer_names: tuple[str, ...], password: str) -> None:
    """Create a staff account (admins can also do this in the UI).

    With --employer the account is tied: it sees only those employers' roles, meetings and candidates (a client's
    hiring manager); without, it is firm-wide (a consultant).
    """
    from .db import Database
    from .models import StaffRole
    from .services import users as users_service
    from .services.errors import DomainError

    database = Database(_settings().database_url)
    try:
        with database.begin() as s:
            user = users_service.create_user(s, email=email, name=name, role=StaffRole(role), password=password)
            tied = users_service.employers_by_name(s, employer_names)
            if tied:
                users_service.set_access(s, user, firm_wide=False, employer_ids=[e.id for e in tied])
            sees = ", ".join(e.name for e in tied) if tied and not user.firm_wide else "every employer"
            click.echo(f"created {user.role.value} {user.email} (sees: {sees})")
    except DomainError as err:
        raise click.ClickException(err.message) from err


@main.command()
def demo() -> None:
    """Seed demo staff, a role, a meeting with cases, and print the logins and the invitation link."""
    _print_demo(_settings())


def _print_demo(settings: Settings) -> None:
    from .casebook import load_library
    from .db import Database
    from .services.demo import seed_demo

    database = Database(settings.database_url)
    with database.begin() as s:
        info = seed_demo(s, settings, load_library(settings.cases_dir))
    click.echo("")
    click.echo(f"caseportal is at {settings.base_url}/login")
    click.echo("Staff logins (email / password):")
    for email, password in info.logins:
        click.echo(f"  {email} / {password or '(unchanged since first seeded)'}")
    click.echo(f"Candidate invitation link: {info.invitation_url}")
    click.echo("")


# --------------------------------------------------------------------------- images and sandbox


@main.group()
def images() -> None:
    """Sandbox runtime images."""


@images.command("build")
@click.option("--runtime", "runtimes", multiple=True, help="python, datasci, browser (default: all)")
@click.option("--base", default=None, help="'debootstrap' (default) or an image from a registry")
def images_build(runtimes: tuple[str, ...], base: str | None) -> None:
    """Build the runtime images (only what changed since the last build) and record what each one carries."""
    from sandbox.images.build import ensure_images

    from .environments import record_built_images

    refs = ensure_images(list(runtimes) or None, base_source=base or os.environ.get("CASEPORTAL_BASE_IMAGE")
                         or "debootstrap", log=click.echo)
    for runtime, ref in sorted(refs.items()):
        click.echo(f"{runtime}: {ref}")
    record_built_images(_settings().database_url, refs, say=click.echo)  # what case pages show as run environment


def _register_case_groups() -> None:
    from .cli_cases import cases_cli, sandbox_cli

    main.add_command(cases_cli, "cases")
    main.add_command(sandbox_cli, "sandbox")


_register_case_groups()
cli_ops_register(main)
cli_privacy_register(main)


# --------------------------------------------------------------------------- serving


@main.command()
@click.option("--workers", default=2, show_default=True, help="parallel runs in this worker")
def worker(workers: int) -> None:
    """Run a queue worker (needs the Docker socket; the web process never does)."""
    from .worker import serve as serve_worker

    serve_worker(_settings(), workers=workers)


@main.command()
@click.option("--host", default=None, help="listen address  [default: CASEPORTAL_HOST or 127.0.0.1]")
@click.option("--port", type=int, default=None, help="port  [default: CASEPORTAL_PORT or 5000]")
@click.option("--dev", is_flag=True, help="Werkzeug's development server instead of gunicorn (one process)")
def serve(host: str | None, port: int | None, dev: bool) -> None:
    """Serve the web app with gunicorn (CASEPORTAL_WEB_PROCESSES x CASEPORTAL_WEB_THREADS); SIGTERM stops it."""
    settings = _settings()
    host, port = host or settings.web_host, port or settings.web_port
    if dev:
        from . import create_app

        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # Werkzeug has no SIGTERM handler of its own
        create_app(settings).run(host=host, port=port, threaded=True, use_reloader=False)
        return
    from .server import serve as serve_web

    serve_web(settings, host, port)


@main.command()
@click.option("--host", default=None, help="listen address  [default: CASEPORTAL_HOST or 127.0.0.1]")
@click.option("--port", type=int, default=None, help="port  [default: CASEPORTAL_PORT or 5000]")
@click.option("--workers", default=2, show_default=True)
@click.option("--skip-images", is_flag=True, help="do not build the sandbox images")
@click.option("--dev", is_flag=True, help="serve with Werkzeug's development server")
def up(host: str | None, port: int | None, workers: int, skip_images: bool, dev: bool) -> None:
    """Set up and start everything on the embedded defaults: schema, images, demo data, worker, web.

    SIGTERM or Ctrl-C stops both children gracefully (the worker finishes its runs in hand) and waits for them.
    """
    defaults = _settings()
    host, port = host or defaults.web_host, port or defaults.web_port
    os.environ.setdefault("CASEPORTAL_BASE_URL", f"http://{host}:{port}")
    settings = _settings()
    upgrade_database(settings)
    if not skip_images:
        from sandbox.images.build import ensure_images

        ensure_images(None, base_source=os.environ.get("CASEPORTAL_BASE_IMAGE") or "debootstrap", log=click.echo)
    _print_demo(settings)
    exe = [sys.executable, "-m", "caseportal.cli"]
    # Each child leads its own process group: a terminal's Ctrl-C reaches only `up`, which stops them in order,
    # and a group that outlives its leader can still be ended as a whole.
    commands = [[*exe, "worker", "--workers", str(workers)],
                [*exe, "serve", "--host", host, "--port", str(port), *(["--dev"] if dev else [])]]
    procs = [subprocess.Popen(c, start_new_session=True) for c in commands]
    click.echo(f"caseportal is running at {settings.base_url}/login (Ctrl-C stops it)")
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while not stopping and all(p.poll() is None for p in procs):
        time.sleep(0.2)
    ended = [c[3] for c, p in zip(commands, procs, strict=True) if p.poll() is not None]
    _stop_children(procs, grace_s=settings.worker_grace_seconds + 15)
    if ended and not stopping:
        raise click.ClickException(f"caseportal {' and '.join(ended)} stopped by itself; see its log above")


def _stop_children(procs: list[subprocess.Popen[bytes]], grace_s: float) -> None:
    """SIGTERM to each child, wait up to grace_s, then end each child's whole process group."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for p in procs:
        try:
            p.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        try:
            os.killpg(p.pid, signal.SIGKILL)  # anything the child left in its group
        except (ProcessLookupError, PermissionError):
            pass


if __name__ == "__main__":
    main()



