"""Spreadsheets in the official column layout (.xlsx, .csv): each sheet's rows, the sheet's name first
(it often names the list)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ...formats.xlsxread import BROKEN_XLSX, SheetTooLarge, open_workbook, sheet_rows
from ..errors import IngestError
from .pieces import Piece, row_piece, text_piece


def xlsx_pieces(path: Path) -> list[Piece]:
    try:
        book = open_workbook(path)
    except BROKEN_XLSX as exc:
        raise IngestError(path.name, f"不是有效的 xlsx 文件（{type(exc).__name__}）") from exc
    pieces: list[Piece] = []
    try:
        for sheet in book.worksheets:
            pieces.append(text_piece(sheet.title, f"工作表“{sheet.title}”"))
            for number, row in enumerate(sheet_rows(sheet), start=1):
                cells = [_cell_text(v) for v in row]
                if not any(cells):
                    continue
                where = f"工作表“{sheet.title}”第 {number} 行"
                filled = [c for c in cells if c]
                if (len(filled) == 1 and cells[0] == filled[0] and not _is_number(filled[0])
                        and _is_title_like(filled[0])):
                    pieces.append(text_piece(filled[0], where))  # a title row above the table
                else:
                    pieces.append(row_piece(cells, where))
    except SheetTooLarge as exc:
        raise IngestError(path.name, str(exc)) from None
    finally:
        book.close()
    return pieces


def csv_pieces(path: Path) -> list[Piece]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise IngestError(path.name, "无法识别 CSV 文件的编码：应为 UTF-8 或 GB18030（GBK）")
    pieces: list[Piece] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        where = f"第 {number} 行"
        filled = [c for c in cells if c]
        if len(filled) == 1 and cells[0] == filled[0] and _is_title_like(filled[0]):
            pieces.append(text_piece(filled[0], where))
        else:
            pieces.append(row_piece(cells, where))
    return pieces


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_number(text: str) -> bool:
    return text.strip().isdigit()


def _is_title_like(text: str) -> bool:
    """A lone cell that names a list ("白沙镇基本履职事项清单") or an attachment, not a category row."""
    return "清单" in text or text.startswith("附件")
