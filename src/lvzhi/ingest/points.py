"""A cell's text as numbered points (or one paragraph), and how well a reading fits the printed wrapping.

A duty or method column holds numbered points 1, 2, 3 … or a single unnumbered paragraph; a line
without a number therefore always goes on with the point before it. In a department-duty column a
heading such as "区医保局：" starts a group of its own.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .rows import POINT, fills_column
from .text import is_terminated, join_wrapped

# How unlikely a reading is, per line that does not fit how the column wraps.
SHORT_INNER_LINE = 2.0  # a point's line that stops short of the edge, yet the point goes on below it
FULL_LAST_LINE = 1.0  # a point's last line reaches the edge with no closing punctuation


@dataclass
class Point:
    number: int | None
    lines: list[str]

    @property
    def text(self) -> str:
        """The point without its printed number."""
        text = join_wrapped(self.lines)
        numbered = POINT.match(text) if self.number is not None else None
        return numbered.group(2) if numbered else text


@dataclass
class Group:
    departments: list[str]  # the heading's names; empty when the column has no headings
    points: list[Point] = field(default_factory=list)


Headings = Callable[[str], "list[str] | None"]


def read_points(lines: list[str], heading: Headings | None = None) -> list[Group]:
    """The column's groups and points, in print order."""
    groups: list[Group] = []
    for text in lines:
        names = heading(text) if heading else None
        if names:
            groups.append(Group(names))
            continue
        if not groups:
            groups.append(Group([]))
        points = groups[-1].points
        numbered = POINT.match(text)
        if numbered:
            points.append(Point(int(numbered.group(1)), [text]))
        elif points:
            points[-1].lines.append(text)
        else:
            points.append(Point(None, [text]))
    return groups


def numbers_of(points: list[Point]) -> list[int]:
    return [p.number for p in points if p.number is not None]


def numbering_ok(groups: list[Group]) -> bool:
    """Every group has points, numbered 1, 2, 3 … or one paragraph."""
    for group in groups:
        numbers = numbers_of(group.points)
        if not group.points or (numbers and numbers != list(range(1, len(group.points) + 1))):
            return False
    return True


def wrap_penalty(points: list[Point], width: float, last_line: bool = True) -> float:
    """How far the points' lines are from how a cell of this width wraps (0 is a perfect fit).
    `last_line`: whether a last line that reaches the edge unpunctuated counts (not for titles)."""
    penalty = 0.0
    for point in points:
        penalty += SHORT_INNER_LINE * sum(not fills_column(text, width) for text in point.lines[:-1])
        last = point.lines[-1]
        if last_line and fills_column(last, width) and not is_terminated(last):
            penalty += FULL_LAST_LINE
    return penalty
