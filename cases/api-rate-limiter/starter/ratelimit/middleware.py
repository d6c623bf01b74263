"""Applies a limiter in front of a request handler.

A request is a dict with at least ``headers`` (a dict); a handler returns a ``Response``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Request = dict[str, Any]


@dataclass
class Response:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def api_key(request: Request) -> str:
    return request.get("headers", {}).get("X-Api-Key", "anonymous")


class RateLimitMiddleware:
    def __init__(self, handler: Callable[[Request], Response], limiter: Any,
                 key_func: Callable[[Request], str] = api_key) -> None:
        self.handler = handler
        self.limiter = limiter
        self.key_func = key_func

    def __call__(self, request: Request) -> Response:
        decision = self.limiter.check(self.key_func(request))
        if not decision.allowed:
            return Response(429, "rate limit exceeded", {"X-RateLimit-Remaining": "0"})
        response = self.handler(request)
        response.headers["X-RateLimit-Remaining"] = str(decision.remaining)
        return response
