"""配合履职事项: a row's title, departments, the departments' duties and the town's duties.

The extraction gives a row column by column: title, departments, department duties, town duties;
on each further page the remainder of each column again in that order. So on every page the duty
lines are the department column's lines followed by the town's, and reading a row comes down to
where each page's duty lines turn from one column to the other. Every cut is tried; a reading must
number each column's points 1, 2, 3 … (or hold one paragraph), and of those the one that best fits
how the cells wrap (a point's inner lines reach the edge) and how the page broke (a column runs
on to the next page only after it reached the page's foot) is taken.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product

from ..model import DutyGroup, Item
from .departments import DepartmentSplitter
from .errors import IngestError
from .heads import Page, first_page_head, head_readings
from .points import Group, Point, numbering_ok, read_points, wrap_penalty
from .rows import HEADING, POINT, ColumnWidths, Row
from .text import clean, is_terminated, join_wrapped
from .wording import WordingModel

# A column that goes on to the next page yet stopped short of the page's foot: nearly impossible.
SHORT_OF_PAGE_FOOT = 3.0
# Another split of the head tokens (between the title, the department names and the duties) whose reading
# fits this close to the best one: the layout does not settle the row (a person should look).
CLOSE_HEAD_READING = 1.0
# Beyond this many ways to cut a row's pages, only cuts at a numbered point or after a finished
# sentence are tried (a row over many short pages).
MAX_READINGS = 50_000


@dataclass
class _Reading:
    groups: list[Group]
    town: list[Point]
    penalty: float

    def key(self) -> tuple:
        return (tuple((tuple(g.departments), tuple(p.text for p in g.points)) for g in self.groups),
                tuple(p.text for p in self.town))


@dataclass
class CooperativeDraft:
    """A row read as far as its layout allows: one reading, or several the layout cannot tell apart."""

    row: Row
    title: str
    departments: list[str]
    readings: list[_Reading]
    # another split of the head tokens reads nearly as well (a short title or department line could be
    # either column's, or the duties')
    close_call: bool = False

    def item(self, reading: _Reading) -> Item:
        groups = [DutyGroup(departments=g.departments or list(self.departments), duties=[p.text for p in g.points])
                  for g in reading.groups]
        row = self.row
        return Item(
            code=row.code, list="cooperative", number=row.number, category=row.category, title=self.title,
            departments=self.departments, department_duties=groups, town_duties=[p.text for p in reading.town],
        )


def read_cooperative_rows(rows: list[Row], splitter: DepartmentSplitter, widths: ColumnWidths,
                          source: str) -> tuple[list[Item], list[str]]:
    """The rows' items, and the codes of those whose reading the wording had to decide."""
    drafts = [draft_cooperative(row, splitter, widths, source) for row in rows]
    wording = WordingModel()
    for draft in drafts:
        if len(draft.readings) == 1:
            reading = draft.readings[0]
            wording.learn("department", [p.text for g in reading.groups for p in g.points])
            wording.learn("town", [p.text for p in reading.town])
    items = [draft.item(max(draft.readings, key=lambda r: _wording_score(wording, r))) for draft in drafts]
    return items, [draft.row.code for draft in drafts if len(draft.readings) > 1 or draft.close_call]


def _wording_score(wording: WordingModel, reading: _Reading) -> float:
    return wording.score([p.text for g in reading.groups for p in g.points], [p.text for p in reading.town])


def draft_cooperative(row: Row, splitter: DepartmentSplitter, widths: ColumnWidths, source: str) -> CooperativeDraft:
    first = [ln.text for ln in row.segments[0]]
    title, departments, page = first_page_head(first, splitter, len(row.segments) > 1, widths)
    if not departments:
        raise IngestError(source, f"{row.code}（配合履职事项）找不到“对应上级部门”一栏", f"第 {row.first_line} 行")
    best: tuple[float, list[str], list[str], list[_Reading]] | None = None
    heads: list[tuple[float, tuple]] = []  # every head split that reads, with its penalty and content
    problem: IngestError | None = None
    for title_tokens, dept_tokens, pages in head_readings(row.segments[1:], title, departments, [page], widths, splitter):
        names = splitter.split("".join(dept_tokens))
        if not names:
            problem = problem or IngestError(
                source, f"{row.code} 的“对应上级部门”无法识别：{''.join(dept_tokens)}", f"第 {row.first_line} 行")
            continue
        try:
            readings = _best_readings(row, pages, splitter, widths.duty, source)
        except IngestError as exc:
            problem = problem or exc
            continue
        penalty = readings[0].penalty + wrap_penalty([Point(None, title_tokens)], widths.title, last_line=False)
        heads.append((penalty, (join_wrapped(title_tokens), tuple(names), readings[0].key())))
        if best is None or penalty < best[0]:
            best = (penalty, title_tokens, names, readings)
    if best is None:
        raise problem  # type: ignore[misc]
    lowest, title_tokens, names, readings = best
    chosen = (join_wrapped(title_tokens), tuple(names), readings[0].key())
    close = any(content != chosen and penalty <= lowest + CLOSE_HEAD_READING for penalty, content in heads)
    return CooperativeDraft(row, join_wrapped(title_tokens), names, readings, close_call=close)


# --- the duty columns ---------------------------------------------------------------------------------

def _best_readings(row: Row, pages: list[Page], splitter: DepartmentSplitter, width: float,
                   source: str) -> list[_Reading]:
    """The readings that fit the layout best (more than one where the layout cannot tell them apart)."""
    headings = {text: _heading_departments(text, splitter) for page in pages for text in page.body}
    best: dict[tuple, _Reading] = {}
    for cuts in _cut_choices(pages):
        reading = _read_cut(pages, cuts, headings, width)
        if reading is None:
            continue
        lowest = next(iter(best.values())).penalty if best else math.inf
        if reading.penalty < lowest:
            best = {}
        if reading.penalty <= lowest:
            best.setdefault(reading.key(), reading)
    if not best:
        raise _no_reading(row, pages, headings, source)
    return list(best.values())


def _cut_choices(pages: list[Page]):
    """For each page, how many of its duty lines are the department column's."""
    options = [range(len(page.body) + 1) for page in pages]
    if math.prod(len(o) for o in options) > MAX_READINGS:
        options = [
            [k for k in range(len(page.body) + 1)
             if k in (0, len(page.body)) or POINT.match(page.body[k]) or is_terminated(page.body[k - 1])]
            for page in pages
        ]
    return product(*options)


def _read_cut(pages: list[Page], cuts: tuple[int, ...], headings: dict, width: float) -> _Reading | None:
    department_lines = [text for page, k in zip(pages, cuts) for text in page.body[:k]]
    town_lines = [text for page, k in zip(pages, cuts) for text in page.body[k:]]
    if not department_lines or not town_lines or any(headings[text] for text in town_lines):
        return None
    groups = read_points(department_lines, headings.get)
    town = read_points(town_lines)
    if not numbering_ok(groups) or not numbering_ok(town):
        return None
    penalty = sum(wrap_penalty(g.points, width) for g in groups + town) + _page_penalty(pages, cuts, headings)
    return _Reading(groups, town[0].points, penalty)


def _page_penalty(pages: list[Page], cuts: tuple[int, ...], headings: dict) -> float:
    """Columns that run on to the next page without having reached this page's foot."""
    penalty = 0.0
    for here, k, after, k_after in zip(pages, cuts, pages[1:], cuts[1:]):
        columns = [
            (here.title, after.title > 0, False),
            (here.names, after.names > 0, False),
            # the department column may stop a line early rather than leave a heading at the foot
            (k, k_after > 0, bool(headings.get(after.body[0])) if after.body else False),
            (len(here.body) - k, len(after.body) - k_after > 0, False),
        ]
        foot = max(lines for lines, _, _ in columns)
        for lines, runs_on, heading_next in columns:
            if runs_on and lines < foot - (1 if heading_next else 0):
                penalty += SHORT_OF_PAGE_FOOT
    return penalty


def _no_reading(row: Row, pages: list[Page], headings: dict, source: str) -> IngestError:
    lines = [text for page in pages for text in page.body]
    where = f"第 {row.first_line} 行"
    numbered = [int(m.group(1)) for text in lines if (m := POINT.match(text))]
    if len(lines) < 2:  # with two lines or more, unnumbered paragraphs always make a reading
        side = "镇配合职责" if lines else "上级部门职责"
        return IngestError(source, f"{row.code}（配合履职事项）缺少“{side}”", where)
    shown = "、".join(map(str, numbered)) or "无"
    return IngestError(source, f"{row.code} 的编号要点无法按顺序归入各栏（读到的顺序为 {shown}）", where)


def _heading_departments(text: str, splitter: DepartmentSplitter) -> list[str] | None:
    heading = HEADING.match(clean(text))
    return splitter.split_list(heading.group(1)) if heading else None
