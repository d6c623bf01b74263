"""Probes, in the candidate's container during full runs: the edges the brief states, and the routing decisions.
The edges' results are saved as observations (the judge compares them with answers.json; no expected value
lives here, where the candidate's code can read it).

``test_routes_every_ticket`` calls route() on every ticket and records the decisions as an
observation (observations/routes.json); the judge scores them against human labels that never
enter this container.
"""

import json
from pathlib import Path

import evaluate
import routing_rules as rules
from caseportal_check import artifact_path, probe


def row(label, predicted, confidence):
    return {"ticket_id": "X", "channel": "chat", "text": "Please help with my order.", "model_label": predicted,
            "model_confidence": confidence, "human_label": label}


@probe
def test_a_ticket_at_the_threshold_is_routed_by_the_model():
    return [evaluate.cost_at_threshold([row("billing", "returns", 0.8)], 0.8),
            evaluate.route(row("billing", "billing", 0.8), 0.8)]


@probe
def test_cost_uses_the_stated_costs():
    rows = [row("billing", "billing", 0.9), row("billing", "returns", 0.9), row("delivery", "delivery", 0.5),
            row("account", "account", 0.95)]
    return evaluate.cost_at_threshold(rows, 0.8)


@probe
def test_a_queue_never_predicted_has_precision_zero():
    scores = evaluate.per_class(["billing", "returns"], ["billing", "billing"])
    return [scores["returns"]["precision"], scores["returns"]["recall"], scores["billing"]["precision"],
            scores["billing"]["recall"]]


@probe
def test_confusion_matrix_has_labels_seen_only_in_predictions():
    return evaluate.confusion_matrix(["billing"], ["account"])


def test_routes_every_ticket():
    threshold = json.loads(Path("routing.json").read_text(encoding="utf-8")).get("threshold")
    assert isinstance(threshold, int | float) and not isinstance(threshold, bool), "routing.json has no threshold"
    routes = {t["ticket_id"]: evaluate.route(dict(t), threshold) for t in evaluate.load_tickets()}
    odd = sorted({d for d in routes.values() if d not in (*rules.QUEUES, rules.HUMAN)}, key=str)
    assert not odd, f"route() must return a queue or 'human', not {odd[:3]}"
    artifact_path("observations/routes.json").write_text(json.dumps(routes, indent=0), encoding="utf-8")
