"""Small text helpers shared by the readers: joining wrapped lines, measuring printed width."""
from __future__ import annotations

import re
import unicodedata

_SPACE_NEAR_WIDE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
_SPACES = re.compile(r"\s+")
TERMINATORS = ("。", "；", ";", "！", "？")


def clean(text: str) -> str:
    """Collapse whitespace; drop the stray spaces PDF extraction leaves beside Chinese text."""
    text = unicodedata.normalize("NFC", text).replace("\u3000", " ")
    text = _SPACE_NEAR_WIDE.sub("", text.strip())
    return _SPACES.sub(" ", text)


def join_wrapped(parts: list[str]) -> str:
    """Join the lines of one wrapped cell back into one string."""
    joined = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if joined and _word_break(joined[-1], part[0]):
            joined += " "
        joined += part
    return clean(joined)


def _word_break(before: str, after: str) -> bool:
    """Whether a wrap between these two characters stood for a space: between English words, yes; inside
    an acronym or a number cut at the line's end (AP|P, 12|345), no; next to Chinese, never."""
    if not (before.isascii() and before.isalnum() and after.isascii() and after.isalnum()):
        return False
    return not ((before.isupper() or before.isdigit()) and (after.isupper() or after.isdigit()))


def printed_width(text: str) -> float:
    """Width in full-width character cells: CJK and full-width punctuation count 1, ASCII 0.5."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text.strip())


def is_terminated(text: str) -> bool:
    return text.rstrip().endswith(TERMINATORS)
