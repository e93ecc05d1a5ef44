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
        if joined and joined[-1].isascii() and joined[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            joined += " "
        joined += part
    return clean(joined)


def printed_width(text: str) -> float:
    """Width in full-width character cells: CJK and full-width punctuation count 1, ASCII 0.5."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text.strip())


def is_terminated(text: str) -> bool:
    return text.rstrip().endswith(TERMINATORS)
