"""Renders a Dataset as the text a PDF extractor gives for an official list document.

Used to check that the parser reads the format rather than one file's line breaks: the same lists,
with cells wrapped at other widths and pages broken at other places, must parse back identically.
Each table row is emitted column by column; a row that crosses a page emits, after the page
marker, the remainder of each column in the same order (as the real extraction does).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from lvzhi.model import LIST_KINDS, LIST_TITLES, Dataset, Item
from lvzhi.formats.cells import format_departments, numbered

_NUMERALS = "一二三四五六七八九"
_NO_LINE_START = "。，、；：？！）”’》」"
_HEADERS = {
    "basic": "序号 事项名称",
    "cooperative": "序号 事项名称 对应上级部门 上级部门职责 镇配合职责",
    "reclaimed": "序号 事项名称 承接部门及工作方式",
}


def wrap(text: str, width: int) -> list[str]:
    """Cuts text into lines of `width` printed cells (ASCII counts half), as a PDF table cell does."""
    lines, current, used = [], "", 0.0
    for ch in text:
        w = 0.5 if ch.isascii() else 1.0
        # a line never starts with closing punctuation (it stays on the line before, as in print)
        if used + w > width and current and ch not in _NO_LINE_START:
            lines.append(current.strip())
            current, used = "", 0.0
        current += ch
        used += w
    if current.strip():
        lines.append(current.strip())
    return lines


def _cut(column: list[str], room: int) -> int:
    """Where a column breaks at the page end: never right after a department heading."""
    cut = min(room, len(column))
    while 0 < cut < len(column) and column[cut - 1].endswith("："):
        cut -= 1
    return cut


@dataclass
class Layout:
    basic_width: int = 60
    title_width: int = 7
    department_width: int = 6
    duty_width: int = 24
    reclaimed_title_width: int = 24
    method_width: int = 42
    page_lines: int = 40
    seed: int = 0
    # how often the extraction runs side-by-side one-line cells of a row into one line, as it does in
    # the real document ("3 巡视问题整改 区委办公室", "区市场监管局 负责对企业住所…")
    merge_rate: float = 0.0
    # how another document may head its lists and categories: "附件1：白沙镇基本履职事项清单", "（一）党的建设（共25项）"
    # how often a duty line gets a stray space before its punctuation, as the real extraction leaves
    # ("调查统计 ，并依法公布")
    stray_space_rate: float = 0.0
    list_prefix: str = ""
    category_style: str = "一、{name}（{count}项）"
    # each department name starts a line of its own in the department column (as a cell with one name a
    # paragraph prints it), instead of the names running on after one another
    names_per_line: bool = False


class Renderer:
    def __init__(self, layout: Layout):
        self.layout = layout
        self.random = random.Random(layout.seed)
        self.out: list[str] = []
        self.used = 0
        self.page = 1

    def new_page(self) -> None:
        self.page += 1
        style = self.random.choice(["number", "space", "header"])
        if style == "number":
            number = self.page - 1
            self.out.append(self.random.choice(
                [f"第 {number} 页", f"第{number}页，共70页", f"- {number} -", f"— {number} —", f"{number} / 70"]))
            self.out.append("")
        self.used = 0
        self.pending_space = style == "space"
        self.pending_header = style == "header"

    def emit(self, line: str) -> None:
        if getattr(self, "pending_header", False):
            self.out.append(" " + self.header)
            self.pending_header = False
        if getattr(self, "pending_space", False):
            line = " " + line
            self.pending_space = False
        self.out.append(line)
        self.out.append("")

    def row(self, columns: list[list[str]]) -> None:
        """Emits one table row; breaks it over a page when it does not fit."""
        height = max(len(c) for c in columns)
        room = self.layout.page_lines - self.used
        if height <= room or room < 2:
            if height > room:
                self.new_page()
            for column in self.merged(columns):
                for line in column:
                    self.emit(line)
            self.used += height
            return
        cuts = [_cut(c, room) for c in columns]
        for column, cut in zip(columns, cuts):
            for line in column[:cut]:
                self.emit(line)
        self.new_page()
        rest = [c[cut:] for c, cut in zip(columns, cuts)]
        self.used = 0
        self.row(rest)

    def merged(self, columns: list[list[str]]) -> list[list[str]]:
        """Runs leading one-line cells into the next cell's first line, now and then (see merge_rate)."""
        columns = [list(c) for c in columns]
        # a 配合 row's two duty columns are never run together (not seen in real extractions)
        last = len(columns) - 1 if len(columns) == 5 else len(columns)
        index = 0
        while index + 1 < last:
            here, after = columns[index], columns[index + 1]
            if len(here) == 1 and after and self.random.random() < self.layout.merge_rate:
                after[0] = f"{here[0]} {after[0]}"
                columns[index] = []
            elif len(here) != 1:
                break
            index += 1
        return columns

    def render(self, dataset: Dataset) -> str:
        for kind in LIST_KINDS:
            items = dataset.items_of(kind)
            if not items:
                continue
            self.header = _HEADERS[kind]
            self.emit(self.layout.list_prefix.format(number=LIST_KINDS.index(kind) + 1) + LIST_TITLES[kind])
            self.out.append(self.header)
            self.out.append("")
            self.used = 2
            for index, (name, count) in enumerate(dataset.categories(kind)):
                style = self.layout.category_style.replace("一", _NUMERALS[index], 1)
                self.emit(style.format(name=name, count=count))
                self.used += 1
                for item in (i for i in items if i.category == name):
                    self.row(self.columns(item))
        return "\n".join(self.out) + "\n"

    def strayed(self, lines: list[str]) -> list[str]:
        """Duty lines with the stray spaces before punctuation that the real extraction leaves."""
        result = []
        for line in lines:
            marks = [i for i, ch in enumerate(line) if ch in "，、；。" and i > 0]
            if marks and self.random.random() < self.layout.stray_space_rate:
                at = self.random.choice(marks)
                line = line[:at] + " " + line[at:]
            result.append(line)
        return result

    def columns(self, item: Item) -> list[list[str]]:
        lay = self.layout
        if item.list == "basic":
            lines = wrap(item.title, lay.basic_width)
            return [[f"{item.number} {lines[0]}"] + lines[1:]]
        if item.list == "cooperative":
            title = wrap(item.title, lay.title_width)
            if lay.names_per_line:
                depts = [line for name in item.departments for line in wrap(name, lay.department_width)]
            else:
                depts = wrap(" ".join(item.departments), lay.department_width)
            duties: list[str] = []
            single = len(item.department_duties) == 1 and item.department_duties[0].departments == item.departments
            for group in item.department_duties:
                if not single:
                    duties.append(format_departments(group.departments) + "：")
                for point in numbered(group.duties):
                    duties.extend(self.strayed(wrap(point, lay.duty_width)))
            town = [line for point in numbered(item.town_duties) for line in self.strayed(wrap(point, lay.duty_width))]
            return [[str(item.number)], title, depts, duties, town]
        title = wrap(item.title, lay.reclaimed_title_width)
        if item.abolished:
            note = wrap(item.note or "", lay.method_width)
            if len(title) == 1 and len(note) == 1:
                return [[f"{item.number} {title[0]} {note[0]}"]]
            return [[str(item.number)], title, note]
        body: list[str] = []
        for handler in item.handlers:
            body.append("承接部门：" + format_departments(handler.departments))
            body.append("工作方式：")
            for point in numbered(handler.methods):
                body.extend(self.strayed(wrap(point, lay.method_width)))
        if len(title) == 1:
            return [[f"{item.number} {title[0]}"], body]
        return [[str(item.number)], title, body]


def random_layout(seed: int) -> Layout:
    """A layout drawn at random (the same for the same seed): title 5–10 cells, departments 4–9,
    duties 16–32, reclaimed titles 14–30, methods 28–56, pages of 20–60 lines or none; cells sometimes
    run together and stray spaces sometimes left before punctuation."""
    pick = random.Random(seed * 7919)
    return Layout(
        basic_width=pick.choice([30, 40, 50, 60]), title_width=pick.randint(5, 10), department_width=pick.randint(4, 9),
        duty_width=pick.randint(16, 32), reclaimed_title_width=pick.randint(14, 30), method_width=pick.randint(28, 56),
        page_lines=pick.choice([20, 25, 30, 35, 40, 50, 60, 10_000]), seed=seed, merge_rate=pick.choice([0, 0.3]),
        stray_space_rate=pick.choice([0, 0.2]),
    )


def render(dataset: Dataset, layout: Layout) -> str:
    return Renderer(layout).render(dataset)
