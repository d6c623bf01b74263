"""Evaluating the ticket-routing model: the functions our checks call (reference solution)."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

QUEUES = ("billing", "delivery", "returns", "account", "technical")
HUMAN = "human"  # what route() returns for a ticket that goes to human triage

MISROUTE_COST = 60.0  # kr: a ticket routed to the wrong team
HUMAN_COST = 8.0  # kr: a ticket read and routed by a triage agent
CORRECT_COST = 0.0  # kr: a ticket routed straight to the right team


def data_dir() -> Path:
    """Where the CSV files are: /case/data in the sandbox, or a data/ folder next to this file."""
    in_sandbox = Path(os.environ.get("CASEPORTAL_CASE", "/case")) / "data"
    return in_sandbox if in_sandbox.is_dir() else Path(__file__).resolve().parent / "data"


def load_tickets() -> list[dict]:
    """All 400 tickets: ticket_id, channel, text, model_label and model_confidence (a float)."""
    with (data_dir() / "tickets.csv").open(encoding="utf-8", newline="") as fh:
        return [{**row, "model_confidence": float(row["model_confidence"])} for row in csv.DictReader(fh)]


def load_labelled() -> list[dict]:
    """The 150 tickets Support labelled by hand: each ticket with its human_label added."""
    with (data_dir() / "labelled_sample.csv").open(encoding="utf-8", newline="") as fh:
        labels = {row["ticket_id"]: row["human_label"] for row in csv.DictReader(fh)}
    return [{**t, "human_label": labels[t["ticket_id"]]} for t in load_tickets() if t["ticket_id"] in labels]


def _labels(true: list[str], predicted: list[str]) -> list[str]:
    if len(true) != len(predicted):
        raise ValueError(f"{len(true)} true labels but {len(predicted)} predictions")
    return sorted(set(true) | set(predicted))


def confusion_matrix(true: list[str], predicted: list[str]) -> dict[str, dict[str, int]]:
    """Counts by true label, then predicted label: ``matrix["returns"]["billing"]`` is the number of
    returns tickets the model called billing. Rows and columns: every label in either list, zeros included."""
    labels = _labels(true, predicted)
    matrix = {t: dict.fromkeys(labels, 0) for t in labels}
    for t, p in zip(true, predicted, strict=True):
        matrix[t][p] += 1
    return matrix


def per_class(true: list[str], predicted: list[str]) -> dict[str, dict[str, float]]:
    """Precision, recall and support (the number of true tickets) for every label in either list.
    A label never predicted has precision 0.0; a label never true has recall 0.0."""
    matrix = confusion_matrix(true, predicted)
    out = {}
    for label in matrix:
        hits = matrix[label][label]
        called = sum(row[label] for row in matrix.values())
        support = sum(matrix[label].values())
        out[label] = {"precision": hits / called if called else 0.0,
                      "recall": hits / support if support else 0.0, "support": support}
    return out


def _cost(auto: bool, model_label: str, human_label: str) -> float:
    if not auto:
        return HUMAN_COST
    return CORRECT_COST if model_label == human_label else MISROUTE_COST


def cost_at_threshold(rows: list[dict], threshold: float) -> float:
    """Average cost per ticket, in kr, of the plain threshold rule on labelled rows: a ticket whose
    model_confidence is at or above the threshold goes where the model says, the others to a human."""
    if not rows:
        raise ValueError("no rows: the cost per ticket of no tickets is undefined")
    total = sum(_cost(float(r["model_confidence"]) >= threshold, r["model_label"], r["human_label"]) for r in rows)
    return total / len(rows)


# Swedish and Norwegian tickets: the model is wrong more often on them and does not know it (ANALYSIS.md).
_NORDIC = re.compile(r"[åäöøæ]|\b(hej|hei|jag|och|min|mitt|ikke|til)\b", re.IGNORECASE)


def is_nordic(text: str) -> bool:
    """A rough language test that is good enough for a routing rule: Nordic letters or common words."""
    return bool(_NORDIC.search(text))


def route(ticket: dict, threshold: float) -> str:
    """Where one ticket goes: the model's queue when it is sure enough and the ticket is in English,
    otherwise human triage."""
    if float(ticket["model_confidence"]) >= threshold and not is_nordic(ticket["text"]):
        return ticket["model_label"]
    return HUMAN


def cost_curve(rows: list[dict], step: float = 0.01) -> list[tuple[float, float]]:
    """(threshold, cost per ticket) from 0 to 1: the picture behind the choice in routing.json."""
    n = round(1 / step)
    return [(round(i * step, 4), cost_at_threshold(rows, i * step)) for i in range(n + 1)]
