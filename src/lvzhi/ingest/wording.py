"""Which of a cooperative row's duty columns a sentence reads like, learnt from the document itself.

Where the layout cannot tell whether points after a page break are the department's or the town's
(both columns filled the page before), the wording decides: department duties read "负责审核…",
"协同做好…", the town's "负责配合…", "协助…上报". The model is naive Bayes over character pairs,
trained on the rows of the same document whose layout leaves no doubt, so it speaks that document's
own language and needs no data from elsewhere.
"""
from __future__ import annotations

import math
from collections import Counter

COLUMNS = ("department", "town")


def _pairs(text: str) -> list[str]:
    return [text[i:i + 2] for i in range(len(text) - 1)]


class WordingModel:
    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {column: Counter() for column in COLUMNS}
        self._denominators: dict[str, int] = {}

    def learn(self, column: str, texts: list[str]) -> None:
        for text in texts:
            self.counts[column].update(_pairs(text))
        self._denominators = {}

    def log_likelihood(self, column: str, text: str) -> float:
        if not self._denominators:
            vocabulary = len(self.counts["department"].keys() | self.counts["town"].keys()) + 1
            self._denominators = {c: sum(self.counts[c].values()) + vocabulary for c in COLUMNS}
        counts, denominator = self.counts[column], self._denominators[column]
        return sum(math.log((counts[pair] + 1) / denominator) for pair in _pairs(text))

    def log_odds(self, text: str) -> float:
        """Per character pair, how much more the text reads like a department duty than a town duty."""
        pairs = max(len(text) - 1, 1)
        return (self.log_likelihood("department", text) - self.log_likelihood("town", text)) / pairs

    def score(self, department: list[str], town: list[str]) -> float:
        """How well the duties read as the department's and the town's respectively (higher is likelier).

        Each point votes with its per-pair log odds, so a long point does not outweigh several short ones."""
        return sum(self.log_odds(t) for t in department) - sum(self.log_odds(t) for t in town)
