"""Request and query text → one canonical form: simplified characters, half-width, single spaces."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


# One request is normalised several times on its way through the tokenizer (words, parts, synonyms);
# remembering recent short texts saves most of the character conversion's cost.
CACHED_CHARS = 512


def normalize(text: str, simplified: bool = False) -> str:
    """NFKC (full-width letters and digits to half-width), traditional to simplified, collapsed spaces.

    `simplified=True` skips the (slow) character conversion for text known to be simplified already,
    such as the lists themselves.
    """
    if len(text) <= CACHED_CHARS:
        return _normalize_cached(text, simplified)
    return _normalize(text, simplified)


@lru_cache(maxsize=8192)
def _normalize_cached(text: str, simplified: bool) -> str:
    return _normalize(text, simplified)


def _normalize(text: str, simplified: bool) -> str:
    text = unicodedata.normalize("NFKC", text)
    if not simplified:
        text = _t2s().convert(text)
    return _SPACES.sub(" ", text).strip()


def has_meaning(text: str) -> bool:
    """Whether the text holds any letter, digit or CJK character at all (not only punctuation)."""
    return any(ch.isalnum() for ch in text)
