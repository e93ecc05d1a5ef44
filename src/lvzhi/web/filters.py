"""Reading a listing's filters from a page's query string: clear Chinese errors for what is not a date."""
from __future__ import annotations

from datetime import date

from ..errors import InvalidInput


def day(text: str, what: str) -> date | None:
    try:
        return date.fromisoformat(text) if text.strip() else None
    except ValueError:
        raise InvalidInput(f"{what}“{text}”格式不对，应为 YYYY-MM-DD") from None
