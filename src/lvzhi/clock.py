"""Times as lvzhi keeps and shows them: stored as UTC without a zone, shown in Beijing time.

A time from a hotline file or a form that names no zone is Beijing time (Asia/Shanghai) — the hotline's own
clock — and is converted to UTC on the way in.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def to_utc(moment: datetime) -> datetime:
    """A moment as stored: UTC without a zone. A moment without a zone is Beijing time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def from_utc(stored: datetime) -> datetime:
    """A stored moment (UTC, no zone) in Beijing time, without a zone."""
    return stored.replace(tzinfo=timezone.utc).astimezone(BEIJING).replace(tzinfo=None)


def beijing_text(stored: datetime | str | None) -> str:
    """YYYY-MM-DD HH:MM in Beijing time, for pages and files."""
    if not stored:
        return ""
    if isinstance(stored, str):
        stored = datetime.fromisoformat(stored)
    return from_utc(stored).strftime("%Y-%m-%d %H:%M")
