"""Parsing rate-limit policies from partner config, e.g. ``"100/minute"`` or ``"10/second burst 20"``."""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

_POLICY_RE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)(?:\s+burst\s+(\d+))?\s*$")


@dataclass(frozen=True)
class Policy:
    """``limit`` requests per ``period_s`` seconds; with ``burst``, a token bucket of that size."""

    limit: int
    period_s: int
    burst: int | None = None

    @property
    def rate_per_s(self) -> float:
        return self.limit / self.period_s


def parse_policy(text: str) -> Policy:
    """Parse ``"<limit>/<period>[ burst <n>]"``; raises ValueError on anything else."""
    m = _POLICY_RE.match(text)
    if not m:
        raise ValueError(f"invalid rate-limit policy: {text!r}")
    limit = int(m.group(1))
    if limit <= 0:
        raise ValueError(f"limit must be positive: {text!r}")
    burst = int(m.group(3)) if m.group(3) is not None else None
    if burst is not None and burst <= 0:
        raise ValueError(f"burst must be positive: {text!r}")
    return Policy(limit=limit, period_s=PERIODS[m.group(2)], burst=burst)
