"""From a file's pieces (text lines and table rows) to its lists: titles, header rows, category rows,
item rows and the parts of rows that page breaks cut off. Independent of the file's format."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...model import LIST_TITLES, ListKind, Town
from ..errors import IngestError
from .pieces import Piece

# Column names as the documents print them (whitespace removed), and the field each one holds.
COLUMN_NAMES: dict[str, str] = {
    "序号": "number",
    "事项名称": "title", "事项": "title", "履职事项": "title", "职责事项": "title",
    "对应上级部门": "departments", "牵头部门": "departments", "责任部门": "departments", "上级部门": "departments",
    "对应部门": "departments", "上级牵头部门": "departments",
    "上级部门职责": "department_duties", "部门职责": "department_duties", "上级部门职责任务": "department_duties",
    "镇配合职责": "town_duties", "乡配合职责": "town_duties", "乡镇配合职责": "town_duties",
    "街道配合职责": "town_duties", "镇（街道）配合职责": "town_duties", "配合职责": "town_duties",
    "承接部门及工作方式": "handlers", "承接部门和工作方式": "handlers",
    "承接部门": "handler_departments", "工作方式": "methods",
    "备注": "note",
    # lvzhi's own csv: every list in one table, a row's list and category in columns of their own
    "清单": "list", "类别": "category",
}
FIELD_NAMES = {
    "number": "序号", "title": "事项名称", "departments": "对应上级部门", "department_duties": "上级部门职责",
    "town_duties": "镇配合职责", "handlers": "承接部门及工作方式", "handler_departments": "承接部门", "methods": "工作方式",
}
REQUIRED: dict[ListKind, tuple[str, ...]] = {
    "basic": ("number", "title"),
    "cooperative": ("number", "title", "departments", "department_duties", "town_duties"),
    "reclaimed": ("number", "title"),
}
_NUMERAL = "[一二三四五六七八九十百]+"
CATEGORY = re.compile(rf"^(?:{_NUMERAL}、|[（(]{_NUMERAL}[）)])\s*(.+?)\s*(?:[（(]\s*共?\s*\d+\s*项\s*[）)])?$"
                      rf"|^([^\d（(]\S*?)\s*[（(]\s*共?\s*\d+\s*项\s*[）)]$")
_ATTACHMENT = re.compile(r"^(?:附件\s*\d*\s*[:：]?)?(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．])?")
_PLACE = re.compile(r"^(?P<city>[\u4e00-\u9fff]{1,6}?市)?(?P<district>[\u4e00-\u9fff]{1,8}?(?:区|县))?"
                    r"(?P<town>[\u4e00-\u9fff]{1,10}?(?:镇|乡|街道))$")
_TITLE_END = re.compile(r"^(?:[（(][^（）()]*[）)])?$")
_WHOLE_TITLE = "履行职责事项清单"
_SPACE = re.compile(r"\s+")


@dataclass
class RawRow:
    """An item's row: its cells by field, with what page breaks cut off joined back."""

    number: int
    category: str
    cells: dict[str, str]
    where: str


@dataclass
class ListPart:
    kind: ListKind
    source: str
    where: str
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[RawRow] = field(default_factory=list)


@dataclass
class ListFile:
    """What one file holds: one list or several, and the town its titles name (None when they do not)."""

    source: str
    parts: list[ListPart]
    place: Town | None = None
    place_where: str = ""


def parse_title(text: str) -> tuple[ListKind | None, Town | None] | None:
    """A list's title ("附件1：重庆市江津区白沙镇基本履职事项清单") as (list, place); a whole document's
    title ("白沙镇履行职责事项清单") as (None, place); None for any other text."""
    compact = _SPACE.sub("", text)
    for kind, title in [*LIST_TITLES.items(), (None, _WHOLE_TITLE)]:
        at = compact.find(title)
        if at < 0 or not _TITLE_END.match(compact[at + len(title):]):
            continue
        before = _ATTACHMENT.sub("", compact[:at], count=1)
        if not before:
            return (kind, None) if kind else None
        place = _PLACE.match(before)
        if place:
            return kind, Town(place.group("town"), place.group("district") or "", place.group("city") or "")
        return None
    return None


def header_columns(cells: list[str]) -> dict[str, int] | None:
    """The fields of a header row by column index, or None if the row is no header."""
    names = [_SPACE.sub("", c) for c in cells]
    if "序号" not in names or not any(COLUMN_NAMES.get(n) == "title" for n in names):
        return None
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        key = COLUMN_NAMES.get(name) or ("town_duties" if name.endswith("配合职责") else None)
        if key and key not in columns:
            columns[key] = index
    return columns


def kind_of_columns(columns: dict[str, int]) -> ListKind:
    if {"handlers", "handler_departments", "methods"} & set(columns):
        return "reclaimed"
    if {"departments", "department_duties", "town_duties"} & set(columns):
        return "cooperative"
    return "basic"


def missing_columns(kind: ListKind, columns: dict[str, int]) -> list[str]:
    missing = [FIELD_NAMES[f] for f in REQUIRED[kind] if f not in columns]
    if kind == "reclaimed" and "handlers" not in columns:
        missing += [FIELD_NAMES[f] for f in ("handler_departments", "methods") if f not in columns]
        if len(missing) == 2:
            missing = ["承接部门及工作方式（或“承接部门”“工作方式”两列）"]
    return missing


def read_pieces(pieces: list[Piece], source: str) -> ListFile:
    result = ListFile(source, [])
    pending: ListKind | None = None
    part: ListPart | None = None
    category = ""
    for piece in pieces:
        if not piece.is_row:
            title = parse_title(piece.text or "")
            if title is None:
                continue
            kind, place = title
            _note_place(result, place, piece.where)
            if kind:
                pending, part, category = kind, None, ""
            continue
        cells = piece.cells
        columns = header_columns(cells)
        if columns is not None:
            if part is None:
                part = _new_part(result, pending, columns, piece.where)
                category = ""
            continue  # a header repeated on each page
        filled = [c for c in cells if c]
        if not filled:
            continue
        lone = filled[0] if len(set(filled)) == 1 else None
        if lone is not None and part is None or (lone and parse_title(lone)):
            title = parse_title(lone)
            if title is None:
                raise IngestError(source, f"表格之前应有表头（“序号”“事项名称”等列），读到的是“{lone[:30]}”", piece.where)
            kind, place = title
            _note_place(result, place, piece.where)
            if kind:
                pending, part, category = kind, None, ""
            continue
        if part is None:
            raise IngestError(source, "表格之前应有表头（“序号”“事项名称”等列）", piece.where)
        if "list" in part.columns:
            part = _part_of_row(result, part, _cell(cells, part.columns["list"]), piece.where)
        number_cell = _cell(cells, part.columns["number"])
        if lone is not None and number_cell in ("", lone) and CATEGORY.match(_SPACE.sub("", lone)):
            found = CATEGORY.match(_SPACE.sub("", lone))
            category = found.group(1) or found.group(2)
            continue
        _add_row(part, cells, number_cell, category, piece.where)
    if not result.parts:
        raise IngestError(source, "找不到清单表格：应有含“序号”“事项名称”等列的表头行")
    for found in result.parts:
        if not found.rows:
            raise IngestError(source, f"{LIST_TITLES[found.kind]}没有任何事项", found.where)
    return result


def _note_place(result: ListFile, place: Town | None, where: str) -> None:
    if place is None:
        return
    if result.place is None:
        result.place, result.place_where = place, where
    elif place.name != result.place.name:
        raise IngestError(result.source, f"标题中的镇街名称不一致：{result.place_where}为“{result.place.name}”，"
                                         f"此处为“{place.name}”", where)
    else:
        result.place.district = result.place.district or place.district
        result.place.city = result.place.city or place.city


def _part_of_row(result: ListFile, current: ListPart, name: str, where: str) -> ListPart:
    """In a table of all three lists (lvzhi's csv), the part of the list the row's "清单" cell names."""
    if not name:
        return current  # the rest of the row above
    kinds = [kind for kind, title in LIST_TITLES.items() if _SPACE.sub("", name) == title]
    if not kinds:
        raise IngestError(result.source, f"“清单”应为{'、'.join(LIST_TITLES.values())}之一，读到的是“{name[:20]}”", where)
    for part in result.parts:
        if part.kind == kinds[0]:
            return part
    if current.kind == kinds[0] or not current.rows and current.kind == "basic":
        current.kind = kinds[0]
        return current
    part = ListPart(kinds[0], result.source, where, current.columns)
    result.parts.append(part)
    return part


def _new_part(result: ListFile, pending: ListKind | None, columns: dict[str, int], where: str) -> ListPart:
    if "list" in columns:  # lvzhi's csv: the rows say their lists
        part = ListPart("basic", result.source, where, columns)
        result.parts.append(part)
        return part
    by_columns = kind_of_columns(columns)
    kind = pending or by_columns
    if by_columns != kind and by_columns != "basic":
        raise IngestError(result.source, f"标题是“{LIST_TITLES[kind]}”，表头却是{LIST_TITLES[by_columns]}的列", where)
    missing = missing_columns(kind, columns)
    if missing:
        raise IngestError(result.source, f"{LIST_TITLES[kind]}的表格缺少列：{'、'.join(missing)}", f"{where}（表头）")
    for other in result.parts:
        if other.kind == kind:
            raise IngestError(result.source, f"文件中有两张{LIST_TITLES[kind]}（{other.where}和{where}）", where)
    part = ListPart(kind, result.source, where, columns)
    result.parts.append(part)
    return part


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _add_row(part: ListPart, cells: list[str], number_cell: str, category: str, where: str) -> None:
    values = {key: _cell(cells, index) for key, index in part.columns.items()}
    if not number_cell:
        if not part.rows:
            raise IngestError(part.source, "表格的第一个事项缺少“序号”", where)
        previous = part.rows[-1].cells  # the rest of the row above, cut off by a page break
        for key, text in values.items():
            if text:
                previous[key] = f"{previous[key]}\n{text}" if previous.get(key) else text
        return
    compact = _SPACE.sub("", number_cell).rstrip(".．、")  # "1" or "1."
    if not compact.isdigit():
        raise IngestError(part.source, f"“序号”应为数字，读到的是“{number_cell[:20]}”", where)
    number = int(compact)
    expected = part.rows[-1].number + 1 if part.rows else 1
    if number != expected:
        title = LIST_TITLES[part.kind]
        if part.rows and number <= part.rows[-1].number:
            problem = f"{title}的序号 {number} 重复或倒序（上一行是 {part.rows[-1].number}）"
        else:
            gap = "、".join(map(str, range(expected, number))) if number - expected <= 10 else f"{expected}–{number - 1}"
            after = f"序号 {expected - 1} 之后是 {number}" if part.rows else f"第一个事项的序号是 {number}"
            problem = f"{title}的序号不连续：{after}，缺少 {gap}"
        raise IngestError(part.source, problem, where)
    category = values.pop("category", "") or category
    if not category:
        raise IngestError(part.source, f"序号 {number} 之前没有类别行（如“一、党的建设（25项）”）", where)
    part.rows.append(RawRow(number, category, values, where))
