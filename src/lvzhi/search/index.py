"""BM25 ranking over documents made of several weighted fields.

Scores are those of bm25s's default ("lucene": idf = ln(1 + (N − df + ½)/(df + ½)), term weight
tf / (tf + k1·(1 − b + b·|d|/avgdl)), stored as float32 and summed in query order; a test holds them equal to
bm25s's bit for bit), held more compactly: a province has a thousand towns, each with its own index, and a
worker keeps many of them. Tokens are numbered once per process (`VOCABULARY`), so the indexes of many towns
share one copy of every token's string; an index keeps only flat arrays — per token, the documents that contain
it and their weights (≈8 bytes a pair) — instead of dictionaries and sets of strings (≈7 MiB a town before).
"""
from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    from .tokenize import QueryTokens

_PLACEHOLDER = "\u2205"  # an empty document counts as one token, as in bm25s
K1 = 1.5
# A query's whole words count fully; the shorter words inside them and the list's terms its everyday words
# stand for (synonyms.yaml) count less, so that one long word or one synonym cannot outweigh the rest.
PART_WEIGHT = 0.5
EXPANSION_WEIGHT = 0.4


class Vocabulary:
    """Every token any index in this process has seen, numbered: the indexes share the strings."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def number(self, tokens: Iterable[str]) -> list[int]:
        """The tokens' numbers, numbering the new ones."""
        ids = self._ids
        with self._lock:
            return [ids.setdefault(t, len(ids)) for t in tokens]

    def get(self, token: str) -> int:
        """The token's number, or -1 if no index has it."""
        return self._ids.get(token, -1)


VOCABULARY = Vocabulary()


def _idf(documents_with_token: int, documents: int) -> float:
    return math.log(1 + (documents - documents_with_token + 0.5) / (documents_with_token + 0.5))


def _numbers(tokens: Sequence[str]) -> np.ndarray:
    return np.array([VOCABULARY.get(t) for t in tokens], dtype=np.int32)


def _document_type(documents: int) -> type:
    return np.int16 if documents < 2**15 else np.int32


def numbered(document: Sequence[str] | np.ndarray) -> np.ndarray:
    """A document's tokens as their numbers (a document given as numbers already is kept as it is)."""
    if isinstance(document, np.ndarray):
        return document
    return np.array(VOCABULARY.number(document), dtype=np.int32)


def _pairs(documents: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every distinct (document, token) pair, sorted, with how often the token is in the document."""
    lengths = np.array([len(d) for d in documents], dtype=np.int64)
    tokens = np.concatenate([*documents, np.empty(0, dtype=np.int32)]).astype(np.int64)
    width = int(tokens.max(initial=0)) + 1
    keys, counts = np.unique(np.repeat(np.arange(len(documents), dtype=np.int64), lengths) * width + tokens,
                             return_counts=True)
    return keys // width, keys % width, counts


def _idfs(documents_with_token: np.ndarray, documents: int) -> np.ndarray:
    """_idf for each count (computed once per distinct count: most tokens are in one or two documents)."""
    distinct, at = np.unique(documents_with_token, return_inverse=True)
    return np.array([_idf(int(n), documents) for n in distinct], dtype=np.float64)[at]


class FieldIndex:
    """One field (say, the titles) of every document, indexed for BM25. A document is its tokens, as strings or
    as their numbers (`numbered`)."""

    def __init__(self, documents: Sequence[Sequence[str] | np.ndarray], length_normalisation: float = 0.75,
                 k1: float = K1):
        self.size = len(documents)
        placeholder = np.array(VOCABULARY.number([_PLACEHOLDER]), dtype=np.int32)
        ids = [numbered(d) if len(d) else placeholder for d in documents]
        lengths = np.array([len(d) for d in ids], dtype=np.float64)
        row, token, tf = _pairs(ids)
        tokens, column, df = np.unique(token, return_inverse=True, return_counts=True)
        idf = _idfs(df, self.size).astype(np.float32)
        b = length_normalisation
        average = lengths.mean() if self.size else 1.0
        weight = idf[column].astype(np.float64) * (tf / (k1 * ((1 - b) + b * lengths[row] / average) + tf))
        order = np.lexsort((row, column))
        self._tokens = tokens.astype(np.int32)  # sorted token numbers
        self._starts = np.concatenate([[0], np.cumsum(df)]).astype(np.int32)
        self._documents = row[order].astype(_document_type(self.size))
        self._weights = weight[order].astype(np.float32)

    @property
    def nbytes(self) -> int:
        return self._tokens.nbytes + self._starts.nbytes + self._documents.nbytes + self._weights.nbytes

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Every document's BM25 score for the tokens (a token given twice counts twice)."""
        total = np.zeros(self.size, dtype=np.float32)
        if not len(tokens) or not len(self._tokens):
            return total
        ids = _numbers(tokens)
        at = np.minimum(np.searchsorted(self._tokens, ids), len(self._tokens) - 1)
        for column in at[self._tokens[at] == ids]:
            start, end = self._starts[column], self._starts[column + 1]
            total[self._documents[start:end]] += self._weights[start:end]
        return total


class FieldedIndex:
    """Documents with named fields; a document's score is the weighted sum of its fields' BM25 scores."""

    def __init__(self, fields: Mapping[str, Sequence[Sequence[str]]], weights: Mapping[str, float],
                 length_normalisation: Mapping[str, float] | None = None):
        sizes = {len(docs) for docs in fields.values()}
        if len(sizes) != 1:
            raise ValueError("every field needs one entry per document")
        self.size = sizes.pop()
        self.weights = dict(weights)
        b = dict(length_normalisation or {})
        self._fields = {name: FieldIndex(docs, b.get(name, 0.75)) for name, docs in fields.items()}
        # each document's distinct tokens over all fields, as sorted numbers (one flat array), and each token's idf
        row, token, _ = _pairs([np.concatenate([numbered(docs[n]) for docs in fields.values()] or
                                               [np.empty(0, dtype=np.int32)]) for n in range(self.size)])
        self._doc_starts = np.searchsorted(row, np.arange(self.size + 1)).astype(np.int32)
        self._doc_tokens = token.astype(np.int32)
        tokens, frequency = np.unique(self._doc_tokens, return_counts=True)
        self._tokens = tokens
        self._idf = _idfs(frequency, self.size)
        self._unknown_idf = math.log(1 + (self.size + 0.5) / 0.5)

    @property
    def nbytes(self) -> int:
        """Bytes held in arrays (what the index grows with)."""
        return (sum(f.nbytes for f in self._fields.values()) + self._doc_starts.nbytes + self._doc_tokens.nbytes
                + self._tokens.nbytes + self._idf.nbytes)

    def scores(self, tokens: Sequence[str], weight: float = 1.0) -> np.ndarray:
        total = np.zeros(self.size, dtype=np.float32)
        if not tokens or not weight:
            return total
        for name, index in self._fields.items():
            field_weight = self.weights.get(name, 1.0)
            if field_weight:
                total += (weight * field_weight) * index.scores(tokens)
        return total

    def _position(self, token: str) -> int:
        """Where the token is in the sorted token numbers; -1 if no document has it."""
        number = VOCABULARY.get(token)
        at = int(np.searchsorted(self._tokens, number))
        return at if number >= 0 and at < len(self._tokens) and self._tokens[at] == number else -1

    def idf(self, token: str) -> float:
        at = self._position(token)
        return float(self._idf[at]) if at >= 0 else self._unknown_idf

    def known(self, token: str) -> bool:
        return self._position(token) >= 0

    def _has(self, position: int) -> set[int]:
        return set(self._doc_tokens[self._doc_starts[position]:self._doc_starts[position + 1]].tolist())

    def coverage(self, tokens: Sequence[str], position: int) -> float:
        """Share of the query's known-word weight (idf) that document `position` contains."""
        distinct = [(t, at) for t in dict.fromkeys(tokens) if (at := self._position(t)) >= 0]
        total = sum(float(self._idf[at]) for _, at in distinct)
        if not total:
            return 0.0
        has = self._has(position)
        found = sum(float(self._idf[at]) for t, at in distinct if VOCABULARY.get(t) in has)
        return found / total

    def idfs(self, tokens: Sequence[str]) -> np.ndarray:
        """Each token's idf, NaN where no document has it (one lookup for all of them)."""
        numbers = _numbers(tokens)
        if not len(self._tokens) or not len(numbers):
            return np.full(len(numbers), np.nan)
        at = np.minimum(np.searchsorted(self._tokens, numbers), len(self._tokens) - 1)
        known = (numbers >= 0) & (self._tokens[at] == numbers)
        return np.where(known, self._idf[at], np.nan)

    def containing(self, positions: Sequence[int], tokens: Sequence[str]) -> np.ndarray:
        """1.0 where document positions[i] has tokens[j], else 0.0."""
        numbers = _numbers(tokens)
        has = np.zeros((len(positions), len(numbers)), dtype=np.float32)
        for row, position in enumerate(positions):
            own = self._doc_tokens[self._doc_starts[position]:self._doc_starts[position + 1]]  # sorted
            if len(own):
                at = np.minimum(np.searchsorted(own, numbers), len(own) - 1)
                has[row] = own[at] == numbers
        return has

    def matched(self, tokens: Sequence[str], position: int) -> list[str]:
        has = self._has(position)
        return [t for t in dict.fromkeys(tokens) if VOCABULARY.get(t) in has]


def query_scores(index: FieldedIndex, query: "QueryTokens") -> np.ndarray:
    """Every document's score for a query, each kind of query token at its weight."""
    return (index.scores(query.words) + index.scores(query.parts, PART_WEIGHT)
            + index.scores(query.expansions, EXPANSION_WEIGHT)
            + index.scores(query.expansion_parts, EXPANSION_WEIGHT * PART_WEIGHT))
