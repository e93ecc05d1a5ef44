"""The responsibility resolver: free Chinese text → which list item covers it, who leads, the town's part."""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from itertools import islice
from typing import Iterable

import numpy as np

from ..model import Dataset, Item
from ..registry import department
from ..search.index import FieldedIndex, FieldIndex, query_scores
from ..search.normalize import has_meaning, normalize
from ..search.phrases import NearestPhrasing
from ..search.tokenize import QueryTokens, Tokenizer, tokenizer
from .answer import Answer, Candidate, Question, failed
from . import explain
from ..knowledge import Knowledge, OffListTopic, knowledge_for, town_does
from .leads import choose_lead
from . import unlisted

MAX_TEXT_CHARS = 10_000
# Fields of an item document and how much each counts. Phrasings are the everyday words for an item.
FIELD_WEIGHTS = {"title": 1.0, "body": 0.35, "phrasings": 0.9}
# A list of phrasings grows with what people say, not with what the item covers: do not let its length
# count against it the way a long title does.
LENGTH_NORMALISATION = {"title": 0.75, "body": 0.75, "phrasings": 0.2}
# A request that names a department (区市场监管局要来查处…) is likelier about that department's items.
NAMED_DEPARTMENT_BOOST = 1.25
# An item's marks (the facts that tell it from its siblings) count only among items the request's words already
# point to (a share of the best score): stating one lifts the item just above a sibling whose facts are not stated.
MARK_FLOOR = 0.7
MARK_BOOST = 0.05
# The semantic layer: character pairs of an item's title and everyday phrasings, scored by BM25 beside the words.
GRAM_WEIGHT = 0.4
GRAM_LENGTH_NORMALISATION = 0.5
# The nearest phrasing: the request contains one whole way of saying the item (see search/phrases.py).
PHRASE_WEIGHT = 0.4
PHRASE_SHARPNESS = 1.0
# Among the leading candidates, a word that only some of them contain tells them apart; a word all of them contain
# does not (the siblings' shared topic). Each candidate gains its words' rarity among the leaders (see _contrast).
CONTRAST_WEIGHT = 0.1
CONTRAST_TOP = 8
BYTES_PER_DOCUMENT = 1024


@dataclass(frozen=True)
class _Document:
    item: Item | None = None
    off_list: OffListTopic | None = None


class Resolver:
    """Loads one town's lists once and answers many requests."""

    def __init__(self, dataset: Dataset, rules: Knowledge | None = None, words: Tokenizer | None = None):
        self.dataset = dataset
        self.town = dataset.town.name
        self.knowledge = rules or knowledge_for(dataset)
        self.tokenizer = words or tokenizer()
        self.tokenizer.add_words(self._domain_words())
        self._documents: list[_Document] = [_Document(item=i) for i in dataset.items]
        self._documents += [_Document(off_list=t) for t in self.knowledge.off_list]
        self.item_mask = np.array([d.item is not None for d in self._documents])
        self._position = {d.item.code if d.item else d.off_list.topic: n for n, d in enumerate(self._documents)}
        self.index = FieldedIndex(self._fields(), FIELD_WEIGHTS, LENGTH_NORMALISATION)
        self._grams = FieldIndex([character_pairs(self._everyday_text(d)) for d in self._documents], GRAM_LENGTH_NORMALISATION)
        self._phrases = NearestPhrasing([[character_pairs(p) for p in self._phrasing_texts(d)] for d in self._documents],
                                        PHRASE_SHARPNESS)
        self._boosts = self._cue_targets()
        self._department_masks = self._department_targets()
        self._marks = self._mark_targets()
        self._siblings = self._sibling_positions()
        self.actions_done = self._actions_done()

    def for_dataset(self, dataset: Dataset) -> "Resolver":
        """This resolver answering for another town whose items are these word for word (same content hash):
        the index, character pairs and knowledge are shared, only the town's name and lists are its own."""
        if dataset is self.dataset:
            return self
        view = copy.copy(self)
        view.dataset, view.town = dataset, dataset.town.name
        return view

    def with_places(self, places: dict) -> "Resolver":
        """This resolver with a town's own places (the words the list office keeps, {name: knowledge.Place}) in
        its rules; the index is shared. The same resolver when they change nothing."""
        knowledge = self.knowledge.with_places(places)
        if knowledge.scopes == self.knowledge.scopes:
            return self
        view = copy.copy(self)
        view.knowledge = knowledge
        return view

    @property
    def documents(self) -> int:
        """Items and 清单外 topics indexed."""
        return len(self._documents)

    @property
    def footprint(self) -> int:
        """Estimated bytes this resolver holds beyond its dataset: the index arrays, and per document its
        knowledge, masks and bookkeeping (measured ≈0.7 KiB), and the nearest-phrasing table (tests/test_province.py
        checks the estimate)."""
        return (self.index.nbytes + self._grams.nbytes + self._phrases.nbytes
                + BYTES_PER_DOCUMENT * len(self._documents))

    def _domain_words(self) -> list[str]:
        return [n for name in self.dataset.departments() for n in department(name).names()]

    def _fields(self) -> dict[str, list]:
        def tokens(text: str):
            return self.tokenizer.numbered(text, simplified=True)  # the same tokens, as numbers, remembered

        title, body, phrasings = [], [], []
        said = self.knowledge.phrasings  # built once here, not once per item
        for document in self._documents:
            if document.item:
                item = document.item
                title.append(tokens(item.title))
                body.append(tokens(" ".join(item.duty_texts())))
                phrasings.append(tokens(" ".join(said.get(item.code, ()))))
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

    def _everyday_text(self, document: _Document) -> str:
        if document.off_list is not None:
            return " ".join([document.off_list.topic, *document.off_list.phrasings])
        entry = self.knowledge.items.get(document.item.code)
        return " ".join([document.item.title, *(entry.phrasings if entry else ())])

    def _phrasing_texts(self, document: _Document) -> list[str]:
        if document.off_list is not None:
            return [document.off_list.topic, *document.off_list.phrasings]
        entry = self.knowledge.items.get(document.item.code)
        return [document.item.title, *(entry.phrasings if entry else ())]

    def _mark_targets(self) -> list[tuple[int, tuple[str, ...]]]:
        """For each item with knowledge: the facts that tell it from its siblings (its marks)."""
        return [(n, entry.marks) for n, d in enumerate(self._documents) if d.item
                and (entry := self.knowledge.items.get(d.item.code)) is not None and entry.marks]

    def _sibling_positions(self) -> dict[int, tuple[int, ...]]:
        """Items confused with each other, both ways (a sibling named by either side)."""
        siblings: dict[int, set[int]] = {}
        for n, d in enumerate(self._documents):
            entry = d.item and self.knowledge.items.get(d.item.code)
            for code in (entry.siblings if entry else ()):
                other = self._position.get(code)
                if other is not None:
                    siblings.setdefault(n, set()).add(other)
                    siblings.setdefault(other, set()).add(n)
        return {n: tuple(others) for n, others in siblings.items()}

    def _actions_done(self) -> list[frozenset[str]]:
        """For each document: the kinds of action (knowledge.actions) its item's text says are done under it."""
        return [frozenset(a.name for a in self.knowledge.actions if d.item and a.done_in(town_does(d.item)))
                for d in self._documents]

    def foreign_action(self, text: str, position: int) -> float:
        """The share of the actions a notice asks of the town (核发, 审验, 监考…) that the document's item never
        says are done under it: 0 when the notice asks none of them, or the item does all it asks."""
        asked = [a.name for a in self.knowledge.actions if a.asked(text)]
        if not asked:
            return 0.0
        return sum(1 for name in asked if name not in self.actions_done[position]) / len(asked)

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

    def resolve(self, text: object, request_id: str | None = None, top: int = 3,
                assume: dict[str, bool] | None = None) -> Answer:
        """The answer for a request. `assume` settles a scope's question the request left open
        ({question: True/False}, as an earlier answer's `question` offered it)."""
        problem = _text_problem(text)
        if problem:
            return failed(problem, request_id)
        answer = self._answer(normalize(str(text)), request_id, top, assume or {})
        if not assume:
            self._ask_back(answer, normalize(str(text)), request_id, top)
        return answer

    def _ask_back(self, answer: Answer, text: str, request_id: str | None, top: int) -> None:
        """When a scope's condition decides between two answers and the request is silent on it, the answer
        carries the one question that decides, with what each choice would give."""
        for scope in self.knowledge.scopes:
            if not scope.question or not scope.silent(text):
                continue
            concerned = {*scope.items, scope.otherwise or ""}
            if not any(c.item.code in concerned for c in answer.candidates[:2]):
                continue
            yes = self._answer(text, request_id, top, {scope.question: True})
            no = self._answer(text, request_id, top, {scope.question: False})
            if (yes.verdict, yes.lead) != (no.verdict, no.lead):
                answer.question = Question(scope.question, scope.source, {True: yes, False: no})
                return

    def _answer(self, clean: str, request_id: str | None, top: int, assume: dict[str, bool]) -> Answer:
        query = self.tokenizer.query_tokens(clean)
        scores, pairs = self._scores(clean, query, assume)
        tokens = query.all()
        ranked = np.argsort(-scores, kind="stable")
        candidates = list(islice((Candidate(self._documents[n].item, float(scores[n])) for n in ranked
                                  if self._documents[n].item is not None), max(top, 1)))
        best = int(ranked[0])
        coverage = self.index.coverage(tokens, best)
        # whether anything covers the request is judged on the words alone: character pairs rank the
        # candidates, but shared pairs in character soup must not make it look covered
        judged, topic = unlisted.judge(self, clean, tokens, scores, pairs)
        answer = self._decide(clean, tokens, best, candidates, judged, topic)
        answer.id, answer.coverage, answer.unlisted = request_id, coverage, judged
        self._tell_apart(answer, clean)
        self._say_where(answer, clean, assume)
        return answer

    def _say_where(self, answer: Answer, text: str, assume: dict[str, bool]) -> None:
        """When a place the lists name decided it, the explanation says so."""
        if answer.item is None:
            return
        for scope in self.knowledge.scopes:
            applied = assume.get(scope.question, scope.applies(text)) if scope.question in assume else scope.applies(text)
            if answer.item.code in scope.items and applied:
                note = scope.place_note(text, True)
            elif answer.item.code == scope.otherwise and not applied:
                note = scope.place_note(text, False)
            else:
                continue
            if note:
                answer.explanation += note
                return

    def _tell_apart(self, answer: Answer, text: str) -> None:
        """Says which fact of the item's text decided it over a sibling among the other candidates."""
        if answer.item is None:
            return
        entry = self.knowledge.items.get(answer.item.code)
        siblings = [c.item for c in answer.candidates[1:] if entry and c.item.code in entry.siblings]
        facts = self.stated_marks(answer.item.code, text)
        note = explain.telling_apart(answer.item, facts, siblings)
        if note:
            answer.explanation += note
            answer.deciding_facts = facts

    def resolve_many(self, requests: Iterable[tuple[str | None, object]], top: int = 3) -> list[Answer]:
        return [self.resolve(text, request_id, top) for request_id, text in requests]

    def _scores(self, text: str, query: QueryTokens,
                assume: dict[str, bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Every document's score, and the part of it the character pairs contributed."""
        scores = query_scores(self.index, query)
        grams = character_pairs(text)
        pairs = GRAM_WEIGHT * self._grams.scores(grams) if GRAM_WEIGHT else np.zeros_like(scores)
        if PHRASE_WEIGHT:
            pairs = pairs + PHRASE_WEIGHT * self._phrases.scores(grams)
        scores = scores + pairs
        if CONTRAST_WEIGHT:
            # ranks only, like the pairs: whether anything covers the request stays judged on the words
            contrast = self._contrast(query, scores) - scores
            scores, pairs = scores + contrast, pairs + contrast
        scores = self._weigh_marks(text, scores)
        for names, mask in self._department_masks:
            if any(n in text for n in names):
                scores = np.where(mask, scores * NAMED_DEPARTMENT_BOOST, scores)
        for cue, mask in self._boosts:
            if cue.fires(text):
                scores = np.where(mask, scores * cue.boost, scores)
        for scope in self.knowledge.scopes:
            if assume and scope.question in assume:
                if assume[scope.question]:
                    continue
            elif scope.applies(text):
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
        return scores, pairs

    def _contrast(self, query: QueryTokens, scores: np.ndarray) -> np.ndarray:
        """Siblings told apart by the words only some of them contain: among the leading candidates, each gains
        the idf of its query words times how few of the leaders share them."""
        tokens = list(dict.fromkeys(query.words + query.parts))
        idf = self.index.idfs(tokens)
        known = ~np.isnan(idf)
        if not known.any():
            return scores
        tokens, idf = [t for t, k in zip(tokens, known) if k], idf[known].astype(np.float32)
        top = np.argsort(-scores, kind="stable")[:CONTRAST_TOP]
        has = self.index.containing(top, tokens)
        rarity = np.log((len(top) + 1) / (has.sum(axis=0) + 0.5)) * idf
        scores = scores.copy()
        scores[top] += CONTRAST_WEIGHT * (has @ rarity)
        return scores

    def _weigh_marks(self, text: str, scores: np.ndarray) -> np.ndarray:
        """Siblings told apart by the fact each one's own text names (持证 vs 无证, 零售 vs 储存, 乡道村道 vs
        城区): among the items the words point to, one whose marks the request states rises above a sibling
        whose marks it does not state."""
        best = float(scores.max())
        if best <= 0:
            return scores
        stated = {position: sum(1 for mark in marks if mark in text) for position, marks in self._marks
                  if scores[position] >= best * MARK_FLOOR}
        for position, count in stated.items():
            if not count:
                continue
            rivals = [p for p in self._siblings.get(position, ()) if p in stated and not stated[p]
                      and scores[p] > scores[position]]
            if rivals:
                scores[position] = max(scores[p] for p in rivals) * (1 + MARK_BOOST)
        return scores

    def stated_marks(self, code: str, text: str) -> list[str]:
        entry = self.knowledge.items.get(code)
        return [mark for mark in entry.marks if mark in text] if entry else []

    def _decide(self, text: str, tokens: list[str], best: int, candidates: list[Candidate],
                judged: "unlisted.Unlisted", topic: int) -> Answer:
        # only words the request itself contains: an expansion (违建 → 违法建设) the user never typed explains nothing
        def matched(position: int) -> list[str]:
            return _whole_words([t for t in self.index.matched(tokens, position) if t in text])

        if judged.decided:  # 清单外: calibrated probability ≥ 0.5, or a 清单外 topic clearly ahead of every item
            if topic >= 0 and (judged.off_list_wins or self._documents[best].off_list is not None):
                return explain.off_list(self._documents[topic].off_list, candidates, matched(topic))
            return explain.nothing_covers(candidates, matched(best))
        item = candidates[0].item
        matched = matched(self._position[item.code])
        if item.list == "basic":
            return explain.basic(item, self.town, candidates, matched)
        lead, part = choose_lead(item, text, tokens, self.index.idf, self.knowledge.handler_words.get(item.code))
        if item.list == "cooperative":
            return explain.cooperative(item, lead, part, candidates, matched)
        if item.abolished:
            return explain.abolished(item, candidates, matched)
        return explain.reclaimed(item, lead, part, candidates, matched)


def _whole_words(words: list[str]) -> list[str]:
    """Words without the pieces of longer ones also matched (摩托车, not 摩托 and 托车 besides)."""
    return [w for w in words if not any(w != other and w in other for other in words)]


def character_pairs(text: str) -> list[str]:
    """Overlapping pairs of Chinese characters: what words that jieba cuts differently still share
    (摆摊/摆摊摊, 乱倒/乱倒垃圾, 遭罚/罚款), and the everyday phrasing's pieces in the dialect's own order."""
    runs = re.findall(r"[\u4e00-\u9fff]+", text)
    return [run[i:i + 2] for run in runs for i in range(len(run) - 1)]


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
