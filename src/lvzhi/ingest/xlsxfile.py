"""Reads the xlsx lvzhi exports (three sheets with the document's columns) back into a Dataset."""
from __future__ import annotations

from pathlib import Path

from ..model import LIST_KINDS, LIST_PREFIX, LIST_TITLES, Dataset, Item, ListKind, Town
from ..formats.cells import COLUMNS, CellError, parse_department_duties, parse_departments, parse_handlers, parse_town_duties
from ..formats.xlsxread import BROKEN_XLSX, SheetTooLarge, open_workbook, sheet_rows
from .errors import IngestError

INFO_SHEET = "说明"
INFO_FIELDS = {"镇街": "town", "区县": "district", "市": "city", "版本": "version"}


def read_xlsx_file(path: Path, town: Town | None = None) -> Dataset:
    try:
        book = open_workbook(path)
    except BROKEN_XLSX as exc:
        raise IngestError(path.name, f"不是有效的 xlsx 文件（{type(exc).__name__}）") from exc
    items: list[Item] = []
    found = False
    try:
        info = _read_info(book)
        for kind in LIST_KINDS:
            if LIST_TITLES[kind] not in book.sheetnames:
                continue
            found = True
            items.extend(_read_sheet(book[LIST_TITLES[kind]], kind, path.name))
    except SheetTooLarge as exc:
        raise IngestError(path.name, str(exc)) from None
    finally:
        book.close()
    if not found:
        names = "、".join(LIST_TITLES.values())
        raise IngestError(path.name, f"找不到清单工作表：工作表名应为 {names}")
    if town is None:
        if not info.get("town"):
            raise IngestError(path.name, f"“{INFO_SHEET}”工作表缺少镇街名称，请指定镇街（命令行用 --town，网页导入时填写“镇街”）")
        town = Town(info["town"], info.get("district", ""), info.get("city", ""))
    return Dataset(town=town, version=info.get("version", ""), items=items)


def _read_info(book) -> dict[str, str]:
    if INFO_SHEET not in book.sheetnames:
        return {}
    info: dict[str, str] = {}
    for row in sheet_rows(book[INFO_SHEET]):
        if row and row[0] in INFO_FIELDS and len(row) > 1 and row[1] is not None:
            info[INFO_FIELDS[row[0]]] = str(row[1]).strip()
    return info


def _read_sheet(sheet, kind: ListKind, source: str) -> list[Item]:
    rows = sheet_rows(sheet)
    header = [str(v).strip() if v is not None else "" for v in next(rows, ())]
    columns = COLUMNS[kind]
    missing = [c for c in columns if c not in header]
    if missing:
        raise IngestError(source, f"缺少列：{'、'.join(missing)}", f"工作表“{sheet.title}”第 1 行")
    index = {name: header.index(name) for name in columns}
    items: list[Item] = []
    for row_number, row in enumerate(rows, start=2):
        values = {name: (row[i] if i < len(row) else None) for name, i in index.items()}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        where = f"工作表“{sheet.title}”第 {row_number} 行"
        items.append(_item_from_row(values, kind, source, where))
    return items


def _text(values: dict, column: str, source: str, where: str) -> str:
    value = values[column]
    text = "" if value is None else str(value).strip()
    if not text:
        raise IngestError(source, f"“{column}”为空", where)
    return text


def _item_from_row(values: dict, kind: ListKind, source: str, where: str) -> Item:
    raw_number = values["序号"]
    try:
        number = int(str(raw_number).strip())
    except (TypeError, ValueError):
        raise IngestError(source, f"“序号”应为整数，实际是“{raw_number}”", where) from None
    item = Item(code=f"{LIST_PREFIX[kind]}{number}", list=kind, number=number,
                category=_text(values, "类别", source, where), title=_text(values, "事项名称", source, where))
    try:
        if kind == "cooperative":
            item.departments = parse_departments(_text(values, "对应上级部门", source, where), "对应上级部门")
            item.department_duties = parse_department_duties(_text(values, "上级部门职责", source, where), item.departments)
            item.town_duties = parse_town_duties(_text(values, "镇配合职责", source, where))
        elif kind == "reclaimed":
            item.handlers, item.abolished, item.note = parse_handlers(_text(values, "承接部门及工作方式", source, where))
    except CellError as exc:
        raise IngestError(source, str(exc), where) from None
    return item
