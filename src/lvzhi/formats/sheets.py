"""Tables as spreadsheets: (sheet name, header, rows) → xlsx or CSV bytes, every cell made safe.

A cell that begins with = + - @ is read by Excel and WPS as a formula; user text (a username, a review title,
a resident's words) must never become one, so such cells get a leading apostrophe. Control characters,
which xlsx cannot hold and which garble CSV, are dropped (tab and line breaks kept).
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import InvalidInput
from .files import atomic_write

Sheet = tuple[str, list[str], Iterable[list]]  # rows may be a generator: they are written as they come
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


def decode_text(data: bytes, source: str) -> str:
    """A text file from a Chinese office: UTF-8 (with or without BOM) or GBK/GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(f"{source}：无法识别文件编码（应为 UTF-8 或 GBK/GB18030）")



CHUNK_BYTES = 64 * 1024


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """A CSV file (UTF-8 with BOM so Excel on Chinese Windows reads it) piece by piece, about 64 KB at a time:
    the rows are read as the pieces are sent, never all held at once."""
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    handle.write("\ufeff")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        if handle.tell() >= CHUNK_BYTES:
            yield handle.getvalue().encode("utf-8")
            handle.seek(0)
            handle.truncate()
    yield handle.getvalue().encode("utf-8")


def _write_xlsx(sheets: list[Sheet], target) -> None:
    """Every sheet into `target` (a path or a binary file) with openpyxl's write-only mode: rows go to disk as they
    come, so a long sheet costs little memory."""
    from openpyxl import Workbook  # imported when a workbook is written, not when a server starts

    book = Workbook(write_only=True)
    for name, header, rows in sheets:
        sheet = book.create_sheet(name)
        sheet.freeze_panes = "A2"
        sheet.append([safe_cell(h) for h in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    book.save(target)


def table_bytes(sheets: list[Sheet], fmt: str) -> bytes:
    """CSV (the first sheet) or xlsx (every sheet), whole in memory: for small tables."""
    if fmt == "csv":
        _, header, rows = sheets[0]
        return b"".join(csv_chunks(header, rows))
    buffer = io.BytesIO()
    _write_xlsx(sheets, buffer)
    return buffer.getvalue()


def xlsx_file(sheets: list[Sheet]) -> Path:
    """The workbook in a new temporary file, for a long table sent as a file; the caller deletes it after use."""
    handle, name = tempfile.mkstemp(prefix="lvzhi-export-", suffix=".xlsx")
    os.close(handle)
    try:
        _write_xlsx(sheets, name)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def write_table(path: Path, sheets: list[Sheet]) -> None:
    """By the file's suffix, .csv or .xlsx, replacing the target only when complete; the rows are written as
    they come (a generator over a long table is never held whole)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in TABLE_FORMATS:
        raise InvalidInput(f"{path.name}：输出只支持 .csv 和 .xlsx 文件")
    if fmt == "csv":
        _, header, rows = sheets[0]
        atomic_write(path, csv_chunks(header, rows))
    else:
        atomic_write(path, lambda out: _write_xlsx(sheets, out))

