"""How well an item's knowledge generalises, measured on the knowledge itself (no labelled request).

Each phrasing of an item (a resident's words, a department's wording) is resolved by a resolver built without it:
does its own item still come first, is the verdict right, and which item did it lose to? A phrasing that only finds
its item because it is in the index is knowledge too narrow to carry over to other people's words; a phrasing that
goes to another item shows two items claiming the same situation.

Leaving out one phrasing at a time would build a resolver per phrasing (thousands). Instead phrasings are left out
in folds: fold j holds the j-th phrasing of every item's list, so each is resolved without itself and without one
phrasing of every other item (one in ten or so): the same question, one resolver per fold. Deterministic.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from ..model import Dataset, Item
from ..knowledge import ItemKnowledge, Knowledge, knowledge_for
from .resolver import Resolver

FIELDS = ("residents", "tasks")


@dataclass(frozen=True)
class Probe:
    """One phrasing: the item it says, which list of that item's knowledge, its place there, and its text."""

    code: str
    field: str
    index: int
    text: str


@dataclass(frozen=True)
class Outcome:
    probe: Probe
    first: str | None  # the item the resolver put first without the phrasing (None: nothing came)
    verdict: str | None
    expected: str
    asked: bool  # the answer asked a question whose other choice gives the phrasing's own item
    acceptable: bool  # the first item is one of the item's siblings

    @property
    def own(self) -> bool:
        return self.first == self.probe.code or self.asked

    @property
    def verdict_right(self) -> bool:
        return self.verdict == self.expected or self.asked


def expected_verdict(item: Item) -> str:
    return "abolished" if item.abolished else item.list


def probes(knowledge: Knowledge, fields: Sequence[str] = FIELDS) -> list[Probe]:
    return [Probe(code, name, n, text) for code, entry in knowledge.items.items() for name in fields
            for n, text in enumerate(getattr(entry, name))]


def without_fold(knowledge: Knowledge, fold: int, fields: Sequence[str] = FIELDS) -> Knowledge:
    """The knowledge with the fold-th phrasing of each of these lists of every item left out (and any copy of it
    elsewhere in the same item's knowledge, so that it is really gone)."""
    items: dict[str, ItemKnowledge] = {}
    for code, entry in knowledge.items.items():
        gone = {getattr(entry, name)[fold] for name in fields if fold < len(getattr(entry, name))}
        items[code] = replace(entry, **{name: tuple(t for t in getattr(entry, name) if t not in gone)
                                        for name in ("residents", "tasks", "words")}) if gone else entry
    return replace(knowledge, items=items)


def siblings_of(knowledge: Knowledge) -> dict[str, set[str]]:
    """Items named as siblings, both ways."""
    found: dict[str, set[str]] = {}
    for code, entry in knowledge.items.items():
        for other in entry.siblings:
            found.setdefault(code, set()).add(other)
            found.setdefault(other, set()).add(code)
    return found


def placed(knowledge: Knowledge, code: str) -> dict[str, bool]:
    """The place questions of the rules that limit this item to a place (R130–R139: 在乡道或村道上), answered yes:
    a phrasing says the situation, not where it is, and the place rule is not the knowledge being checked."""
    return {s.question: True for s in knowledge.scopes if s.question and code in s.items}


def _outcome(resolver: Resolver, probe: Probe, item: Item, siblings: set[str]) -> Outcome:
    answer = resolver.resolve(probe.text, assume=placed(resolver.knowledge, probe.code) or None)
    first = answer.item.code if answer.item else (answer.candidates[0].item.code if answer.candidates else None)
    asked = bool(answer.question) and first != probe.code and any(
        a.item is not None and a.item.code == probe.code for a in answer.question.answers.values())
    return Outcome(probe, first, answer.verdict, expected_verdict(item), asked, first in siblings)


def check(dataset: Dataset, knowledge: Knowledge | None = None, fields: Sequence[str] = FIELDS,
          codes: Iterable[str] | None = None, leave_out: bool = True) -> list[Outcome]:
    """Every phrasing of these lists (of the given items, or all), resolved without its fold (or, with
    `leave_out=False`, by the resolver holding all of them: what the knowledge misses even in sample)."""
    knowledge = knowledge or knowledge_for(dataset)
    wanted = set(codes) if codes is not None else None
    items = dataset.by_code()
    related = siblings_of(knowledge)
    todo = [p for p in probes(knowledge, fields) if (wanted is None or p.code in wanted) and p.code in items]
    outcomes: list[Outcome] = []
    whole = None if leave_out else Resolver(dataset, knowledge)
    for fold in sorted({p.index for p in todo}):
        resolver = whole or Resolver(dataset, without_fold(knowledge, fold, fields))
        outcomes += [_outcome(resolver, p, items[p.code], related.get(p.code, set())) for p in todo if p.index == fold]
    order = {p: n for n, p in enumerate(todo)}
    return sorted(outcomes, key=lambda o: order[o.probe])


@dataclass
class Tally:
    phrasings: int = 0
    own: int = 0
    acceptable: int = 0
    verdict: int = 0

    def add(self, outcome: Outcome) -> None:
        self.phrasings += 1
        self.own += outcome.own
        self.acceptable += outcome.own or outcome.acceptable
        self.verdict += outcome.verdict_right

    def to_dict(self) -> dict:
        rate = lambda n: round(n / self.phrasings, 4) if self.phrasings else 0.0  # noqa: E731
        return {"phrasings": self.phrasings, "own_at_1": rate(self.own), "own_or_sibling_at_1": rate(self.acceptable),
                "verdict": rate(self.verdict)}


def summary(outcomes: Sequence[Outcome], dataset: Dataset, top: int = 20) -> dict:
    """Overall, per list of phrasings, per list (basic, cooperative, reclaimed) and per category; the commonest
    (own item → item it went to) pairs; and the items whose own phrasings find them least."""
    items = dataset.by_code()
    groups: dict[str, dict[str, Tally]] = {"overall": {}, "field": {}, "list": {}, "category": {}}
    per_item: dict[str, Tally] = {}
    pairs: Counter = Counter()
    for o in outcomes:
        item = items[o.probe.code]
        for group, key in (("overall", "all"), ("field", o.probe.field), ("list", item.list),
                           ("category", item.category)):
            groups[group].setdefault(key, Tally()).add(o)
        per_item.setdefault(o.probe.code, Tally()).add(o)
        if not o.own:
            pairs[(o.probe.code, "清单外" if o.verdict == "unlisted" or not o.first else o.first)] += 1
    narrow = sorted(per_item.items(), key=lambda kv: (kv[1].own / kv[1].phrasings, kv[0]))
    return {
        **{name: {k: t.to_dict() for k, t in sorted(table.items())} for name, table in groups.items()},
        "confusions": [{"item": a, "went_to": b, "phrasings": n} for (a, b), n in
                       sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:top]],
        "narrowest": [{"item": code, **t.to_dict()} for code, t in narrow[:top]],
    }
