"""`caseportal ...`: the one entry point for people and scripts; every command calls the same services."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import click

from .config import Settings


def _settings() -> Settings:
    return Settings.from_env()


@click.group()
def main() -> None:
    """caseportal: candidate meetings with real taster cases."""
    logging.basicConfig(level=os.environ.get("CASEPORTAL_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


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
@click.password_option(envvar="CASEPORTAL_NEW_PASSWORD")
def users_create(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account (admins can also do this in the UI)."""
    from .db import Database
    from .models import StaffRole
    from .services import users as users_service
    from .services.errors import DomainError

    database = Database(_settings().database_url)
    try:
        with database.begin() as s:
            user = users_service.create_user(s, email=email, name=name, role=StaffRole(role), password=password)
            click.echo(f"created {user.role.value} {user.email}")
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


# --------------------------------------------------------------------------- serving


@main.command()
@click.option("--workers", default=2, show_default=True, help="parallel runs in this worker")
def worker(workers: int) -> None:
    """Run a queue worker (needs the Docker socket; the web process never does)."""
    from .worker import serve as serve_worker

    serve_worker(_settings(), workers=workers)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the web app (threaded; put a real WSGI server in front for production)."""
    from . import create_app

    create_app(_settings()).run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", default=2, show_default=True)
@click.option("--skip-images", is_flag=True, help="do not build the sandbox images")
def up(host: str, port: int, workers: int, skip_images: bool) -> None:
    """Set up and start everything on the embedded defaults: schema, images, demo data, worker, web."""
    os.environ.setdefault("CASEPORTAL_BASE_URL", f"http://{host}:{port}")
    settings = _settings()
    upgrade_database(settings)
    if not skip_images:
        from sandbox.images.build import ensure_images

        ensure_images(None, base_source=os.environ.get("CASEPORTAL_BASE_IMAGE") or "debootstrap", log=click.echo)
    _print_demo(settings)
    exe = [sys.executable, "-m", "caseportal.cli"]
    procs = [
        subprocess.Popen([*exe, "worker", "--workers", str(workers)]),
        subprocess.Popen([*exe, "serve", "--host", host, "--port", str(port)]),
    ]
    click.echo(f"caseportal is running at {settings.base_url}/login (Ctrl-C stops it)")

    def _stop(*_: object) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)

    signal.signal(signal.SIGTERM, _stop)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        _stop()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()



