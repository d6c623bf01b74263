"""The run environment a case page shows: versions probed from the runtime image, limits from the case.

Nothing here is typed by hand: the versions come from ``sandbox.images.probe`` (recorded by ``caseportal images
build`` and by each worker at start, since the web process may have no Docker socket), the limits from the
case's ``case.yaml`` through ``case_runs.limits_for``, the same function the worker uses to start the run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseportal.case_runs import limits_for
from caseportal.casebook import CaseSpec
from caseportal.i18n import current_language, gettext, ngettext
from caseportal.models import RuntimeEnvironment, utcnow
from caseportal.services.errors import Invalid

#: How the probe's distribution names are shown, in the order a reader looks for them.
DISPLAY_NAMES: Mapping[str, str] = {
    "numpy": "NumPy", "pandas": "pandas", "scikit-learn": "scikit-learn", "matplotlib": "Matplotlib",
    "nbclient": "nbclient", "chromium": "Chromium", "pytest": "pytest", "sqlite": "SQLite",
}
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_VERSION = re.compile(r"[0-9][0-9A-Za-z.+~-]{0,63}")
_RUNTIME = re.compile(r"[a-z][a-z0-9_-]{0,31}")


@dataclass(frozen=True)
class Fact:
    """One line of the box: a label and its value, both ready to print."""

    label: str
    value: str


@dataclass(frozen=True)
class EnvironmentView:
    """What the run-environment box shows for one case."""

    runtime: str
    python: str | None
    packages: tuple[Fact, ...]
    limits: tuple[Fact, ...]
    image_ref: str | None = None
    recorded_at: datetime | None = None

    @property
    def recorded(self) -> bool:
        """False until an image of this runtime has been probed: then only the limits are known."""
        return self.python is not None


def _checked_facts(facts: Any) -> dict[str, Any]:
    """The facts as stored, or Invalid: a malformed report must not reach a candidate's page."""
    if not isinstance(facts, Mapping):
        raise Invalid(gettext("The runtime facts must be an object."))
    python = facts.get("python")
    packages = facts.get("packages", {})
    if not isinstance(python, str) or not _VERSION.fullmatch(python):
        raise Invalid(gettext("The runtime facts have no readable Python version."))
    if not isinstance(packages, Mapping) or not all(
            isinstance(k, str) and _NAME.fullmatch(k) and isinstance(v, str) and _VERSION.fullmatch(v)
            for k, v in packages.items()):
        raise Invalid(gettext("The runtime facts list a package without a readable name and version."))
    checked: dict[str, Any] = {"python": python, "packages": dict(sorted(packages.items()))}
    if isinstance(facts.get("image_id"), str):
        checked["image_id"] = facts["image_id"][:100]
    return checked


def _find(session: Session, runtime: str, image_ref: str) -> RuntimeEnvironment | None:
    return session.scalar(select(RuntimeEnvironment).where(RuntimeEnvironment.runtime == runtime,
                                                           RuntimeEnvironment.image_ref == image_ref))


def record(session: Session, runtime: str, image_ref: str, facts: Mapping[str, Any]) -> RuntimeEnvironment:
    """Store what a probe of ``image_ref`` found; it becomes the runtime's current environment.

    Probing the same image again refreshes its row. Two recorders at once (two workers starting) are
    settled by the unique constraint: the loser updates the winner's row.
    """
    if not isinstance(runtime, str) or not _RUNTIME.fullmatch(runtime) or runtime == "none":
        raise Invalid(gettext("Unknown runtime %(name)s.", name=repr(runtime)[:40]))
    if not isinstance(image_ref, str) or not image_ref.strip() or len(image_ref) > 200:
        raise Invalid(gettext("The image reference must be 1 to 200 characters."))
    checked = _checked_facts(facts)
    row = _find(session, runtime, image_ref)
    if row is None:
        try:
            with session.begin_nested():
                row = RuntimeEnvironment(runtime=runtime, image_ref=image_ref, facts=checked, recorded_at=utcnow())
                session.add(row)
        except IntegrityError:
            row = _find(session, runtime, image_ref)
            assert row is not None  # the other recorder's row, which made ours conflict
        else:
            return row
    row.facts = checked
    row.recorded_at = utcnow()
    session.flush()
    return row


def current(session: Session, runtime: str) -> RuntimeEnvironment | None:
    """The newest recorded environment of ``runtime`` (None before any image was probed)."""
    return session.scalar(select(RuntimeEnvironment).where(RuntimeEnvironment.runtime == runtime)
                          .order_by(RuntimeEnvironment.recorded_at.desc(), RuntimeEnvironment.id.desc()).limit(1))


def is_current(session: Session, runtime: str, image_ref: str, image_id: str | None) -> bool:
    """True when this very image (ref and engine id) is already what ``runtime`` shows: no need to probe it."""
    row = current(session, runtime)
    return row is not None and row.image_ref == image_ref and image_id is not None \
        and row.facts.get("image_id") == image_id


def _number(value: float) -> str:
    """1.5 -> "1.5" in English, "1,5" in Swedish; at most one decimal."""
    return format_decimal(round(value, 1), format="#,##0.#", locale=current_language())


def _memory(memory_mb: int) -> str:
    if memory_mb >= 1024:
        return f"{_number(memory_mb / 1024)} GB"
    return f"{memory_mb} MB"


def limit_facts(case: CaseSpec) -> tuple[Fact, ...]:
    """The case's run limits as people read them (the values the worker starts the container with)."""
    limits = limits_for(case)
    return (
        Fact(gettext("Time limit per run"), f"{_number(limits.timeout_s)} s"),
        Fact(gettext("Memory"), _memory(limits.memory_mb)),
        Fact(gettext("Processor"), ngettext("%(cpus)s CPU core", "%(cpus)s CPU cores",
                                            1 if limits.cpus <= 1 else 2, cpus=_number(limits.cpus))),
        Fact(gettext("Processes and threads"), gettext("at most %(n)s", n=limits.pids)),
    )


def _package_facts(packages: Mapping[str, str]) -> tuple[Fact, ...]:
    order = list(DISPLAY_NAMES)
    names = sorted(packages, key=lambda n: (order.index(n) if n in order else len(order), n))
    return tuple(Fact(DISPLAY_NAMES.get(n, n), packages[n]) for n in names)


def environment_for(session: Session, case: CaseSpec) -> EnvironmentView | None:
    """The box for ``case``: None for ``runtime: none`` (nothing runs); limits only until an image is probed."""
    if case.runtime == "none":
        return None
    row = current(session, case.runtime)
    if row is None:
        return EnvironmentView(runtime=case.runtime, python=None, packages=(), limits=limit_facts(case))
    facts = row.facts or {}
    return EnvironmentView(runtime=case.runtime, python=str(facts.get("python") or "") or None,
                           packages=_package_facts(dict(facts.get("packages") or {})), limits=limit_facts(case),
                           image_ref=row.image_ref, recorded_at=row.recorded_at)
