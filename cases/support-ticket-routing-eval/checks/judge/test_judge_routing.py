"""Judge checks: score the chosen threshold and the recorded routes on the 250 tickets whose human
labels (answers.csv, next to this file) never enter the candidate's container.

This runs in the judge's container: /work holds only routing.json and the observations the candidate's
run recorded, as data. Nothing here imports the candidate's code, and the cost of the threshold is
computed here from the model's recorded labels, never taken from a file the candidate could write.
"""

import json
import os
from pathlib import Path

import routing_rules as rules
from caseportal_check import advisory, judge_against, record_metric

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "data"
WORK = Path(os.environ.get("CASEPORTAL_WORK", "/work"))


def held_out():
    tickets = rules.labelled(DATA / "tickets.csv", HERE / "answers.csv")
    no_threshold, all_human = rules.simple_policies(tickets)
    record_metric("baseline_cost_per_ticket", no_threshold)
    record_metric("all_human_cost_per_ticket", all_human)
    return tickets


def routing():
    path = WORK / "routing.json"
    assert path.is_file(), "routing.json is missing from the submission"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise AssertionError(f"routing.json is not valid JSON: {exc}") from None
    assert isinstance(data, dict), "routing.json must hold an object"
    return data


def chosen_threshold(data):
    threshold = rules.number(data.get("threshold"))
    assert threshold is not None, "routing.json has no threshold (a number between 0 and 1)"
    assert 0 <= threshold <= 1, f"threshold {threshold:g} is not between 0 and 1"
    return threshold


def test_chosen_threshold_saves_a_quarter_on_unseen_tickets():
    tickets = held_out()
    threshold = chosen_threshold(routing())
    decisions = rules.threshold_rule(tickets, threshold)
    cost = rules.cost(decisions, tickets)
    record_metric("holdout_cost_per_ticket", cost)
    record_metric("auto_routed_share", sum(d != rules.HUMAN for d in decisions.values()) / len(tickets))
    enough = rules.saves_enough(cost, tickets)  # a plain bool: the failure shows the sentence, never the labels
    assert enough, rules.verdict(cost, tickets, f"threshold {threshold:g}", "on the unseen tickets")


def test_your_routing_saves_a_quarter_on_unseen_tickets():
    tickets = held_out()
    path = WORK / "observations" / "routes.json"
    assert path.is_file(), "no routes were recorded: see the hidden check test_routes_every_ticket"
    try:
        routes = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise AssertionError(f"the recorded routes are not valid JSON: {exc}") from None
    assert isinstance(routes, dict), "the recorded routes must map ticket ids to decisions"
    valid = (*rules.QUEUES, rules.HUMAN)
    missing = [t["ticket_id"] for t in tickets if routes.get(t["ticket_id"]) not in valid]
    assert not missing, f"{len(missing)} tickets have no valid route, e.g. {missing[:3]}"
    cost = rules.cost(routes, tickets)
    record_metric("routes_cost_per_ticket", cost)
    enough = rules.saves_enough(cost, tickets)
    assert enough, rules.verdict(cost, tickets, "route()", "on the unseen tickets")


def test_cost_estimate_holds_up():
    """Advisory only: how well the estimate from the labelled sample held up on unseen tickets."""
    tickets = held_out()
    data = routing()
    threshold, estimate = rules.number(data.get("threshold")), rules.number(data.get("expected_cost_per_ticket"))
    if threshold is None or estimate is None:
        advisory("cost_estimate_holds_up", False, "routing.json gives no threshold or no expected_cost_per_ticket")
        return
    actual = rules.cost(rules.threshold_rule(tickets, threshold), tickets)
    advisory("cost_estimate_holds_up", abs(estimate - actual) <= rules.ESTIMATE_SLACK_KR,
             f"estimated {estimate:.2f} kr per ticket, {actual:.2f} kr on unseen tickets "
             f"(within {rules.ESTIMATE_SLACK_KR:g} kr holds up)")


judge_against(globals(), HERE / "probe_answers.json")


def test_analysis_is_written():
    path = WORK / "ANALYSIS.md"
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    words = len([w for w in text.split() if not w.startswith(("#", "<!--"))])
    advisory("analysis_written", words >= 120, f"ANALYSIS.md has about {words} words")
