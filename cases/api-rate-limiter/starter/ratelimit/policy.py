"""Parsing rate-limit policies from partner config, e.g. ``"100/minute"``."""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

_POLICY_RE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")


@dataclass(frozen=True)
class Policy:
    """``limit`` requests per ``period_s`` seconds."""

    limit: int
    period_s: int

    @property
    def rate_per_s(self) -> float:
        return self.limit / self.period_s


def parse_policy(text: str) -> Policy:
    """Parse ``"<limit>/<period>"``; raises ValueError on anything else."""
    m = _POLICY_RE.match(text)
    if not m:
        raise ValueError(f"invalid rate-limit policy: {text!r}")
    limit = int(m.group(1))
    if limit <= 0:
        raise ValueError(f"limit must be positive: {text!r}")
    return Policy(limit=limit, period_s=PERIODS[m.group(2)])
