"""Tables as spreadsheets: (sheet name, header, rows) → xlsx or CSV bytes, every cell made safe.

A cell that begins with = + - @ is read by Excel and WPS as a formula; user text (a username, a review title,
a resident's words) must never become one, so such cells get a leading apostrophe. Control characters,
which xlsx cannot hold and which garble CSV, are dropped (tab and line breaks kept).
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..errors import InvalidInput
from .files import atomic_write

Sheet = tuple[str, list[str], list[list]]
TABLE_FORMATS = ("csv", "xlsx")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@")


def safe_cell(value):
    """The value as a cell holding exactly that text: never a formula, never a control character."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def table_bytes(sheets: list[Sheet], fmt: str) -> bytes:
    """CSV (the first sheet, UTF-8 with BOM so Excel on Chinese Windows reads it) or xlsx (every sheet)."""
    if fmt == "csv":
        handle = io.StringIO(newline="")
        writer = csv.writer(handle)
        _, header, rows = sheets[0]
        writer.writerow([safe_cell(h) for h in header])
        writer.writerows([safe_cell(v) for v in row] for row in rows)
        return handle.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook  # imported when a workbook is written, not when a server starts

    book = Workbook(write_only=True)
    for name, header, rows in sheets:
        sheet = book.create_sheet(name)
        sheet.freeze_panes = "A2"
        sheet.append([safe_cell(h) for h in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_table(path: Path, sheets: list[Sheet]) -> None:
    """By the file's suffix, .csv or .xlsx, replacing the target only when complete."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in TABLE_FORMATS:
        raise InvalidInput(f"{path.name}：输出只支持 .csv 和 .xlsx 文件")
    atomic_write(path, table_bytes(sheets, fmt))

