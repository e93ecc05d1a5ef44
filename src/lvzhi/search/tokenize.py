"""Tokenising Chinese duty-list text with jieba, a domain dictionary and a reviewable synonym table."""
from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable

from ..yamltext import load_yaml

from .normalize import normalize

# Texts whose tokens are remembered as numbers (≈0.4 KiB each): the items that towns share are tokenised once,
# so loading another town's resolver costs only its own wording.
REMEMBERED_TEXTS = 32768
_WORDLIKE = re.compile(r"[\u3400-\u9fffA-Za-z]")
_NUMBER = re.compile(r"^[0-9.]+$")
# A count in words (好几回, 三四十个, 一百多, 几趟): how many or how often, never what the matter is. Counts that
# name a thing (一户一档, 两癌, 三资) are not of this form: numerals then at most one measure word.
_NUMERALS = "一二两三四五六七八九十百千万几多好半每"
_MEASURES = "个回次趟遍天号根条只台辆间层家户"
_COUNT = re.compile(f"^[{_NUMERALS}]+[{_MEASURES}]?$")


def _data_text(name: str) -> str:
    return (resources.files("lvzhi") / "search" / name).read_text(encoding="utf-8")


def _lines(name: str) -> list[str]:
    return [line.strip() for line in _data_text(name).splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """Everyday word → the list's own terms it stands for (synonyms.yaml)."""
    table = load_yaml(_data_text("synonyms.yaml")) or {}
    return {str(word): tuple(str(t) for t in (terms or ())) for word, terms in table.items()}


@dataclass(frozen=True)
class QueryTokens:
    words: list[str]
    parts: list[str]
    expansions: list[str]
    expansion_parts: list[str]

    def all(self) -> list[str]:
        return self.words + self.parts + self.expansions + self.expansion_parts


class Tokenizer:
    """jieba's search-mode segmentation with the domain words added, stop words dropped.

    One instance per process holds the jieba dictionary (loaded once, about half a second).
    """

    def __init__(self, extra_words: Iterable[str] = ()):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._lock = threading.Lock()
        self._stopwords = frozenset(_lines("stopwords.txt"))
        self._synonyms = synonyms()
        self._added: set[str] = set()
        self._numbered: OrderedDict[bytes, object] = OrderedDict()
        self._words_added = 0  # counts additions: a text cut before one is not remembered after it
        domain = [*_lines("terms.txt"), *(w for word, terms in self._synonyms.items() for w in (word, *terms))]
        if not _load_dictionary(self._jieba, domain, self._added):
            self._jieba.initialize()
            self.add_words(domain)
            _save_dictionary(self._jieba, domain, self._added)
        self.add_words(extra_words)

    def add_words(self, words: Iterable[str]) -> None:
        with self._lock:
            for word in words:
                word = normalize(word)
                if len(word) >= 2 and word not in self._added:
                    self._jieba.add_word(word, freq=20000)
                    self._added.add(word)
                    self._cut_cached.cache_clear()  # remembered cuts may split the new word
                    self._numbered.clear()
                    self._words_added += 1

    def always_kept(self, character: str) -> bool:
        """Whether a text's every occurrence of the character is in one of its tokens: a letter or CJK character
        that no stop word and no count in words (三个, 几天) holds, which are dropped."""
        return (bool(_WORDLIKE.match(character)) and character not in _NUMERALS + _MEASURES
                and not any(character in word for word in self._stopwords))

    def expansions(self, text: str) -> list[str]:
        """The list's terms for every everyday word the text contains (synonyms.yaml)."""
        text = normalize(text).lower()
        return [term for word, terms in self._synonyms.items() if word in text for term in terms]

    def tokens(self, text: str, simplified: bool = False) -> list[str]:
        """Search-mode tokens: whole words and the shorter words inside them."""
        return [t for t in self._search_mode(self._cut(normalize(text, simplified).lower())) if self._keeps(t)]

    def numbered(self, text: str, simplified: bool = False):
        """tokens(text) as the process's token numbers (search.index.VOCABULARY), remembered for the most
        recent REMEMBERED_TEXTS texts."""
        from .index import numbered

        key = hashlib.blake2b(text.encode("utf-8"), digest_size=16, person=b"s" if simplified else b"t").digest()
        with self._lock:
            found = self._numbered.get(key)
            if found is not None:
                self._numbered.move_to_end(key)
                return found
            cut_under = self._words_added
        ids = numbered(self.tokens(text, simplified))
        with self._lock:
            if cut_under != self._words_added:
                return ids
            self._numbered[key] = ids
            if len(self._numbered) > REMEMBERED_TEXTS:
                self._numbered.popitem(last=False)
        return ids

    def words(self, text: str) -> list[str]:
        """Whole words only (jieba's precise mode), without the shorter words inside long ones."""
        return [t for t in self._cut(normalize(text).lower()) if self._keeps(t)]

    def _cut(self, text: str) -> tuple[str, ...]:
        """jieba's precise segmentation, remembered for recent short texts: a query is cut for its words
        and again for its search-mode tokens, and the second cut is the same as the first."""
        if len(text) > 512:
            return tuple(self._jieba.cut(text, HMM=False))
        return self._cut_cached(text)

    @lru_cache(maxsize=8192)  # noqa: B019 - one Tokenizer per process, kept for its lifetime
    def _cut_cached(self, text: str) -> tuple[str, ...]:
        return tuple(self._jieba.cut(text, HMM=False))

    def _search_mode(self, words: tuple[str, ...]) -> list[str]:
        """What jieba's cut_for_search yields, built from the precise cut: each long word's dictionary
        bigrams and trigrams, then the word itself."""
        frequencies = self._jieba.FREQ
        tokens: list[str] = []
        for word in words:
            if len(word) > 2:
                tokens.extend(word[i:i + 2] for i in range(len(word) - 1) if frequencies.get(word[i:i + 2]))
            if len(word) > 3:
                tokens.extend(word[i:i + 3] for i in range(len(word) - 2) if frequencies.get(word[i:i + 3]))
            tokens.append(word)
        return tokens

    def query_tokens(self, text: str) -> QueryTokens:
        """A query's whole words, the shorter words inside them, and the words its everyday words stand for."""
        # A lone character (村, 路, 卖) says little on its own: it counts as a part, not a whole word.
        words = [w for w in dict.fromkeys(self.words(text)) if len(w) > 1]
        seen = set(words)
        parts = [t for t in dict.fromkeys(self.tokens(text)) if t not in seen]
        seen.update(parts)
        terms = self.expansions(text)
        expansions = [t for term in terms for t in self.words(term) if t not in seen]
        seen.update(expansions)
        expansion_parts = [t for term in terms for t in self.tokens(term) if t not in seen]
        return QueryTokens(words, parts, list(dict.fromkeys(expansions)), list(dict.fromkeys(expansion_parts)))

    def _keeps(self, token: str) -> bool:
        token = token.strip()
        if not token or token in self._stopwords:
            return False
        if _NUMBER.match(token) or _COUNT.match(token):
            return token in self._added
        return bool(_WORDLIKE.search(token))


# -- the dictionary, stored ready to use -------------------------------------------------------------
# jieba keeps its ~500,000-entry dictionary in a marshal file it reads in ~0.8 s; with the domain words added,
# the same dictionary is kept here as plain text and numbers that load in ~0.25 s (and run no code when read).
# Its name carries a digest of everything it is made from, so a change to any of them makes a new one.
DICTIONARY_FORMAT = "1"


def _dictionary_file(domain: list[str]) -> str | None:
    import jieba
    from platformdirs import user_cache_dir

    try:
        source = os.stat(os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME))
    except (OSError, AttributeError):
        return None
    key = hashlib.sha256("\n".join([DICTIONARY_FORMAT, jieba.__version__, str(source.st_size), str(source.st_mtime_ns),
                                     *domain]).encode("utf-8")).hexdigest()[:24]
    return os.path.join(user_cache_dir("lvzhi", appauthor=False), f"jieba-{key}.dict")


def _load_dictionary(jieba_tokenizer, domain: list[str], added: set[str]) -> bool:
    """Fills a fresh jieba tokenizer from the stored dictionary; False when there is none (or it is unreadable).

    The file: three 8-byte numbers (entries, of which the last ones are the words lvzhi added; jieba's total),
    the entries' frequencies (8 bytes each), then the entries' words, UTF-8, one a line."""
    path = _dictionary_file(domain)
    if path is None:
        return False
    try:
        with open(path, "rb") as stored:
            data = stored.read()
        head = array("q")
        head.frombytes(data[:24])
        entries, added_count, total = head
        numbers = array("q")
        numbers.frombytes(data[24:24 + 8 * entries])
        words = data[24 + 8 * entries:].decode("utf-8").split("\n")
    except (OSError, ValueError):
        return False
    if len(words) != entries or len(numbers) != entries or not 0 <= added_count <= entries:
        return False  # a file cut short or not ours
    jieba_tokenizer.FREQ = dict(zip(words, numbers))
    jieba_tokenizer.total = total
    jieba_tokenizer.initialized = True
    added.update(words[entries - added_count:])
    return True


def _save_dictionary(jieba_tokenizer, domain: list[str], added: set[str]) -> None:
    """Stores the dictionary for the next process (best effort: a read-only home just means a slower start)."""
    path = _dictionary_file(domain)
    frequencies = jieba_tokenizer.FREQ
    if path is None or any("\n" in w for w in frequencies):
        return
    ordered = [w for w in frequencies if w not in added] + [w for w in frequencies if w in added]
    data = (array("q", [len(ordered), sum(1 for w in frequencies if w in added), jieba_tokenizer.total]).tobytes()
            + array("q", (frequencies[w] for w in ordered)).tobytes() + "\n".join(ordered).encode("utf-8"))
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path))
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)  # whole or not at all, whichever process writes it
    except OSError:
        return


_shared: Tokenizer | None = None
_shared_lock = threading.Lock()


def tokenizer() -> Tokenizer:
    """The process-wide tokenizer."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Tokenizer()
        return _shared
