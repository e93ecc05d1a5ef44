"""Writing a town's lists out: JSON (stable, for other tools), xlsx (for clerks) and CSV."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..model import LIST_KINDS, LIST_TITLES, Dataset
from .cells import COLUMNS, row_values
from .files import atomic_write

FORMATS = ("json", "csv", "xlsx")
_WIDTHS = {"序号": 6, "类别": 12, "事项名称": 36, "对应上级部门": 18, "上级部门职责": 50, "镇配合职责": 50,
           "承接部门及工作方式": 70}
CSV_COLUMNS = ["编码", "清单", "序号", "类别", "事项名称", "对应上级部门", "上级部门职责", "镇配合职责", "承接部门及工作方式"]


def to_json(dataset: Dataset) -> str:
    return json.dumps(dataset.to_dict(), ensure_ascii=False, indent=2) + "\n"


def write_json(dataset: Dataset, path: Path) -> None:
    atomic_write(path, to_bytes(dataset, "json"))


def csv_text(dataset: Dataset) -> str:
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow(CSV_COLUMNS)
    for item in dataset.items:
        values = dict(zip(COLUMNS[item.list], row_values(item)))
        writer.writerow([item.code, LIST_TITLES[item.list]] + [values.get(c, "") for c in CSV_COLUMNS[2:]])
    return handle.getvalue()


def _xlsx_bytes(dataset: Dataset) -> bytes:
    from openpyxl import Workbook  # imported when a workbook is written, not when a server starts
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    info = book.create_sheet("说明")
    for row in (("镇街", dataset.town.name), ("区县", dataset.town.district), ("市", dataset.town.city),
                ("版本", dataset.version), ("说明", "三张工作表依次为基本履职、配合履职、上级部门收回事项清单")):
        info.append(row)
    info.column_dimensions["A"].width = 10
    info.column_dimensions["B"].width = 60
    for kind in LIST_KINDS:
        sheet = book.create_sheet(LIST_TITLES[kind])
        columns = COLUMNS[kind]
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center")
        for item in dataset.items_of(kind):
            sheet.append(row_values(item))
        for index, name in enumerate(columns, start=1):
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = _WIDTHS[name]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_bytes(dataset: Dataset, fmt: str) -> bytes:
    """The file's content; CSV is utf-8-sig so that Excel on a Chinese Windows opens it without garbling."""
    if fmt == "json":
        return to_json(dataset).encode("utf-8")
    if fmt == "csv":
        return csv_text(dataset).encode("utf-8-sig")
    return _xlsx_bytes(dataset)


def write(dataset: Dataset, path: Path, fmt: str) -> None:
    atomic_write(path, to_bytes(dataset, fmt))
