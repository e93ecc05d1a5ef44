"""Chinese text search over duty-list items: normalisation, tokenising, synonyms, BM25 ranking."""
from .normalize import normalize
from .tokenize import Tokenizer, tokenizer

__all__ = ["normalize", "Tokenizer", "tokenizer"]
