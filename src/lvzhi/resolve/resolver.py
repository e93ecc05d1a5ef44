"""The responsibility resolver: free Chinese text → which list item covers it, who leads, the town's part."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Iterable

import numpy as np

from ..model import Dataset, Item
from ..registry import department
from ..search.index import FieldedIndex, query_scores
from ..search.normalize import has_meaning, normalize
from ..search.tokenize import QueryTokens, Tokenizer, tokenizer
from .answer import Answer, Candidate, failed
from . import explain
from .knowledge import Knowledge, OffListTopic, knowledge
from .leads import choose_lead

MAX_TEXT_CHARS = 10_000
# Fields of an item document and how much each counts. Phrasings are the everyday words for an item.
FIELD_WEIGHTS = {"title": 1.0, "body": 0.35, "phrasings": 0.9}
# A list of phrasings grows with what people say, not with what the item covers: do not let its length
# count against it the way a long title does.
LENGTH_NORMALISATION = {"title": 0.75, "body": 0.75, "phrasings": 0.2}
# A request that names a department (区市场监管局要来查处…) is likelier about that department's items.
NAMED_DEPARTMENT_BOOST = 1.25
# Below these the best item does not really cover the request: answer 清单外 rather than force a match.
MIN_SCORE = 3.0
MIN_COVERAGE = 0.15


@dataclass(frozen=True)
class _Document:
    item: Item | None = None
    off_list: OffListTopic | None = None


class Resolver:
    """Loads one town's lists once and answers many requests."""

    def __init__(self, dataset: Dataset, rules: Knowledge | None = None, words: Tokenizer | None = None):
        self.dataset = dataset
        self.town = dataset.town.name
        self.knowledge = rules or knowledge()
        self.tokenizer = words or tokenizer()
        self.tokenizer.add_words(self._domain_words())
        self._documents: list[_Document] = [_Document(item=i) for i in dataset.items]
        self._documents += [_Document(off_list=t) for t in self.knowledge.off_list]
        self._position = {d.item.code if d.item else d.off_list.topic: n for n, d in enumerate(self._documents)}
        self.index = FieldedIndex(self._fields(), FIELD_WEIGHTS, LENGTH_NORMALISATION)
        self._boosts = self._cue_targets()
        self._department_masks = self._department_targets()

    def _domain_words(self) -> list[str]:
        return [n for name in self.dataset.departments() for n in department(name).names()]

    def _fields(self) -> dict[str, list[list[str]]]:
        def tokens(text: str) -> list[str]:
            return self.tokenizer.tokens(text, simplified=True)

        title, body, phrasings = [], [], []
        for document in self._documents:
            if document.item:
                item = document.item
                title.append(tokens(item.title))
                body.append(tokens(" ".join(item.duty_texts())))
                phrasings.append(tokens(" ".join(self.knowledge.phrasings.get(item.code, ()))))
            else:
                topic = document.off_list
                words = tokens(" ".join([topic.topic, *topic.phrasings]))
                title.append(words)
                body.append([])
                phrasings.append(words)
        return {"title": title, "body": body, "phrasings": phrasings}

    def _cue_targets(self) -> list[tuple[object, np.ndarray]]:
        targets = []
        for cue in self.knowledge.cues:
            mask = np.array([bool(d.item) and cue.concerns(d.item.code, d.item.title) for d in self._documents])
            targets.append((cue, mask))
        return targets

    def _department_targets(self) -> list[tuple[tuple[str, ...], np.ndarray]]:
        """For each department: the names people call it, and which documents it leads or handles."""
        targets = []
        for name in self.dataset.departments():
            names = tuple(n for n in department(name).names() if len(n) >= 3)
            mask = np.array([bool(d.item) and name in d.item.lead_departments for d in self._documents])
            if names and mask.any():
                targets.append((names, mask))
        return targets

    # -- answering -------------------------------------------------------------------------------

    def resolve(self, text: object, request_id: str | None = None, top: int = 3) -> Answer:
        problem = _text_problem(text)
        if problem:
            return failed(problem, request_id)
        clean = normalize(str(text))
        query = self.tokenizer.query_tokens(clean)
        scores = self._scores(clean, query)
        tokens = query.all()
        ranked = np.argsort(-scores, kind="stable")
        candidates = list(islice((Candidate(self._documents[n].item, float(scores[n])) for n in ranked
                                  if self._documents[n].item is not None), max(top, 1)))
        best = int(ranked[0])
        coverage = self.index.coverage(tokens, best)
        answer = self._decide(clean, tokens, scores, best, candidates, coverage)
        answer.id, answer.coverage = request_id, coverage
        return answer

    def resolve_many(self, requests: Iterable[tuple[str | None, object]], top: int = 3) -> list[Answer]:
        return [self.resolve(text, request_id, top) for request_id, text in requests]

    def _scores(self, text: str, query: QueryTokens) -> np.ndarray:
        scores = query_scores(self.index, query)
        for names, mask in self._department_masks:
            if any(n in text for n in names):
                scores = np.where(mask, scores * NAMED_DEPARTMENT_BOOST, scores)
        for cue, mask in self._boosts:
            if cue.fires(text):
                scores = np.where(mask, scores * cue.boost, scores)
        for scope in self.knowledge.scopes:
            if scope.applies(text):
                continue
            for code in scope.items:
                position = self._position.get(code)
                if position is None:
                    continue
                demoted = scores[position]
                scores[position] = demoted * 0.2
                fallback = self._position.get(scope.otherwise or "")
                if fallback is not None and scores[fallback] < demoted:
                    scores[fallback] = demoted
        return scores

    def _decide(self, text: str, tokens: list[str], scores: np.ndarray, best: int,
                candidates: list[Candidate], coverage: float) -> Answer:
        document = self._documents[best]
        matched = self.index.matched(tokens, best)
        if document.off_list is not None:
            return explain.off_list(document.off_list, candidates, matched)
        if scores[best] < MIN_SCORE or coverage < MIN_COVERAGE:
            return explain.nothing_covers(candidates, matched)
        item = document.item
        if item.list == "basic":
            return explain.basic(item, self.town, candidates, matched)
        lead, part = choose_lead(item, text, tokens, self.index.idf, self.knowledge.handler_words.get(item.code))
        if item.list == "cooperative":
            return explain.cooperative(item, lead, part, candidates, matched)
        if item.abolished:
            return explain.abolished(item, candidates, matched)
        return explain.reclaimed(item, lead, part, candidates, matched)


def _text_problem(text: object) -> str | None:
    if text is None:
        return "缺少诉求内容（text 字段）"
    if not isinstance(text, str):
        return "诉求内容（text 字段）必须是文字"
    if not text.strip():
        return "诉求内容为空"
    if len(text) > MAX_TEXT_CHARS:
        return f"诉求内容过长（{len(text)} 字），最多 {MAX_TEXT_CHARS} 字，请删去与事项无关的部分"
    if not has_meaning(text):
        return "诉求内容只有标点或符号，无法判断"
    return None
