"""How an item is laid out as a table row (xlsx, csv), and read back from one.

The columns follow the official document; multi-part cells use the document's own conventions:
numbered points "1.…", department headings "区医保局：", and "承接部门：" / "工作方式：" labels.
"""
from __future__ import annotations

import re

from ..errors import InvalidInput
from ..model import DutyGroup, Handler, Item, ListKind

COLUMNS: dict[ListKind, list[str]] = {
    "basic": ["序号", "类别", "事项名称"],
    "cooperative": ["序号", "类别", "事项名称", "对应上级部门", "上级部门职责", "镇配合职责"],
    "reclaimed": ["序号", "类别", "事项名称", "承接部门及工作方式"],
}
DEPARTMENT_SEPARATOR = "、"
_POINT = re.compile(r"^(\d{1,3})[.．]\s*(.*)$")
_HEADING = re.compile(r"^(.+?)：$")
_HANDLER = re.compile(r"^承接部门：(.*)$")
_METHOD = re.compile(r"^工作方式：(.*)$")


class CellError(InvalidInput):
    """A cell that does not follow the layout; the message is Chinese and names the column."""


def numbered(points: list[str]) -> list[str]:
    if len(points) == 1:
        return list(points)
    return [f"{index}.{text}" for index, text in enumerate(points, start=1)]


def unnumbered(lines: list[str]) -> list[str]:
    return [(_POINT.match(line).group(2) if _POINT.match(line) else line).strip() for line in lines]


def format_departments(names: list[str]) -> str:
    return DEPARTMENT_SEPARATOR.join(names)


def format_department_duties(item: Item) -> str:
    lines: list[str] = []
    single = len(item.department_duties) == 1 and item.department_duties[0].departments == item.departments
    for group in item.department_duties:
        if not single:
            lines.append(format_departments(group.departments) + "：")
        lines.extend(numbered(group.duties))
    return "\n".join(lines)


def format_town_duties(item: Item) -> str:
    return "\n".join(numbered(item.town_duties))


def format_handlers(item: Item) -> str:
    if item.abolished:
        return item.note or ""
    lines: list[str] = []
    for handler in item.handlers:
        lines.append("承接部门：" + format_departments(handler.departments))
        lines.append("工作方式：")
        lines.extend(numbered(handler.methods))
    return "\n".join(lines)


def row_values(item: Item) -> list[str | int]:
    values: list[str | int] = [item.number, item.category, item.title]
    if item.list == "cooperative":
        values += [format_departments(item.departments), format_department_duties(item), format_town_duties(item)]
    elif item.list == "reclaimed":
        values.append(format_handlers(item))
    return values


def _lines(cell: str) -> list[str]:
    return [line.strip() for line in cell.replace("\r\n", "\n").split("\n") if line.strip()]


def parse_departments(cell: str, column: str) -> list[str]:
    names = [name.strip() for name in re.split(r"[、\n]", cell) if name.strip()]
    if not names:
        raise CellError(f"“{column}”为空")
    return names


def parse_department_duties(cell: str, departments: list[str]) -> list[DutyGroup]:
    groups: list[DutyGroup] = []
    for line in _lines(cell):
        heading = _HEADING.match(line)
        if heading and not _POINT.match(line):
            groups.append(DutyGroup(parse_departments(heading.group(1), "上级部门职责"), []))
            continue
        if not groups:
            groups.append(DutyGroup(list(departments), []))
        groups[-1].duties.append(unnumbered([line])[0])
    if not groups or any(not g.duties for g in groups):
        raise CellError("“上级部门职责”为空或某个部门下没有职责")
    return groups


def parse_town_duties(cell: str) -> list[str]:
    duties = unnumbered(_lines(cell))
    if not duties:
        raise CellError("“镇配合职责”为空")
    return duties


def parse_handlers(cell: str) -> tuple[list[Handler], bool, str | None]:
    """Handlers with their methods, or (no handlers, abolished, note) when the cell is only a note."""
    lines = _lines(cell)
    if not lines:
        raise CellError("“承接部门及工作方式”为空")
    if not _HANDLER.match(lines[0]):
        return [], True, "".join(lines)
    handlers: list[Handler] = []
    for line in lines:
        handler = _HANDLER.match(line)
        method = _METHOD.match(line)
        if handler:
            handlers.append(Handler(parse_departments(handler.group(1), "承接部门"), []))
        elif method:
            if method.group(1).strip():
                handlers[-1].methods.append(unnumbered([method.group(1)])[0])
        else:
            handlers[-1].methods.append(unnumbered([line])[0])
    for handler in handlers:
        if not handler.methods:
            raise CellError(f"承接部门“{format_departments(handler.departments)}”缺少工作方式")
    return handlers, False, None
