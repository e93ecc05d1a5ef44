"""Which department leads, when an item names several: by the sector words the rules give, by the
department the request itself names, or by which department's duties the request's words match."""
from __future__ import annotations

from typing import Callable, Sequence

from ..model import Item
from ..registry import department, is_body

CLEAR_MARGIN = 2.0


def _groups(item: Item) -> list[tuple[list[str], list[str]]]:
    if item.list == "cooperative":
        if item.department_duties:
            return [(g.departments, g.duties) for g in item.department_duties]
        return [([d], []) for d in item.departments]
    return [(h.departments, h.methods) for h in item.handlers]


def _named_in(text: str, name: str) -> int:
    """Length of the longest name of the department found in the text (0: not named)."""
    return max((len(n) for n in department(name).names() if len(n) >= 2 and n in text), default=0)


def choose_lead(item: Item, text: str, tokens: Sequence[str], weight: Callable[[str], float],
                sector_words: dict[str, tuple[str, ...]] | None = None) -> tuple[str, list[str]]:
    """The leading department and its duties (cooperative) or methods (reclaimed) for this request."""
    groups = [(depts, texts) for depts, texts in _groups(item) if depts]
    if not groups:
        return "", []
    for name, words in (sector_words or {}).items():
        if any(w in text for w in words):
            for depts, texts in groups:
                if name in depts:
                    return name, texts
    named = [(max(_named_in(text, d) for d in depts), depts, texts) for depts, texts in groups]
    best_named = max(named, key=lambda entry: entry[0])
    if best_named[0]:
        depts, texts = best_named[1], best_named[2]
        return max(depts, key=lambda d: (is_body(d), _named_in(text, d))), texts
    specific = [(depts, texts) for depts, texts in groups if any(is_body(d) for d in depts)] or groups
    query = set(tokens)

    def overlap(group: tuple[list[str], list[str]]) -> float:
        words = {w for duty in group[1] for w in query if w in duty}
        return sum(weight(w) for w in words)

    # The first department printed is the main lead; another is chosen only when the request's words
    # clearly match its duties better.
    first = specific[0]
    depts, texts = max(specific, key=overlap)
    if overlap((depts, texts)) < overlap(first) + CLEAR_MARGIN:
        depts, texts = first
    # a group may open with a placeholder (区级相关部门) or a cut-short name (区教委等): lead with a real body
    return next((d for d in depts if is_body(d)), depts[0]), texts
