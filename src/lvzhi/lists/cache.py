"""A least-recently-used cache held to a memory budget, for what a server derives from a version's lists.

A province has a thousand towns; a worker keeps only the towns it was recently asked about. What an entry
costs is estimated by whoever puts it in (a resolver's documents, say), not measured: the budget is a bound
on the sum of those estimates, and the least recently used entries leave first when a new one would exceed it.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")

ENV_BUDGET = "LVZHI_CACHE_MB"
DEFAULT_BUDGET_MB = 192.0  # ≈25 distinct towns' resolvers; a worker then stays near 500 MiB


def budget_from_environment(default: float = DEFAULT_BUDGET_MB) -> float:
    """The cache budget in MiB: LVZHI_CACHE_MB if set (a positive number), else the default."""
    return positive_from_environment(ENV_BUDGET, default)


def positive_from_environment(name: str, default: float, zero: bool = False) -> float:
    """The number in the environment variable `name` if it is set and positive (or zero, with `zero`), else
    the default."""
    value = os.environ.get(name, "").strip()
    try:
        number = float(value) if value else default
    except ValueError:
        return default
    return number if number > 0 or (zero and number == 0) else default


class BudgetLRU(Generic[V]):
    """Thread-safe: an entry is built once even when many threads ask for it at the same time."""

    def __init__(self, budget_bytes: float):
        self.budget = float(budget_bytes)
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._used = 0
        self._lock = threading.RLock()
        self._building: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    @property
    def used(self) -> int:
        """Estimated bytes held."""
        return self._used

    def get(self, key: Hashable, build: Callable[[], object], cost: Callable[[object], int],
            keep: Callable[[object], V] | None = None) -> V:
        """The entry for `key`, built if absent. `cost(built)` estimates its bytes; with `keep`, what is kept is
        keep(built) (so that a builder can report a cost it alone knows, e.g. a dataset and its size)."""
        with self._lock:
            found = self._hit(key)
            if found is not None:
                return found[0]
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one builder per key; others wait for it rather than build the same thing
            with self._lock:
                found = self._hit(key)
            if found is not None:
                return found[0]
            built = build()
            size = max(int(cost(built)), 1)
            value = built if keep is None else keep(built)
            with self._lock:
                self.misses += 1
                self._building.pop(key, None)
                self._entries[key] = (value, size)
                self._used += size
                while self._used > self.budget and len(self._entries) > 1:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self._used -= dropped
                    self.evictions += 1
            return value

    def peek(self, key: Hashable) -> V | None:
        """The entry if held, without making it the most recent."""
        found = self._entries.get(key)
        return found[0] if found is not None else None

    def discard(self, key: Hashable) -> None:
        with self._lock:
            found = self._entries.pop(key, None)
            if found is not None:
                self._used -= found[1]

    def count(self, which: Callable[[Hashable], bool]) -> int:
        """How many held entries have a key `which` accepts."""
        with self._lock:
            return sum(1 for key in self._entries if which(key))

    def _hit(self, key: Hashable) -> tuple[V, int] | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return found

    def stats(self) -> dict:
        return {"entries": len(self._entries), "used_mb": round(self._used / 2**20, 1),
                "budget_mb": round(self.budget / 2**20, 1), "hits": self.hits, "misses": self.misses,
                "evictions": self.evictions}
