"""caseportal: candidate meetings with real taster cases."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .config import Settings


def create_app(settings: Settings | None = None, **flask_config: Any) -> Flask:
    """Build the web app: a short list of init steps, no I/O beyond opening the database and case library."""
    from . import web
    from .casebook import load_library
    from .db import Database
    from .extensions import babel, csrf, login_manager
    from .i18n import ensure_compiled, select_locale
    from .jobs import build_queue
    from .permissions import init_login

    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Uploads above the submission cap are refused before they reach a view (413 with a clear page).
        MAX_CONTENT_LENGTH=settings.max_submission_bytes + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="en",
        TESTING=settings.testing,
    )
    app.config.update(flask_config)
    app.extensions["caseportal.settings"] = settings
    database = Database(settings.database_url)
    app.extensions["caseportal.db"] = database
    app.extensions["caseportal.casebook"] = load_library(settings.cases_dir)
    app.extensions["caseportal.queue"] = build_queue(settings, database)

    csrf.init_app(app)
    login_manager.init_app(app)
    init_login(app)
    # Compiles a catalogue only when its .mo is missing or older than the .po (one stat each otherwise), so a
    # fresh clone or an edited translation works without a build step; never at import time.
    ensure_compiled()
    babel.init_app(app, locale_selector=select_locale)
    web.init_app(app)

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        database.session.remove()

    return app
