"""Prometheus metrics, correct across processes without shared state.

Run counts, the run-duration and queue-wait histograms, queue depth and live workers are read from the
database at scrape time (every web process answers the same). Request latency is per process: under gunicorn
set PROMETHEUS_MULTIPROC_DIR (before the app starts) and prometheus_client's multiprocess mode adds up the
workers' files; without it the one process's own numbers are served.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from .db import Database
from .services import status

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
RUN_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
WAIT_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

#: Not registered anywhere at import: each scrape builds its registry (see module docstring).
REQUEST_LATENCY = Histogram("caseportal_http_request_duration_seconds", "Time to answer a request, per endpoint.",
                            ["endpoint", "method", "status"], registry=None)


def observe_request(endpoint: str, method: str, status_code: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(endpoint=endpoint, method=method, status=str(status_code)).observe(seconds)


def _histogram(name: str, doc: str, values: Sequence[float], buckets: Iterable[float]) -> HistogramMetricFamily:
    ordered = sorted(values)
    counts: list[tuple[str, float]] = []
    i = 0
    for bound in buckets:
        while i < len(ordered) and ordered[i] <= bound:
            i += 1
        counts.append((repr(float(bound)), float(i)))
    counts.append(("+Inf", float(len(ordered))))
    return HistogramMetricFamily(name, doc, buckets=counts, sum_value=sum(ordered))


class DatabaseCollector(Collector):
    """Reads the run table and the worker heartbeats at each scrape."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        with self.database.begin() as s:
            outcomes = status.outcome_counts(s)
            durations, waits = status.run_timings(s)
            depth, running = status.queue_depth(s), status.running_count(s)
            workers = status.live_workers(s)
        runs = CounterMetricFamily("caseportal_runs", "Finished sandbox runs by outcome.", labels=["outcome"])
        for outcome, n in sorted(outcomes.items()):
            runs.add_metric([outcome], n)
        yield runs
        yield _histogram("caseportal_run_duration_seconds", "Sandbox run duration.", durations, RUN_BUCKETS)
        yield _histogram("caseportal_run_queue_wait_seconds", "Time from request to a worker's start.", waits,
                         WAIT_BUCKETS)
        yield GaugeMetricFamily("caseportal_queue_depth", "Runs waiting for a worker.", value=depth)
        yield GaugeMetricFamily("caseportal_runs_running", "Runs a worker is executing now.", value=running)
        yield GaugeMetricFamily("caseportal_workers_live", "Workers heard from recently.", value=len(workers))
        yield GaugeMetricFamily("caseportal_workers_docker_ok", "Live workers whose Docker engine answers.",
                                value=sum(1 for w in workers if w.docker_ok))


def render(database: Database) -> bytes:
    """The exposition text for one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(DatabaseCollector(database))
    return generate_latest(registry)
