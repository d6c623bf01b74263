"""Languages: which one a visitor sees, translating outside templates, and keeping the catalogues compiled.

The visitor's explicit choice (the ``lang`` cookie, set by ``POST /lang/<code>``) wins, else the browser's
Accept-Language, else English. Templates and web code use Flask-Babel directly (``_``, ``_l``, ``ngettext``).

Services must not depend on Flask, yet many of their messages (domain errors, generated talking points, the
invitation email) reach a person. They use :func:`gettext` / :func:`ngettext` / :func:`N_` from here: inside a
request these translate into the visitor's language through Flask-Babel; anywhere else (CLI, worker, plain unit
tests) they return the English text, formatted the same way. Flask is only consulted when a message is built,
so services keep working without a web app.

Catalogues live in ``caseportal/translations/<lang>/LC_MESSAGES/messages.po``; the compiled ``.mo`` files are
build output (not committed). :func:`compile_translations` rebuilds the stale ones and runs from ``create_app``:
a ``stat`` per catalogue when nothing changed, so a fresh clone or an edited ``.po`` just works.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

LANGUAGES = ("en", "sv")
DEFAULT_LANGUAGE = "en"
COOKIE_NAME = "lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
#: The extraction command, also used by the test that checks every message is translated:
#: ``.venv/bin/pybabel extract <EXTRACT_ARGS> -o caseportal/translations/messages.pot .`` from the repo root.
EXTRACT_ARGS = ("-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2",
                "--add-location=file", "--sort-output", "-c", "TRANSLATORS:", "--project=caseportal")

log = logging.getLogger(__name__)


def select_locale() -> str:
    """Flask-Babel's locale selector: cookie, else Accept-Language, else English (also outside requests)."""
    from flask import has_request_context, request

    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = request.cookies.get(COOKIE_NAME)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def safe_next(target: str | None, default: str, host: str | None = None) -> str:
    """Where to go back to after switching language: a path on this site, else ``default``.

    Refuses anything a browser could read as another site: other schemes or hosts, ``//host``, backslashes and
    control characters (browsers drop a tab or newline, so ``/<TAB>/evil.example`` would become
    ``//evil.example``). An absolute URL on ``host`` (e.g. the Referer) is reduced to its path.
    """
    if not target or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if host is None or parts.scheme not in ("http", "https") or parts.netloc != host:
            return default
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    if not target.startswith("/") or target.startswith("//"):
        return default
    return target


# --------------------------------------------------------------------------- translating outside the web layer


def _babel_active() -> bool:
    from flask import current_app, has_app_context

    return has_app_context() and "babel" in current_app.extensions


def N_(msgid: str) -> str:  # noqa: N802 - the conventional gettext marker name, known to the extractor
    """Mark a constant for extraction without translating it yet; translate with :func:`gettext` when used."""
    return msgid


def gettext(msgid: str, **params: object) -> str:
    """The message in the visitor's language (English outside a request), ``%(name)s`` filled from params."""
    if _babel_active():
        from flask_babel import gettext as babel_gettext

        text: str = babel_gettext(msgid, **params)  # flask_babel is untyped
        return text
    return msgid % params if params else msgid


def ngettext(singular: str, plural: str, num: int, **params: object) -> str:
    """Singular or plural by ``num`` (also available as ``%(num)s``), in the visitor's language."""
    if _babel_active():
        from flask_babel import ngettext as babel_ngettext

        text: str = babel_ngettext(singular, plural, num, **params)  # flask_babel is untyped
        return text
    params.setdefault("num", num)
    return (singular if num == 1 else plural) % params


def current_language() -> str:
    """The visitor's language inside a request with Babel, else the default."""
    if _babel_active():
        from flask_babel import get_locale

        loc = get_locale()
        return getattr(loc, "language", None) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


@contextmanager
def default_language() -> Iterator[None]:
    """Text for someone other than the visitor (a stored notification, a colleague's email): the site's language.

    We do not know a staff member's language yet (there is no per-user setting), so text that is stored or sent
    to them while somebody else is browsing uses the app's default locale instead of the visitor's.
    """
    if not _babel_active():
        yield
        return
    from flask import current_app
    from flask_babel import force_locale

    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or DEFAULT_LANGUAGE):
        yield


@contextmanager
def language(code: str) -> Iterator[None]:
    """Text for a reader whose language we know (a talking point said to the candidate): ``code``'s catalogue.

    An unknown code means English; outside a request with Babel nothing changes (the text is English anyway).
    """
    if not _babel_active():
        yield
        return
    from flask_babel import force_locale

    with force_locale(code if code in LANGUAGES else DEFAULT_LANGUAGE):
        yield


# --------------------------------------------------------------------------- catalogues


def compile_translations(force: bool = False, directory: Path | None = None) -> list[Path]:
    """Compile every ``*.po`` under ``directory`` whose ``.mo`` is missing or older; returns the files written.

    Uses Babel's Python API (no msgfmt needed). Fuzzy entries are left out, as gettext does. Each ``.mo`` is
    written to a temporary file and renamed, so parallel test processes or workers never read half a file.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written: list[Path] = []
    for po in sorted((directory or TRANSLATIONS_DIR).glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as src:
            catalog = read_po(src, locale=po.parent.parent.name)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                write_mo(out, catalog, use_fuzzy=False)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the web process may run as another user
            os.replace(tmp, mo)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(mo)
    return written


def ensure_compiled() -> list[Path]:
    """``compile_translations`` for app start-up: a read-only install keeps whatever ``.mo`` files it has."""
    try:
        written = compile_translations()
    except OSError as exc:
        log.warning("could not compile the translations in %s: %s", TRANSLATIONS_DIR, exc)
        return []
    for mo in written:
        log.info("compiled %s", mo)
    return written


def extract_messages(output: Path, root: Path | None = None) -> None:
    """Write a fresh ``.pot`` of every translatable string in the code and templates (Babel's own CLI).

    Runs in a subprocess so that babel.cfg's repo-relative patterns apply without changing this process's cwd.
    """
    root = root or TRANSLATIONS_DIR.parent.parent
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", *EXTRACT_ARGS,
                    "-o", str(output), "."], cwd=root, check=True)
