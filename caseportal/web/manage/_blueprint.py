"""The manager's blueprint, and the labels every manage template shows (stages, case kinds, runtimes, offer)."""

from __future__ import annotations

from flask import Blueprint

from caseportal.web.labels import KIND_LABELS, OFFER_LABELS, RUNTIME_LABELS, STAGE_LABELS

bp = Blueprint("manage", __name__)


@bp.context_processor
def _manage_globals() -> dict[str, object]:
    """The same labels on every manage page, so templates never spell out a stage or kind themselves."""
    return {"stage_labels": STAGE_LABELS, "kind_labels": KIND_LABELS, "runtime_labels": RUNTIME_LABELS,
            "offer_labels": OFFER_LABELS}
