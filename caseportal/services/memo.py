"""A small bounded cache for derived HTML (rendered Markdown, highlighted files) keyed by a digest of its inputs.

Keyed by a digest rather than by the inputs, so a cache of large texts holds each text once (as its result) and
not again as a key. Thread-safe, because a web process serves requests on several threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


def digest(*parts: str) -> bytes:
    """One key for several texts; each part is length-prefixed so ("ab", "c") and ("a", "bc") differ."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.digest()


class DigestLRU(Generic[V]):
    """At most ``size`` entries weighing at most ``max_weight`` together (the caller says what an entry weighs,
    e.g. its characters); the least recently used ones go first. An entry heavier than the budget is not kept."""

    def __init__(self, size: int, max_weight: int | None = None) -> None:
        self.size = size
        self.max_weight = max_weight
        self._items: OrderedDict[bytes, tuple[V, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: bytes) -> V | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return None
            self._items.move_to_end(key)
            return entry[0]

    def put(self, key: bytes, value: V, weight: int = 0) -> None:
        if self.max_weight is not None and weight > self.max_weight:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._weight -= old[1]
            self._items[key] = (value, weight)
            self._weight += weight
            while len(self._items) > self.size or (self.max_weight is not None and self._weight > self.max_weight):
                _key, (_value, dropped) = self._items.popitem(last=False)
                self._weight -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._items)
