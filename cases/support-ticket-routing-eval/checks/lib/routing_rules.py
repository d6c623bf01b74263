"""The one rule for what a routing costs and when it saves enough, shared by the visible advisory (on the
labelled sample) and the judge (on the 250 unseen tickets).

It lives in checks/lib/, which both stages have on their path, so there is one copy of it.
Costs and thresholds are the brief's, in words there.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

QUEUES = ("billing", "delivery", "returns", "account", "technical")
HUMAN = "human"
MISROUTE_COST, HUMAN_COST, CORRECT_COST = 60.0, 8.0, 0.0
#: a routing must cost at most this share of the cheaper simple policy ("at most three quarters")
MAX_SHARE_OF_SIMPLE = 0.75
#: an estimate within this many kr per ticket holds up (advisory)
ESTIMATE_SLACK_KR = 2.0


def labelled(tickets_csv: Path, labels_csv: Path) -> list[dict[str, str]]:
    """The tickets that have a row in labels_csv, each with its human_label, in ticket order."""
    with labels_csv.open(encoding="utf-8", newline="") as fh:
        truth = {r["ticket_id"]: r["human_label"] for r in csv.DictReader(fh)}
    with tickets_csv.open(encoding="utf-8", newline="") as fh:
        return [{**t, "human_label": truth[t["ticket_id"]]} for t in csv.DictReader(fh) if t["ticket_id"] in truth]


def number(value: object) -> float | None:
    """A finite number from routing.json, or None (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def threshold_rule(tickets: list[dict[str, str]], threshold: float) -> dict[str, str]:
    """The plain rule: at or above the threshold the model's queue, below it a human."""
    return {t["ticket_id"]: t["model_label"] if float(t["model_confidence"]) >= threshold else HUMAN
            for t in tickets}


def cost(decisions: dict[str, str], tickets: list[dict[str, str]]) -> float:
    """Average kr per ticket of sending each ticket to decisions[ticket_id]."""
    total = 0.0
    for t in tickets:
        where = decisions[t["ticket_id"]]
        if where == HUMAN:
            total += HUMAN_COST
        else:
            total += CORRECT_COST if where == t["human_label"] else MISROUTE_COST
    return total / len(tickets)


def simple_policies(tickets: list[dict[str, str]]) -> tuple[float, float]:
    """Cost per ticket of routing every ticket where the model says, and of sending every ticket to a human."""
    return cost(threshold_rule(tickets, 0.0), tickets), HUMAN_COST


def saves_enough(value: float, tickets: list[dict[str, str]]) -> bool:
    return value <= MAX_SHARE_OF_SIMPLE * min(simple_policies(tickets))


def verdict(value: float, tickets: list[dict[str, str]], what: str, where: str) -> str:
    """The same sentence in the visible advisory and the judge."""
    no_threshold, all_human = simple_policies(tickets)
    return (f"{what} costs {value:.2f} kr per ticket {where}; no threshold costs {no_threshold:.2f} kr and "
            f"everything to triage {all_human:.2f} kr, so the aim is at most "
            f"{MAX_SHARE_OF_SIMPLE * min(no_threshold, all_human):.2f} kr")
