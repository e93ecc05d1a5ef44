"""Tasks pushed to towns again and again: the same task told apart from others by what it asks, the way the
resolver compares wordings (normalised text, shared pairs of Chinese characters), whatever the town or date."""
from __future__ import annotations

from ..resolve.resolver import character_pairs
from ..search.normalize import normalize

# Two wordings are one task when this share of their character pairs is common to both (Dice coefficient).
SAME_TASK = 0.6


def _plain(text: str) -> str:
    return "".join(ch for ch in normalize(text or "") if ch.isalnum())


def _pairs(text: str) -> set[str]:
    return set(character_pairs(normalize(text or "")))


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def same_task(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Whether two tasks (title, text) ask the same: equal titles once normalised, or titles or texts that
    share most of their character pairs."""
    if _plain(a[0]) and _plain(a[0]) == _plain(b[0]):
        return True
    return _dice(_pairs(a[0]), _pairs(b[0])) >= SAME_TASK or _dice(_pairs(a[1]), _pairs(b[1])) >= SAME_TASK


def similar_groups(tasks: list[tuple[str, str]]) -> list[list[int]]:
    """The tasks (title, text) in groups of the same task (any chain of pairwise matches), as positions in
    `tasks`, each group in the given order, groups by their first member."""
    parent = list(range(len(tasks)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(tasks)):
        for j in range(i + 1, len(tasks)):
            if root(i) != root(j) and same_task(tasks[i], tasks[j]):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(tasks)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])
