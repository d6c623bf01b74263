"""Visible checks: the evaluation functions on the labelled sample, where the answers are known, and
an advisory preview of the judge's rule for the chosen threshold (routing_rules.py), on that sample.

New names are looked up inside each test (``evaluate.per_class``) so a missing one fails only the
checks that need it. The candidate's files are in /work (on sys.path), the data in /case/data.
"""

import json
import math
from pathlib import Path

import evaluate
import pytest
import routing_rules as rules
from caseportal_check import advisory

DATA = Path(__file__).resolve().parents[2] / "data"

def sample():
    rows = evaluate.load_labelled()
    return [r["human_label"] for r in rows], [r["model_label"] for r in rows]


def test_confusion_matrix_on_the_labelled_sample():
    true, predicted = sample()
    matrix = evaluate.confusion_matrix(true, predicted)
    assert sorted(matrix) == sorted(rules.QUEUES), "one row per queue"
    assert all(sorted(row) == sorted(rules.QUEUES) for row in matrix.values()), "one column per queue, zeros included"
    assert sum(sum(row.values()) for row in matrix.values()) == 150, "every labelled ticket counted once"
    assert sum(matrix[q][q] for q in rules.QUEUES) == 117, "the model is right on 117 of the 150 tickets"
    assert matrix["delivery"]["returns"] == 6, "matrix[true][predicted]: 6 delivery tickets were called returns"


def test_precision_and_recall_per_queue():
    true, predicted = sample()
    scores = evaluate.per_class(true, predicted)
    assert sorted(scores) == sorted(rules.QUEUES)
    assert scores["delivery"]["precision"] == pytest.approx(34 / 36)
    assert scores["delivery"]["recall"] == pytest.approx(34 / 46)
    assert scores["delivery"]["support"] == 46
    assert scores["returns"]["precision"] == pytest.approx(22 / 33)


def test_cost_of_the_two_simple_policies():
    rows = evaluate.load_labelled()
    no_threshold = evaluate.cost_at_threshold(rows, 0.0)
    assert no_threshold == pytest.approx(33 * 60 / 150), "no threshold: 33 misroutes at 60 kr over 150 tickets"
    assert evaluate.cost_at_threshold(rows, 1.0) == pytest.approx(8.0), "threshold 1: every ticket to a human"


def test_route_uses_the_threshold():
    ticket = {"ticket_id": "X1", "channel": "email", "text": "Where is my order? Tracking has not moved.",
              "model_label": "delivery", "model_confidence": 0.93}
    assert evaluate.route(ticket, 0.8) == "delivery"
    assert evaluate.route({**ticket, "model_confidence": 0.55}, 0.8) == "human"


def test_routing_json_holds_a_threshold():
    data = json.loads(Path("routing.json").read_text(encoding="utf-8"))
    threshold = data.get("threshold")
    assert isinstance(threshold, int | float) and not isinstance(threshold, bool), (
        "routing.json: set threshold to a number between 0 and 1")
    assert math.isfinite(threshold) and 0 <= threshold <= 1, f"threshold {threshold} is not between 0 and 1"


def test_threshold_on_the_labelled_sample():
    """Advisory: the rule the judge applies to the 250 unseen tickets, applied to the labelled sample."""
    threshold = rules.number(json.loads(Path("routing.json").read_text(encoding="utf-8")).get("threshold"))
    if threshold is None:
        advisory("threshold_saves_a_quarter_on_the_sample", False, "routing.json has no threshold yet")
        return
    rows = rules.labelled(DATA / "tickets.csv", DATA / "labelled_sample.csv")
    cost = rules.cost(rules.threshold_rule(rows, threshold), rows)
    advisory("threshold_saves_a_quarter_on_the_sample", rules.saves_enough(cost, rows),
             rules.verdict(cost, rows, f"threshold {threshold:g}", "on the labelled sample"))
