"""The pieces of an extracted table that every list's reader shares: lines, rows, column widths."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import LIST_PREFIX, ListKind
from .text import printed_width

POINT = re.compile(r"^(\d{1,3})\s*[.．、]\s*(.*)$")
HANDLER = re.compile(r"^承接部门\s*[:：]\s*(.*)$")
METHOD = re.compile(r"^工作方式\s*[:：]\s*(.*)$")
HEADING = re.compile(r"^(.+?)[:：]$")
# Punctuation a line may not start with: print keeps it on the line before, past the column's edge.
CLOSING = "。，、；：？！）”’》」)"


@dataclass
class Line:
    text: str
    number: int
    page_break: bool = False


@dataclass
class Row:
    """One table row's lines; a new segment starts where the row goes on to another page."""

    kind: ListKind
    number: int
    category: str
    first_line: int
    segments: list[list[Line]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return f"{LIST_PREFIX[self.kind]}{self.number}"


@dataclass
class ColumnWidths:
    """Printed widths of a full line in a list's title column, duty columns and department-name column."""

    title: float
    duty: float
    names: float = 0.0
    head: float = 12.0  # the widest a title or department-name line of a 配合 row can be

    def fits_names(self, tokens: list[str]) -> bool:
        """Whether every token is narrow enough for a line of the department-name column."""
        return not self.names or all(printed_width(t.rstrip(CLOSING)) <= self.names + 1 for t in tokens)


def fills_column(text: str, width: float) -> bool:
    """Whether a line reaches its column's edge (so the text it holds may go on in the next line)."""
    return width > 0 and printed_width(text) >= width - 1
