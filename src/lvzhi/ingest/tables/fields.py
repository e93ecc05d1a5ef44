"""From an item's cells to its fields: numbered points, department sub-headings ("区委组织部、区人力社保局："),
department names and "承接部门：" / "工作方式：" labels.

Inside a cell a line break is no boundary (a PDF wraps lines where the column ends, Word where the writer
pressed Enter): only a point's number (the next one in order) and a heading start something new.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from ...model import LIST_PREFIX, DutyGroup, Handler, Item, ListKind
from ..departments import DepartmentSplitter, ends_like_department, looks_like_department
from ..errors import IngestError
from ..points import Group, Point
from ..rows import HANDLER, HEADING, METHOD, POINT
from ..text import clean, join_wrapped
from .layout import FIELD_NAMES, RawRow

Headings = Callable[[list[str], int], "tuple[list[str], int] | None"]


class RowReader:
    """Reads a town's rows; `unsure` collects the codes whose cells did not read cleanly."""

    def __init__(self, splitter: DepartmentSplitter):
        self.splitter = splitter
        self.unsure: list[str] = []

    def item(self, kind: ListKind, row: RawRow, source: str) -> Item:
        code = f"{LIST_PREFIX[kind]}{row.number}"
        self.code, self.source, self.where = code, source, f"{row.where}，{code}"
        item = Item(code=code, list=kind, number=row.number, category=row.category,
                    title=join_wrapped(self.lines(row, "title")))
        if not item.title:
            raise self.fail("“事项名称”为空")
        if kind == "cooperative":
            item.departments = self.departments(self.text(row, "departments"), FIELD_NAMES["departments"])
            item.department_duties = self.department_duties(self.lines(row, "department_duties"), item.departments)
            town = self.points(self.lines(row, "town_duties"))
            if not town:
                raise self.fail("“镇配合职责”为空")
            item.town_duties = town
        elif kind == "reclaimed":
            self.handlers(item, row)
        return item

    # --- cells ---------------------------------------------------------------------------------------

    def fail(self, problem: str) -> IngestError:
        return IngestError(self.source, f"{self.code}：{problem}", self.where)

    def doubt(self) -> None:
        if self.code not in self.unsure:
            self.unsure.append(self.code)

    @staticmethod
    def lines(row: RawRow, key: str) -> list[str]:
        text = row.cells.get(key) or ""
        return [line.strip() for line in text.split("\n") if line.strip()]

    def text(self, row: RawRow, key: str) -> str:
        return "\n".join(self.lines(row, key))

    def departments(self, text: str, column: str) -> list[str]:
        """Department names: wrapped anywhere, separated by "、" or by line breaks."""
        lines = [clean(part) for line in text.split("\n") for part in re.split(r"[、，,；;]", line) if clean(part)]
        if not lines:
            raise self.fail(f"“{column}”为空")
        known = self.splitter.known
        if all(line in known or looks_like_department(line, self.splitter.starts) for line in lines):
            if not any(self.splitter.split(line) != [line] and line not in known for line in lines):
                return lines
        names = self.splitter.split_list(text.replace("\n", ""))
        if names:
            return names
        if all(ends_like_department(line) for line in lines):
            self.doubt()
            return lines
        raise self.fail(f"“{column}”无法识别为部门名称：{text.replace(chr(10), '')[:40]}")

    def heading_at(self, lines: list[str], at: int) -> tuple[list[str], int] | None:
        """A department sub-heading starting at line `at` ("区委组织部、区人力社保局：", perhaps wrapped over
        two or three lines): the names and how many lines it takes."""
        if POINT.match(lines[at]):
            return None
        text = ""
        for used in range(1, 4):
            if at + used > len(lines):
                return None
            text += lines[at + used - 1]
            heading = HEADING.match(clean(text))
            if heading:
                names = self.splitter.split_list(heading.group(1))
                return (names, used) if names else None
            if POINT.match(lines[min(at + used, len(lines) - 1)]):
                return None
        return None

    def groups(self, lines: list[str], headings: bool) -> list[Group]:
        """The cell's groups of points: a heading opens a group; a line with the next point number in
        order opens a point; any other line goes on with the point before it."""
        groups: list[Group] = []
        at = 0
        while at < len(lines):
            found = self.heading_at(lines, at) if headings else None
            if found:
                groups.append(Group(found[0]))
                at += found[1]
                continue
            text = lines[at]
            at += 1
            if not groups:
                groups.append(Group([]))
            points = groups[-1].points
            numbered = POINT.match(text)
            count = sum(1 for p in points if p.number is not None)
            if numbered and int(numbered.group(1)) == count + 1 and (not points or points[-1].number is not None):
                points.append(Point(int(numbered.group(1)), [text]))
            elif points:
                if numbered:
                    self.doubt()  # a number out of order inside a point: worth a look
                points[-1].lines.append(text)
            else:
                points.append(Point(None, [text]))
        return groups

    def points(self, lines: list[str]) -> list[str]:
        groups = self.groups(lines, headings=False)
        return [p.text for g in groups for p in g.points]

    def department_duties(self, lines: list[str], departments: list[str]) -> list[DutyGroup]:
        groups = self.groups(lines, headings=True)
        if not groups:
            raise self.fail("“上级部门职责”为空")
        result = []
        for group in groups:
            if not group.points:
                raise self.fail(f"“上级部门职责”中“{'、'.join(group.departments)}：”下没有职责")
            result.append(DutyGroup(group.departments or list(departments), [p.text for p in group.points]))
        return result

    def handlers(self, item: Item, row: RawRow) -> None:
        note = join_wrapped(self.lines(row, "note"))
        if "handlers" in row.cells:
            lines = self.lines(row, "handlers")
            item.handlers = self.labelled_handlers(lines)
            if not item.handlers:
                if not lines and not note:
                    raise self.fail("“承接部门及工作方式”为空")
                item.abolished, item.note = True, join_wrapped(lines) or note
            return
        names_text = self.text(row, "handler_departments")
        method_lines = self.lines(row, "methods")
        if not names_text:
            text = join_wrapped(method_lines) or note
            if not text:
                raise self.fail("“承接部门”和“工作方式”都为空")
            item.abolished, item.note = True, text
            return
        names = self.departments(names_text, "承接部门")
        groups = self.groups(method_lines, headings=True)
        if not groups or any(not g.points for g in groups):
            raise self.fail("“工作方式”为空")
        item.handlers = [Handler(g.departments or list(names), [p.text for p in g.points]) for g in groups]

    def labelled_handlers(self, lines: list[str]) -> list[Handler]:
        """"承接部门：…" / "工作方式：…" pairs; empty when the cell is only a note (an abolished item)."""
        parts: list[tuple[list[str], list[str]]] = []  # (department lines, method lines)
        in_methods = False
        for text in lines:
            handler = HANDLER.match(text)
            method = METHOD.match(text)
            if handler:
                parts.append(([handler.group(1)], []))
                in_methods = False
            elif not parts:
                if POINT.match(text) or method:
                    raise self.fail(f"“承接部门及工作方式”应以“承接部门：”开头，读到的是“{text[:20]}”")
                return []
            elif method:
                in_methods = True
                if method.group(1).strip():
                    parts[-1][1].append(method.group(1).strip())
            elif in_methods:
                parts[-1][1].append(text)
            else:
                parts[-1][0].append(text)
        handlers = []
        for names, methods in parts:
            departments = self.departments("".join(names), "承接部门")
            points = self.points(methods)
            if not points:
                raise self.fail(f"承接部门“{'、'.join(departments)}”缺少工作方式")
            handlers.append(Handler(departments, points))
        return handlers
