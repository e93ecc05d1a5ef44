"""The layout-independent stage every table format is read into: a file's text lines and table rows, in order."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Piece:
    """A line of text outside the tables (a title, "附件1"), or one table row's cells (each cell's lines
    joined by "\\n"). `where` names the place in the file for messages: "第 3 页表格第 5 行"."""

    where: str
    text: str | None = None
    cells: list[str] = field(default_factory=list)

    @property
    def is_row(self) -> bool:
        return self.text is None


def text_piece(text: str, where: str) -> Piece:
    return Piece(where=where, text=text)


def row_piece(cells: list[str | None], where: str) -> Piece:
    return Piece(where=where, cells=[(c or "").replace("\r\n", "\n").replace("\r", "\n").strip() for c in cells])
