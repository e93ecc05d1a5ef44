"""The directory of bodies as a spreadsheet: one row per body with its public contact, to fill in and import
(xlsx or csv, UTF-8 or GBK) and to export. Columns are told from the header; bad rows are named in Chinese and
the caller writes nothing unless every row is good."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ..errors import InvalidInput
from .organisation import RowErrors, _cell, _find_header, sheets_of
from .sheets import Sheet, decode_text

DIRECTORY_HEADER = ["单位", "类别", "电话", "地址", "办公时间", "网站", "备注", "区县"]
DIRECTORY_COLUMNS = {
    "name": ("单位", "单位名称", "机构", "名称", "部门"),
    "kind": ("类别", "类型"),
    "phone": ("电话", "联系电话", "咨询电话", "办事电话"),
    "address": ("地址", "办公地址", "大厅地址", "办事地址", "窗口地址"),
    "hours": ("办公时间", "开放时间", "工作时间", "受理时间"),
    "website": ("网站", "网址", "官网"),
    "note": ("备注", "说明"),
    "district": ("区县", "区", "县"),
}
FIELDS = ("phone", "address", "hours", "website", "note")


@dataclass
class DirectoryLine:
    row: int
    name: str
    kind: str  # as written (a Chinese kind name or empty)
    district: str
    contact: dict[str, str]  # phone, address, hours, website, note


def _rows(data: bytes, source: str) -> list[list[str]]:
    if source.lower().endswith(".csv"):
        text = decode_text(data, source)
        try:
            return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise InvalidInput(f"{source}：不是有效的 CSV 文件（{exc}）") from None
    if not source.lower().endswith(".xlsx"):
        raise InvalidInput(f"{source}：只支持 .xlsx 和 .csv 文件（请用 Excel 或 WPS 另存为 .xlsx）")
    return next(iter(sheets_of(data, source).values()), [])


def read_directory(data: bytes, source: str) -> tuple[list[DirectoryLine], list[str]]:
    """The rows of the first sheet (or the csv) and the rows unusable as written (“第 N 行：…”)."""
    rows = _rows(data, source)
    if not rows:
        raise InvalidInput(f"{source}：文件是空的")
    start, at = _find_header(rows, DIRECTORY_COLUMNS, ("name",), source, "单位名录")
    if not any(field in at for field in FIELDS):
        raise InvalidInput(f"{source}：表头中没有任何联系方式列（电话、地址、办公时间、网站、备注）")
    lines, errors = [], []
    for number, row in enumerate(rows[start + 1:], start=start + 2):
        if not any(row):
            continue
        name = _cell(row, at["name"])
        if not name:
            errors.append(f"第 {number} 行：缺少单位名称")
            continue
        lines.append(DirectoryLine(number, name, _cell(row, at.get("kind")), _cell(row, at.get("district")),
                                   {f: _cell(row, at.get(f)) for f in FIELDS if f in at}))
    if not lines and not errors:
        raise InvalidInput(f"{source}：表头之下没有任何单位")
    return lines, errors


def directory_sheet(district: str, entries: list[dict]) -> list[Sheet]:
    rows = [[e["name"], e["kind_name"], e["phone"], e["address"], e["hours"], e["website"], e["note"], district]
            for e in entries]
    return [(f"{district}单位名录"[:31], DIRECTORY_HEADER, rows)]


__all__ = ["DirectoryLine", "RowErrors", "directory_sheet", "read_directory", "DIRECTORY_HEADER"]
