"""Reading xlsx files that may be hostile: only the cells that exist, within a row and column cap.

A sheet declares its size in `<dimension ref="A1:XFD1048576">`; openpyxl pads every row to that size, so a
1.6 KB file can ask for billions of empty cells. Here the declared size is dropped (`reset_dimensions`), each
row ends at its last non-empty cell, and a sheet with more rows or columns than any real list or hotline
export has is refused with a Chinese message instead of being read.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Iterator

from ..errors import InvalidInput

MAX_ROWS = 200_000
MAX_COLUMNS = 256


class SheetTooLarge(InvalidInput):
    """The sheet holds more rows or columns than lvzhi reads."""


def open_workbook(path: Path):
    """A read-only workbook; raises ValueError-like errors (BadZipFile, KeyError, OSError) for broken files."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException as exc:
        raise ValueError(str(exc)) from None


BROKEN_XLSX = (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError)


def sheet_rows(sheet, max_rows: int | None = None, max_columns: int | None = None) -> Iterator[tuple]:
    """The sheet's rows as value tuples, each without trailing empty cells; stops with SheetTooLarge past the caps.

    Rows missing from the file come back as empty tuples so row numbers stay the sheet's own; empty rows past
    the row cap are skipped.
    """
    max_rows = MAX_ROWS if max_rows is None else max_rows
    max_columns = MAX_COLUMNS if max_columns is None else max_columns
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    number = 0
    for row in sheet.iter_rows(values_only=True):
        number += 1
        end = len(row)
        while end and (row[end - 1] is None or (isinstance(row[end - 1], str) and not row[end - 1].strip())):
            end -= 1
        if number > max_rows:
            if end == 0:
                continue  # empty (styled) rows below the cap hold nothing to read
            raise SheetTooLarge(f"工作表“{sheet.title}”超过 {max_rows} 行的上限；请拆成几个文件分别导入")
        if end > max_columns:
            raise SheetTooLarge(f"工作表“{sheet.title}”第 {number} 行有 {end} 列，超过 {max_columns} 列的上限；"
                                "请删去多余的列后再导入")
        yield tuple(row[:end])
