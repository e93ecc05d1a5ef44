"""Items of different lists whose content overlaps, and what tells them apart (`lvzhi overlaps`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations


from ..model import Item
from .resolver import Resolver

# Share of the rarer item's word weight the two must have in common to count as overlapping.
MIN_SIMILARITY = 0.3
MIN_SHARED_WEIGHT = 8.0


@dataclass
class Overlap:
    first: Item
    second: Item
    similarity: float
    shared: list[str]
    note: str = ""
    only_first: list[str] = field(default_factory=list)
    only_second: list[str] = field(default_factory=list)

    @property
    def distinguishable(self) -> bool:
        return bool(self.note or self.only_first or self.only_second)

    def distinction(self) -> str:
        if self.note:
            return self.note
        if not self.distinguishable:
            return "两项文字几乎相同，无法据文字区分，建议清单维护部门澄清分工。"
        return (f"{self.first.code} 独有：{'、'.join(self.only_first) or '（无）'}；"
                f"{self.second.code} 独有：{'、'.join(self.only_second) or '（无）'}。")

    def to_dict(self) -> dict:
        return {
            "items": [self.first.code, self.second.code],
            "lists": [self.first.list, self.second.list],
            "titles": [self.first.title, self.second.title],
            "similarity": round(self.similarity, 3),
            "shared_words": self.shared,
            "distinction": self.distinction(),
            "written_note": bool(self.note),
            "distinguishable": self.distinguishable,
        }


def written_notes(resolver: Resolver) -> dict[frozenset[str], str]:
    """Pairs of codes → the note written for the group they belong to (the town's distinctions.yaml)."""
    notes: dict[frozenset[str], str] = {}
    for group, note in resolver.knowledge.distinctions:
        for a, b in combinations(group, 2):
            if a[0] != b[0]:
                notes.setdefault(frozenset((a, b)), note)
    return notes


def find_overlaps(resolver: Resolver) -> list[Overlap]:
    items = resolver.dataset.items
    words = {item.code: _content_words(resolver, item) for item in items}
    idf = resolver.index.idf
    notes = written_notes(resolver)
    found: list[Overlap] = []
    for first, second in combinations(items, 2):
        if first.list == second.list:
            continue
        a, b = words[first.code], words[second.code]
        shared = a & b
        shared_weight = sum(idf(w) for w in shared)
        smaller = min(sum(idf(w) for w in a), sum(idf(w) for w in b)) or 1.0
        similarity = shared_weight / smaller
        note = notes.get(frozenset((first.code, second.code)), "")
        if note or (similarity >= MIN_SIMILARITY and shared_weight >= MIN_SHARED_WEIGHT):
            found.append(Overlap(first, second, similarity, _by_weight(shared, idf), note,
                                 _by_weight(a - b, idf)[:5], _by_weight(b - a, idf)[:5]))
    found.sort(key=lambda o: (-o.similarity, o.first.code, o.second.code))
    return found


def _content_words(resolver: Resolver, item: Item) -> set[str]:
    """An item's words of two or more characters, from its title and everyday phrasings (not its duties,
    which differ in wording more than in topic)."""
    text = " ".join([item.title, *resolver.knowledge.phrasings.get(item.code, ())])
    return {w for w in resolver.tokenizer.tokens(text) if len(w) >= 2}


def _by_weight(words: set[str], idf) -> list[str]:
    return sorted(words, key=lambda w: (-idf(w), w))
