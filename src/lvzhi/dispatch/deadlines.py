"""When a ticket is due (办理时限): by its urgency, counted in Beijing time (lvzhi.clock)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from ..yamltext import load_yaml

from ..clock import from_utc, to_utc


@dataclass(frozen=True)
class TimeLimit:
    urgency: str
    hours: float = 0.0
    working_days: int = 0

    def due(self, received_utc: datetime) -> datetime:
        if self.hours:
            return received_utc + timedelta(hours=self.hours)
        local = from_utc(received_utc)
        days = 0
        while days < self.working_days:
            local += timedelta(days=1)
            if local.weekday() < 5:
                days += 1
        return to_utc(local)

    def describe(self) -> str:
        return f"{self.hours:g} 小时" if self.hours else f"{self.working_days} 个工作日"


@lru_cache(maxsize=1)
def _limits() -> tuple[str, dict[str, TimeLimit]]:
    data = load_yaml((resources.files("lvzhi") / "dispatch" / "deadlines.yaml").read_text(encoding="utf-8"))
    limits = {name: TimeLimit(name, float(v.get("hours", 0)), int(v.get("working_days", 0)))
              for name, v in data["urgencies"].items()}
    return data["default"], limits


def urgencies() -> dict[str, TimeLimit]:
    return dict(_limits()[1])


def default_urgency() -> str:
    return _limits()[0]


def time_limit(urgency: str | None) -> TimeLimit | None:
    """The limit for an urgency as given (empty: the default); None when the name is not known."""
    default, limits = _limits()
    return limits.get((urgency or "").strip() or default)


def time_left_text(minutes: int) -> str:
    """剩余 1 小时 20 分 / 超时 3 天 2 小时."""
    span = abs(minutes)
    days, rest = divmod(span, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} 天" if days else "", f"{hours} 小时" if hours else "", f"{mins} 分" if mins and not days else ""]
    text = " ".join(p for p in parts if p) or "不到 1 分"
    return f"剩余 {text}" if minutes >= 0 else f"超时 {text}"
