"""The Swedish catalogue keeps up with the code: every string translated, placeholders intact, compiles.

A new ``_()`` string without a Swedish translation fails here with the list of what is missing. To fix it:

    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --add-location=file \\
        --sort-output -c TRANSLATORS: --project=caseportal -o caseportal/translations/messages.pot .
    .venv/bin/pybabel update -i caseportal/translations/messages.pot -d caseportal/translations \\
        --no-fuzzy-matching --width=100
    # translate the new entries in caseportal/translations/sv/LC_MESSAGES/messages.po

(caseportal/i18n.py has the same arguments as EXTRACT_ARGS.)
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask

from caseportal import create_app, i18n
from caseportal.config import REPO_ROOT, Settings

SV_PO = i18n.TRANSLATIONS_DIR / "sv" / "LC_MESSAGES" / "messages.po"
#: A printf conversion: %(name)s, %s, %d, %.1f ... and the literal %%.
CONVERSION = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _key(msg: Message) -> str:
    return msg.id if isinstance(msg.id, str) else msg.id[0]


def _conversions(text: str) -> list[str]:
    return sorted(m.group(0) for m in CONVERSION.finditer(text))


def _stray_percent(text: str) -> bool:
    """A % that is not part of a conversion: Jinja's gettext always %-formats, so it would break the page."""
    return "%" in CONVERSION.sub("", text)


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The strings in the code and templates right now, extracted exactly as the documented command does."""
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    i18n.extract_messages(out)
    return _read(out)


@pytest.fixture(scope="module")
def sv() -> Catalog:
    return _read(SV_PO)


def test_extraction_finds_python_templates_and_plurals(fresh_pot: Catalog) -> None:
    where = {loc[0] for m in fresh_pot for loc in m.locations}
    assert any(w.endswith(".html") for w in where), "no template strings extracted: check babel.cfg"
    assert any(w.startswith("caseportal/services/") for w in where), "service messages not extracted"
    assert any(w.startswith("caseportal/web/") for w in where)
    plurals = [m for m in fresh_pot if m.pluralizable]
    assert any(m.id[0] == "Your taster case" for m in plurals), "ngettext in templates not extracted as plural"
    assert len(fresh_pot) > 500


def test_every_message_has_a_swedish_translation(fresh_pot: Catalog, sv: Catalog) -> None:
    missing, fuzzy, empty, wrong_kind = [], [], [], []
    for msg in fresh_pot:
        if not msg.id:
            continue
        got = sv.get(msg.id)
        if got is None:
            missing.append(_key(msg))
        elif got.fuzzy:
            fuzzy.append(_key(msg))
        elif got.pluralizable != msg.pluralizable:
            wrong_kind.append(_key(msg))
        elif not all(s.strip() for s in ((got.string,) if isinstance(got.string, str) else got.string)):
            empty.append(_key(msg))
    report = "\n".join(
        f"{title} ({len(items)}):\n" + "\n".join(f"  {item!r}" for item in items)
        for title, items in (("not in sv/messages.po", missing), ("fuzzy", fuzzy), ("empty", empty),
                             ("singular/plural mismatch (run pybabel update)", wrong_kind)) if items)
    assert not report, "Swedish translations are incomplete; see this module's docstring.\n" + report


def test_placeholders_survive_translation(sv: Catalog) -> None:
    problems = []
    for msg in sv:
        if not msg.id or not msg.string:
            continue
        if isinstance(msg.id, str):
            pairs = [(msg.id, msg.string)]
        else:
            assert len(msg.string) == 2, f"Swedish has two plural forms: {msg.id!r}"
            pairs = list(zip(msg.id, msg.string, strict=True))
        for source, translated in pairs:
            want, got = _conversions(source), _conversions(translated)
            if not msg.pluralizable:
                ok = want == got
            else:  # a plural form may leave out the count ("ett case"), never add or change a name
                ok = [c for c in got if c != "%(num)s"] == [c for c in want if c != "%(num)s"]
            if not ok or _stray_percent(translated):
                problems.append(f"{source!r}\n    -> {translated!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_catalogue_header_and_checks(sv: Catalog) -> None:
    assert str(sv.locale) == "sv"
    assert sv.num_plurals == 2 and sv.plural_expr == "(n != 1)"
    errors = [(m.id, errs) for m, errs in sv.check()]
    assert not errors


def test_no_mo_files_are_committed() -> None:
    gitignore = (i18n.TRANSLATIONS_DIR.parent.parent / ".gitignore").read_text(encoding="utf-8").split()
    assert "*.mo" in gitignore


def test_po_compiles_and_only_when_stale(tmp_path: Path) -> None:
    target = tmp_path / "sv" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(SV_PO, target / "messages.po")

    written = i18n.compile_translations(directory=tmp_path)
    assert written == [target / "messages.mo"]
    translations = Translations.load(str(tmp_path), ["sv"])
    assert translations.gettext("Log in") == "Logga in"
    assert translations.ngettext("Your taster case", "Your taster cases", 2) == "Dina case"

    assert i18n.compile_translations(directory=tmp_path) == []  # up to date: only a stat
    later = (target / "messages.mo").stat().st_mtime + 10
    os.utime(target / "messages.po", (later, later))
    assert i18n.compile_translations(directory=tmp_path) == [target / "messages.mo"]
    assert i18n.compile_translations(force=True, directory=tmp_path) == [target / "messages.mo"]
    assert not list(target.glob("*.tmp"))


def test_create_app_compiles_a_fresh_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No .mo is committed: create_app compiles it, so Swedish works on a fresh clone with no build step."""
    fresh = tmp_path / "translations"
    (fresh / "sv" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(SV_PO, fresh / "sv" / "LC_MESSAGES" / "messages.po")
    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", fresh)
    app = create_app(Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases"))
    app.extensions["caseportal.db"].dispose()
    mo = fresh / "sv" / "LC_MESSAGES" / "messages.mo"
    assert mo.is_file() and mo.stat().st_mode & 0o444 == 0o444  # readable by a web process of another user


def test_a_read_only_install_keeps_serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           caplog: pytest.LogCaptureFixture) -> None:
    def refuse(*_args: object, **_kwargs: object) -> list[Path]:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(i18n, "compile_translations", refuse)
    assert i18n.ensure_compiled() == []
    assert "could not compile the translations" in caplog.text


# --------------------------------------------------------------------------- translating outside templates


def test_service_gettext_is_plain_english_outside_the_web_app() -> None:
    assert i18n.gettext("Hello %(name)s,", name="Ada") == "Hello Ada,"
    assert i18n.gettext("100% sure") == "100% sure"  # without parameters nothing is formatted
    assert i18n.ngettext("%(num)s byte", "%(num)s bytes", 1) == "1 byte"
    assert i18n.ngettext("%(num)s byte", "%(num)s bytes", 3) == "3 bytes"
    assert i18n.N_("Nothing was saved.") == "Nothing was saved."
    with i18n.default_language():
        assert i18n.gettext("Log in") == "Log in"


@contextmanager
def visiting(app: Flask, **headers: str) -> Iterator[None]:
    """A request of its own (a fresh app context and ``g``, where Flask-Babel caches the locale)."""
    with app.app_context(), app.test_request_context("/", headers=headers):
        yield


def test_service_gettext_follows_the_visitor(app: Flask) -> None:
    assert i18n.select_locale() == "en"  # app context but no request: the default
    with visiting(app, **{"Accept-Language": "sv"}):
        assert i18n.select_locale() == "sv"
        assert i18n.gettext("Hello %(name)s,", name="Ada") == "Hej Ada!"
        assert i18n.ngettext("%(num)s byte", "%(num)s bytes", 3) == "3 byte"
        with i18n.default_language():
            assert i18n.gettext("Hello %(name)s,", name="Ada") == "Hello Ada,"
        assert i18n.gettext("Log in") == "Logga in"
    with visiting(app, **{"Accept-Language": "sv", "Cookie": "lang=en"}):
        assert i18n.select_locale() == "en"
        assert i18n.gettext("Log in") == "Log in"
    with visiting(app, **{"Accept-Language": "de", "Cookie": "lang=xx"}):
        assert i18n.select_locale() == "en"


def test_domain_errors_from_services_are_translated(app: Flask) -> None:
    from caseportal.services import uploads
    from caseportal.services.errors import Invalid

    limits = uploads.Limits(max_file_bytes=10, max_submission_bytes=100, max_files=3, max_archive_ratio=50)
    with pytest.raises(Invalid) as english:
        uploads.check_file_size("data.csv", 2048, limits)
    assert english.value.message == "‘data.csv’ is 2 KB; files may be at most 10 bytes. Nothing was saved."
    with visiting(app, **{"Accept-Language": "sv"}), pytest.raises(Invalid) as swedish:
        uploads.check_file_size("data.csv", 2048, limits)
    assert swedish.value.message == "”data.csv” är 2 KB; filer får vara högst 10 byte. Inget sparades."


@pytest.mark.parametrize(("target", "expected"), [
    ("/i/abc?x=1", "/i/abc?x=1"),
    ("http://portal.example/login?next=1", "/login?next=1"),  # our own Referer
    ("https://evil.example/", "/"),
    ("http://portal.example.evil.example/", "/"),
    ("//evil.example", "/"),
    ("///evil.example", "/"),
    ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"),
    ("/\t/evil.example", "/"),  # browsers drop the tab: //evil.example
    ("/\n/evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("login", "/"),
    ("", "/"),
    (None, "/"),
])
def test_safe_next_stays_on_this_site(target: str | None, expected: str) -> None:
    assert i18n.safe_next(target, "/", host="portal.example") == expected
