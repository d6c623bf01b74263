"""Evaluating the ticket-routing model: the functions our checks call.

The loaders are done; the rest is yours. Plain Python only (no pandas here): the standard library
and your own helpers. Keep the names and signatures, add anything you like.
"""

from __future__ import annotations

import csv
import os
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


def confusion_matrix(true: list[str], predicted: list[str]) -> dict[str, dict[str, int]]:
    """Counts by true label, then predicted label: ``matrix["returns"]["billing"]`` is the number of
    returns tickets the model called billing. Rows and columns: every label in either list, zeros included."""
    raise NotImplementedError


def per_class(true: list[str], predicted: list[str]) -> dict[str, dict[str, float]]:
    """Precision, recall and support (the number of true tickets) for every label in either list:
    ``{"billing": {"precision": 0.8, "recall": 0.75, "support": 41}, ...}``."""
    raise NotImplementedError


def cost_at_threshold(rows: list[dict], threshold: float) -> float:
    """Average cost per ticket, in kr, of the plain threshold rule on labelled rows: a ticket whose
    model_confidence is at or above the threshold goes where the model says, the others to a human."""
    raise NotImplementedError


def route(ticket: dict, threshold: float) -> str:
    """Where one ticket goes: a queue from QUEUES, or HUMAN. This is what would run in production.

    Today every ticket goes where the model says. Make it use the threshold (and anything else you
    think is worth it, as long as you can defend it in the meeting).
    """
    return ticket["model_label"]
