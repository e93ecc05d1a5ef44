"""Reads the text extracted from an official 履职事项清单 PDF into a Dataset.

The extraction flattens each table row column by column: the item number, the title's wrapped lines,
the departments' wrapped lines, then the duty columns. When a row crosses a page, the part on the
next page starts again with the first column that still has text. The reader therefore works on
the format's structure (item numbers, numbered points, "承接部门：" labels, department headings,
sentence ends and the printed width of the narrow columns), never on where this file breaks lines.
"""
from __future__ import annotations

import re
import statistics
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from ..model import ABOLISHED_NOTE_MARK, LIST_PREFIX, LIST_TITLES, Dataset, DutyGroup, Handler, Item, ListKind, Town
from .departments import DepartmentSplitter, looks_like_department
from .errors import IngestError
from .text import clean, is_terminated, join_wrapped, printed_width

_CATEGORY = re.compile(r"^[一二三四五六七八九十]+、\s*(\S+?)\s*（\s*(\d+)\s*项\s*）$")
_PAGE_NUMBER = re.compile(r"^第\s*\d+\s*页$|^-\s*\d+\s*-$|^\d+\s*/\s*\d+$")
_TABLE_HEADER = re.compile(r"^序号\s+事项名称")
_ROW_START = re.compile(r"^(\d{1,4})(?:\s+(.*))?$")
_POINT = re.compile(r"^(\d{1,3})\s*[.．、]\s*(.*)$")
_HANDLER = re.compile(r"^承接部门\s*[:：]\s*(.*)$")
_METHOD = re.compile(r"^工作方式\s*[:：]\s*(.*)$")
_HEADING = re.compile(r"^(.+?)[:：]$")
HEAD_TOKEN_MAX_WIDTH = 12



# Whether a line ending in "。" at its column's edge is read as wrapped (see Point.open).
_EDGE_PERIOD_WRAPS: ContextVar[bool] = ContextVar("edge_period_wraps", default=False)

@dataclass
class Line:
    text: str
    number: int
    page_break: bool = False


@dataclass
class Row:
    kind: ListKind
    number: int
    category: str
    first_line: int
    segments: list[list[Line]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return f"{LIST_PREFIX[self.kind]}{self.number}"


@dataclass
class ColumnWidths:
    """Printed widths of a full line in a list's title column and duty columns."""

    title: float
    duty: float


@dataclass
class Point:
    """One duty or method as printed: a numbered point or a paragraph, possibly wrapped."""

    number: int | None
    lines: list[str]
    column_width: float = 0.0

    @property
    def open(self) -> bool:
        """Whether the next unnumbered line still belongs to this point.

        A line that ends in "；" at the column's edge is a wrap, not the point's end. "。" there is
        taken as an end, since nothing in the extracted text tells it from a point that ends at the edge,
        unless a row is being read again because that first reading broke its numbering.
        """
        last = self.lines[-1]
        wraps = ("；", ";", "。") if _EDGE_PERIOD_WRAPS.get() else ("；", ";")
        if last.endswith(wraps) and _fills_column(last, self.column_width):
            return True
        return not is_terminated(last)

    @property
    def text(self) -> str:
        """The point without its printed number."""
        text = join_wrapped(self.lines)
        numbered = _POINT.match(text) if self.number is not None else None
        return numbered.group(2) if numbered else text


def decode(data: bytes, source: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(title in text for title in LIST_TITLES.values()):
            return text
        if encoding == "utf-8-sig":
            break
    if b"\x00" in data[:4096]:
        raise IngestError(source, "这不是文本文件（含二进制内容），请提供从清单 PDF 导出的文本、JSON 或 xlsx 文件")
    raise IngestError(
        source,
        "无法识别文件编码或格式：文件应为 UTF-8（或 GB18030）编码的清单文本，且含有"
        "“基本履职事项清单”“配合履职事项清单”“上级部门收回事项清单”之一的标题",
    )


def parse_document_file(path: str | Path, town: Town, version: str = "") -> Dataset:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(str(path), f"无法读取文件：{exc.strerror or exc}") from exc
    return parse_document(decode(data, path.name), town, version=version, source=path.name)


def parse_document(text: str, town: Town, version: str = "", source: str = "清单文本") -> Dataset:
    lines = _significant_lines(text)
    rows = _split_rows(lines, source)
    splitter = DepartmentSplitter(_known_departments(lines))
    items: list[Item] = []
    for kind in ("basic", "cooperative", "reclaimed"):
        kind_rows = [r for r in rows if r.kind == kind]
        widths = ColumnWidths(_title_column_width(kind_rows, kind, splitter), _duty_column_width(kind_rows))
        reader = {"basic": _read_basic, "cooperative": _read_cooperative, "reclaimed": _read_reclaimed}[kind]
        for row in kind_rows:
            items.append(reader(row, splitter, widths, source))
    return Dataset(town=town, version=version, items=items)


# --- lines, lists, categories and rows ------------------------------------------------------------

def _significant_lines(text: str) -> list[Line]:
    """Non-empty lines with page furniture (page numbers, repeated table headers) removed.

    A line that opens a new page keeps `page_break`; the extractor marks such a line with leading
    white space, and a page number or a repeated header marks the next line the same way.
    """
    result: list[Line] = []
    pending_break = False
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        starts_page = raw[:1].isspace() or raw.startswith("\f")
        if _PAGE_NUMBER.match(stripped) or _TABLE_HEADER.match(stripped):
            pending_break = True
            continue
        result.append(Line(stripped, number, page_break=starts_page or pending_break))
        pending_break = False
    return result


def _list_of_title(text: str) -> ListKind | None:
    for kind, title in LIST_TITLES.items():
        if text == title:
            return kind  # type: ignore[return-value]
    return None


def _split_rows(lines: list[Line], source: str) -> list[Row]:
    rows: list[Row] = []
    kind: ListKind | None = None
    seen_lists: list[ListKind] = []
    category: str | None = None
    declared: dict[tuple[ListKind, str], tuple[int, int]] = {}
    expected = 1
    for line in lines:
        title_kind = _list_of_title(line.text)
        if title_kind is not None:
            if title_kind in seen_lists:
                continue  # the table of contents repeats the list titles at the end
            kind, category, expected = title_kind, None, 1
            seen_lists.append(title_kind)
            continue
        if kind is None:
            raise IngestError(source, f"清单标题之前出现了无法识别的文字“{line.text[:30]}”", f"第 {line.number} 行")
        heading = _CATEGORY.match(line.text)
        if heading:
            category = heading.group(1)
            if (kind, category) in declared:
                raise IngestError(source, f"{LIST_TITLES[kind]}中类别“{category}”重复出现", f"第 {line.number} 行")
            declared[(kind, category)] = (int(heading.group(2)), line.number)
            continue
        start = _ROW_START.match(line.text)
        if start:
            number = int(start.group(1))
            if category is None:
                raise IngestError(source, f"{LIST_TITLES[kind]}的第 {number} 项出现在任何类别标题之前", f"第 {line.number} 行")
            if number != expected:
                raise IngestError(source, _numbering_problem(kind, number, expected), f"第 {line.number} 行")
            expected += 1
            rows.append(Row(kind, number, category, line.number, [[]]))
            rest = start.group(2)
            if rest:
                rows[-1].segments[0].append(Line(rest, line.number))
            continue
        if not rows or rows[-1].kind != kind or category != rows[-1].category:
            raise IngestError(source, f"无法归属到任何事项的文字“{line.text[:30]}”", f"第 {line.number} 行")
        row = rows[-1]
        if line.page_break and row.segments[-1]:
            row.segments.append([])
        row.segments[-1].append(line)
    if not seen_lists:
        raise IngestError(
            source,
            "未识别出清单格式：找不到“基本履职事项清单”“配合履职事项清单”“上级部门收回事项清单”中的任何一个标题",
        )
    _check_category_counts(rows, declared, source)
    return rows


def _numbering_problem(kind: ListKind, number: int, expected: int) -> str:
    name = LIST_TITLES[kind]
    if number < expected:
        return f"{name}的序号 {number} 重复出现（此处应为第 {expected} 项）"
    missing = f"第 {expected} 项" if number == expected + 1 else f"第 {expected}–{number - 1} 项"
    return f"{name}缺少{missing}：序号从 {expected - 1} 直接跳到 {number}"


def _check_category_counts(rows: list[Row], declared: dict, source: str) -> None:
    for (kind, category), (count, line_number) in declared.items():
        found = sum(1 for r in rows if r.kind == kind and r.category == category)
        if found != count:
            raise IngestError(
                source,
                f"{LIST_TITLES[kind]}“{category}”类标明 {count} 项，实际读出 {found} 项（表格不完整或被截断）",
                f"第 {line_number} 行",
            )
    for row in rows:
        if not any(row.segments):
            raise IngestError(source, f"第 {row.code} 项只有序号，没有内容（表格被截断？）", f"第 {row.first_line} 行")


def _known_departments(lines: list[Line]) -> set[str]:
    """Department names the document prints cleanly: headings ("区医保局：") and "承接部门：…" lines."""
    known: set[str] = set()
    for line in lines:
        text = clean(line.text)
        found = _HANDLER.match(text) or _HEADING.match(text)
        if not found:
            continue
        for name in re.split(r"[、，,]", found.group(1)):
            if looks_like_department(name):
                known.add(name)
    known.add("区级相关部门")
    return known


# --- the narrow title column ------------------------------------------------------------------------

def _title_column_width(rows: list[Row], kind: ListKind, splitter: DepartmentSplitter) -> float:
    """The printed width of a full line of the title column, from titles that wrap."""
    widths: list[float] = []
    for row in rows:
        lines = [ln.text for ln in row.segments[0]] if row.segments else []
        if kind == "cooperative":
            head, _ = _head_tokens(lines)
            title, _ = _split_title_and_departments(head, splitter)
            title_lines = title
        else:
            title_lines = []
            for text in lines:
                if _HANDLER.match(text) or _is_abolished_note(text):
                    break
                title_lines.append(text.split()[0] if kind == "reclaimed" else text)
        if len(title_lines) >= 2:
            widths.append(max(printed_width(t) for t in title_lines[:-1]))
    return statistics.median(widths) if widths else 0.0


def _duty_column_width(rows: list[Row]) -> float:
    """The printed width of a full line of the duty columns: a high percentile of the wide lines."""
    widths = sorted(
        printed_width(ln.text) for row in rows for seg in row.segments for ln in seg
        if printed_width(ln.text) > HEAD_TOKEN_MAX_WIDTH
    )
    return widths[int(len(widths) * 0.9)] if widths else 0.0


def _fills_column(text: str, width: float) -> bool:
    return width > 0 and printed_width(text) >= width - 1


# --- 基本履职事项 ---------------------------------------------------------------------------------

def _read_basic(row: Row, splitter: DepartmentSplitter, widths: ColumnWidths, source: str) -> Item:
    title = join_wrapped([ln.text for seg in row.segments for ln in seg])
    return Item(code=row.code, list="basic", number=row.number, category=row.category, title=title)


# --- 配合履职事项 ---------------------------------------------------------------------------------

def _is_head_token(token: str) -> bool:
    return (
        printed_width(token) <= HEAD_TOKEN_MAX_WIDTH
        and not _POINT.match(token)
        and not token.endswith(("：", ":"))
        and not is_terminated(token)
    )


def _head_tokens(lines: list[str]) -> tuple[list[str], list[str]]:
    """Splits a row's first lines into the short title/department tokens and the duty lines after."""
    head: list[str] = []
    for index, text in enumerate(lines):
        tokens = text.split()
        for t_index, token in enumerate(tokens):
            if not _is_head_token(token):
                rest = " ".join(tokens[t_index:])
                return head, [rest] + lines[index + 1:]
            head.append(token)
    return head, []


def _split_title_and_departments(
    head: list[str], splitter: DepartmentSplitter, continues: bool = False
) -> tuple[list[str], list[str]]:
    """The title tokens and the department tokens: departments are the longest tail that parses.

    When the row goes on to another page, the last department name may be cut short there.
    """
    for parse in (splitter.split, splitter.split_unfinished) if continues else (splitter.split,):
        for start in range(1, len(head)):
            if parse("".join(head[start:])):
                return head[:start], head[start:]
    return head, []


@dataclass
class _CooperativeState:
    groups: list[tuple[list[str], list[Point]]] = field(default_factory=list)
    town: list[Point] = field(default_factory=list)
    in_town: bool = False

    def group_points(self) -> list[Point]:
        if not self.groups:
            self.groups.append(([], []))
        return self.groups[-1][1]

    def line_counts(self) -> tuple[int, int]:
        """Printed lines so far in the department column (headings included) and in the town's column."""
        department = sum(bool(names) + sum(len(p.lines) for p in points) for names, points in self.groups)
        return department, sum(len(p.lines) for p in self.town)

    def last_number(self, points: list[Point]) -> int:
        numbers = [p.number for p in points if p.number is not None]
        return numbers[-1] if numbers else 0


def _read_cooperative(row: Row, splitter: DepartmentSplitter, widths: ColumnWidths, source: str) -> Item:
    """A cooperative row; read a second time, with "。" at a column's edge as a wrap, when the first
    reading breaks the numbering (a multi-sentence point whose first sentence ends exactly at the edge)."""
    try:
        return _read_cooperative_columns(row, splitter, widths, source)
    except IngestError as first_reading:
        token = _EDGE_PERIOD_WRAPS.set(True)
        try:
            return _read_cooperative_columns(row, splitter, widths, source)
        except IngestError:
            raise first_reading from None
        finally:
            _EDGE_PERIOD_WRAPS.reset(token)


def _read_cooperative_columns(row: Row, splitter: DepartmentSplitter, widths: ColumnWidths, source: str) -> Item:
    first = [ln.text for ln in row.segments[0]]
    head, duty_lines = _head_tokens(first)
    title_tokens, dept_tokens = _split_title_and_departments(head, splitter, continues=len(row.segments) > 1)
    if not dept_tokens:
        raise IngestError(source, f"{row.code}（配合履职事项）找不到“对应上级部门”一栏", f"第 {row.first_line} 行")
    state = _CooperativeState()
    for text in duty_lines:
        _cooperative_first_page_line(state, text, splitter, widths.duty)
    page_start = (0, 0)
    for segment in row.segments[1:]:
        lines = [ln.text for ln in segment]
        title_more, dept_more, lines = _continued_head(lines, title_tokens, dept_tokens, widths.title, splitter)
        title_tokens += title_more
        dept_tokens += dept_more
        counts = state.line_counts()
        previous_page = (counts[0] - page_start[0], counts[1] - page_start[1])
        page_start = counts
        _cooperative_next_page(state, lines, splitter, widths.duty, previous_page)
    departments = splitter.split("".join(dept_tokens)) or []
    if not departments:
        raise IngestError(source, f"{row.code} 的“对应上级部门”无法识别：{''.join(dept_tokens)}", f"第 {row.first_line} 行")
    _check_numbering(row, [points for _, points in state.groups] + [state.town], source)
    groups = [
        DutyGroup(departments=names or list(departments), duties=[p.text for p in points])
        for names, points in state.groups
        if points
    ]
    town_duties = [p.text for p in state.town]
    if not groups or not town_duties:
        side = "上级部门职责" if not groups else "镇配合职责"
        raise IngestError(source, f"{row.code}（配合履职事项）缺少“{side}”", f"第 {row.first_line} 行")
    return Item(
        code=row.code, list="cooperative", number=row.number, category=row.category,
        title=join_wrapped(title_tokens), departments=departments, department_duties=groups,
        town_duties=town_duties,
    )


def _heading_departments(text: str, splitter: DepartmentSplitter) -> list[str] | None:
    heading = _HEADING.match(clean(text))
    return splitter.split_list(heading.group(1)) if heading else None


def _cooperative_first_page_line(
    state: _CooperativeState, text: str, splitter: DepartmentSplitter, width: float
) -> None:
    names = None if state.in_town else _heading_departments(text, splitter)
    if names:
        state.groups.append((names, []))
        return
    point = _POINT.match(text)
    if state.in_town:
        _add_to(state.town, point, text, width)
        return
    points = state.group_points()
    if point:
        number = int(point.group(1))
        if number == state.last_number(points) + 1 and not (number == 1 and points):
            points.append(Point(number, [text], width))
        else:  # numbering starts again: the town's column has begun
            state.in_town = True
            state.town.append(Point(number, [text], width))
        return
    if points and points[-1].open:
        points[-1].lines.append(text)
    elif points:  # a new paragraph after a finished duty: the town's column, unnumbered
        state.in_town = True
        state.town.append(Point(None, [text], width))
    else:
        points.append(Point(None, [text], width))


def _check_numbering(row: Row, columns: list[list[Point]], source: str) -> None:
    """Numbered points run 1, 2, 3 … within each column; anything else means the row was misread."""
    for points in columns:
        numbers = [p.number for p in points if p.number is not None]
        if numbers and numbers != list(range(1, len(numbers) + 1)):
            shown = "、".join(str(n) for n in numbers)
            raise IngestError(
                source, f"{row.code} 的编号要点无法按顺序归入各栏（读到的顺序为 {shown}）", f"第 {row.first_line} 行"
            )


def _add_to(points: list[Point], point: re.Match | None, text: str, width: float) -> None:
    if point:
        points.append(Point(int(point.group(1)), [text], width))
    elif points and points[-1].open:
        points[-1].lines.append(text)
    else:
        points.append(Point(None, [text], width))


def _continued_head(
    lines: list[str], title: list[str], departments: list[str], title_width: float, splitter: DepartmentSplitter
) -> tuple[list[str], list[str], list[str]]:
    """On a new page, the leading short tokens continue the title and/or the department column."""
    head, rest = _head_tokens(lines)
    if not head:
        return [], [], lines
    title_open = bool(title) and _fills_column(title[-1], title_width)
    departments_done = splitter.split("".join(departments)) is not None
    choices = []
    for cut in range(0, len(head) + 1):
        if cut and not title_open:
            break
        more = head[cut:]
        if more and not splitter.split("".join(departments + more)):
            continue
        if not more and not departments_done:
            continue
        choices.append((cut, more))
    if not choices:
        return [], [], lines

    def unknown_names(choice: tuple[int, list[str]]) -> int:
        """How far the department column's names are from names the document knows (lower is likelier)."""
        found = splitter.split_with_cost("".join(departments + choice[1]))
        return found[0] - len(found[1]) if found else 0

    # Of the readings that fit, the one whose department names the document knows; then the shortest title.
    cut, more = min(choices, key=lambda choice: (unknown_names(choice), choice[0]))
    return head[:cut], more, rest


def _cooperative_next_page(
    state: _CooperativeState, lines: list[str], splitter: DepartmentSplitter, width: float,
    previous_page: tuple[int, int] = (0, 0),
) -> None:
    """Text on a following page: the department column's remainder first, then the town's."""
    to_department = _department_share(state, lines, splitter, previous_page)
    numbered_seen = 0
    in_town = False
    for text in lines:
        names = None if in_town else _heading_departments(text, splitter)
        if names:
            state.groups.append((names, []))
            continue
        dept_points = state.group_points()
        point = _POINT.match(text)
        if point:
            target = dept_points if numbered_seen < to_department else state.town
            in_town = in_town or target is state.town
            target.append(Point(int(point.group(1)), [text], width))
            numbered_seen += 1
        elif not in_town and state.groups[-1][0] and not dept_points:  # right under a heading
            dept_points.append(Point(None, [text], width))
        elif not in_town and dept_points and dept_points[-1].open:
            dept_points[-1].lines.append(text)
        elif state.town and state.town[-1].open:
            in_town = True
            state.town[-1].lines.append(text)
        elif in_town or state.in_town:
            in_town = True
            state.town.append(Point(None, [text], width))
        else:
            dept_points.append(Point(None, [text], width))


def _department_share(state: _CooperativeState, lines: list[str], splitter: DepartmentSplitter,
                      previous_page: tuple[int, int] = (0, 0)) -> int:
    """How many of a page's numbered points continue the department column (the rest are the town's).

    Both columns may continue their numbering on the new page; the split is the one under which
    both run on without a gap. When two splits fit, the page before decides: a column with fewer lines
    there than the other ended on that page (only a column that reached the page's foot runs on).
    Failing that, an unfinished department point decides.
    """
    marks = ["h" if _heading_departments(t, splitter) else int(m.group(1)) if (m := _POINT.match(t)) else None
             for t in lines]
    marks = [m for m in marks if m is not None]
    total = sum(1 for m in marks if m != "h")
    dept_points = state.groups[-1][1] if state.groups else []
    fitting = [k for k in range(total + 1) if _split_fits(marks, k, state.last_number(dept_points), state.last_number(state.town))]
    if not fitting:
        return 0
    if "h" in marks:  # points before the page's last department heading are the department's
        last_heading = len(marks) - 1 - marks[::-1].index("h")
        before = sum(1 for m in marks[:last_heading] if m != "h")
        return min((k for k in fitting if k >= before), default=fitting[-1])
    department_lines, town_lines = previous_page
    if len(fitting) > 1 and department_lines != town_lines and min(previous_page) > 0:
        return fitting[-1] if department_lines > town_lines else fitting[0]
    dept_open = bool(dept_points) and dept_points[-1].open
    return fitting[-1] if dept_open else fitting[0]


def _split_fits(marks: list, k: int, dept_last: int, town_last: int) -> bool:
    dept_next, town_next, seen = dept_last + 1, town_last + 1, 0
    for mark in marks:
        if mark == "h":
            if seen > k or (seen == k and town_next != town_last + 1):
                return False
            dept_next = 1
            continue
        if seen < k:
            if mark != dept_next:
                return False
            dept_next += 1
        else:
            if mark != town_next:
                return False
            town_next += 1
        seen += 1
    return True


# --- 上级部门收回事项 -----------------------------------------------------------------------------

def _is_abolished_note(text: str) -> bool:
    return ABOLISHED_NOTE_MARK in text


def _read_reclaimed(row: Row, splitter: DepartmentSplitter, widths: ColumnWidths, source: str) -> Item:
    title_width, width = widths.title, widths.duty
    title_lines: list[str] = []
    handlers: list[tuple[list[str], list[Point]]] = []
    state = "title"  # title → handler (承接部门 text) → methods
    for index, segment in enumerate(row.segments):
        lines = [ln.text for ln in segment]
        if index > 0 and title_lines and _fills_column(title_lines[-1], title_width) and lines:
            tokens = lines[0].split(maxsplit=1)
            structural = _POINT.match(tokens[0]) or _HANDLER.match(tokens[0]) or _METHOD.match(tokens[0])
            if not structural and (len(tokens) == 2 or state == "title" or not _method_open(handlers)):
                title_lines.append(tokens[0])
                lines = tokens[1:] + lines[1:]
        for text in lines:
            handler = _HANDLER.match(text)
            method = _METHOD.match(text)
            if handler:
                handlers.append(([handler.group(1)], []))
                state = "handler"
            elif method:
                state = "methods"
                if method.group(1):
                    _add_to(handlers[-1][1], _POINT.match(method.group(1)), method.group(1), width)
            elif state == "title":
                title_lines.append(text)
            elif state == "handler":
                handlers[-1][0].append(text)
            else:
                _add_to(handlers[-1][1], _POINT.match(text), text, width)
    item = Item(code=row.code, list="reclaimed", number=row.number, category=row.category, title="")
    if not handlers:
        title, note = _title_and_note(title_lines, title_width)
        if not note:
            raise IngestError(source, f"{row.code}（收回事项）既没有“承接部门”，也没有“不再开展”的说明", f"第 {row.first_line} 行")
        item.title, item.abolished, item.note = title, True, note
        return item
    item.title = join_wrapped(title_lines)
    _check_numbering(row, [points for _, points in handlers], source)
    for texts, points in handlers:
        names = splitter.split_list(join_wrapped(texts))
        if not names:
            raise IngestError(source, f"{row.code} 的承接部门无法识别：{join_wrapped(texts)}", f"第 {row.first_line} 行")
        if not points:
            raise IngestError(source, f"{row.code} 的承接部门“{'、'.join(names)}”缺少工作方式", f"第 {row.first_line} 行")
        item.handlers.append(Handler(departments=names, methods=[p.text for p in points]))
    return item


def _method_open(handlers: list[tuple[list[str], list[Point]]]) -> bool:
    return bool(handlers and handlers[-1][1] and handlers[-1][1][-1].open)


def _title_and_note(lines: list[str], title_width: float) -> tuple[str, str]:
    """An abolished item prints its title and the note side by side: split the tokens between them."""
    tokens = [token for text in lines for token in text.split()]
    if not tokens:
        return "", ""
    title = [tokens[0]]
    index = 1
    while index < len(tokens) and _fills_column(title[-1], title_width) and not _is_abolished_note(tokens[index]):
        title.append(tokens[index])
        index += 1
    return join_wrapped(title), join_wrapped(tokens[index:])
