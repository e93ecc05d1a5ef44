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
from .points import Group, Point, numbering_ok, read_points, wrap_penalty
from .rows import HEADING, POINT, ColumnWidths, Row, fills_column
from .text import clean, is_terminated, join_wrapped, printed_width
from .wording import WordingModel

HEAD_TOKEN_MAX_WIDTH = 12
# A column that goes on to the next page yet stopped short of the page's foot: nearly impossible.
SHORT_OF_PAGE_FOOT = 3.0
# Beyond this many ways to cut a row's pages, only cuts at a numbered point or after a finished
# sentence are tried (a row over many short pages).
MAX_READINGS = 50_000


@dataclass
class _Page:
    """One page's share of a row: lines of the title and department-name columns, then the duty lines."""

    title: int
    names: int
    body: list[str]


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
    return items, [draft.row.code for draft in drafts if len(draft.readings) > 1]


def _wording_score(wording: WordingModel, reading: _Reading) -> float:
    return wording.score([p.text for g in reading.groups for p in g.points], [p.text for p in reading.town])


def draft_cooperative(row: Row, splitter: DepartmentSplitter, widths: ColumnWidths, source: str) -> CooperativeDraft:
    first = [ln.text for ln in row.segments[0]]
    head, body, line_of = _scan_head(first, widths.head)
    title_tokens, dept_tokens = split_title_and_departments(head, splitter, len(row.segments) > 1, widths)
    if not dept_tokens:
        raise IngestError(source, f"{row.code}（配合履职事项）找不到“对应上级部门”一栏", f"第 {row.first_line} 行")
    cut = len(title_tokens)
    pages = [_Page(_line_count(line_of, 0, cut), _line_count(line_of, cut, len(head)), body)]
    for segment in row.segments[1:]:
        lines = [ln.text for ln in segment]
        title_more, dept_more, rest = _continued_head(lines, title_tokens, dept_tokens, widths, splitter)
        line_of = _scan_head(lines, widths.head)[2]
        cut = len(title_more)
        pages.append(_Page(_line_count(line_of, 0, cut), _line_count(line_of, cut, cut + len(dept_more)), rest))
        title_tokens += title_more
        dept_tokens += dept_more
    departments = splitter.split("".join(dept_tokens)) or []
    if not departments:
        raise IngestError(source, f"{row.code} 的“对应上级部门”无法识别：{''.join(dept_tokens)}", f"第 {row.first_line} 行")
    readings = _best_readings(row, pages, splitter, widths.duty, source)
    return CooperativeDraft(row, join_wrapped(title_tokens), departments, readings)


# --- the duty columns ---------------------------------------------------------------------------------

def _best_readings(row: Row, pages: list[_Page], splitter: DepartmentSplitter, width: float,
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


def _cut_choices(pages: list[_Page]):
    """For each page, how many of its duty lines are the department column's."""
    options = [range(len(page.body) + 1) for page in pages]
    if math.prod(len(o) for o in options) > MAX_READINGS:
        options = [
            [k for k in range(len(page.body) + 1)
             if k in (0, len(page.body)) or POINT.match(page.body[k]) or is_terminated(page.body[k - 1])]
            for page in pages
        ]
    return product(*options)


def _read_cut(pages: list[_Page], cuts: tuple[int, ...], headings: dict, width: float) -> _Reading | None:
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


def _page_penalty(pages: list[_Page], cuts: tuple[int, ...], headings: dict) -> float:
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


def _no_reading(row: Row, pages: list[_Page], headings: dict, source: str) -> IngestError:
    lines = [text for page in pages for text in page.body]
    where = f"第 {row.first_line} 行"
    numbered = [int(m.group(1)) for text in lines if (m := POINT.match(text))]
    if not any(headings[text] for text in lines) and not numbered or len(lines) < 2:
        side = "镇配合职责" if lines else "上级部门职责"
        return IngestError(source, f"{row.code}（配合履职事项）缺少“{side}”", where)
    shown = "、".join(map(str, numbered)) or "无"
    return IngestError(source, f"{row.code} 的编号要点无法按顺序归入各栏（读到的顺序为 {shown}）", where)


def _heading_departments(text: str, splitter: DepartmentSplitter) -> list[str] | None:
    heading = HEADING.match(clean(text))
    return splitter.split_list(heading.group(1)) if heading else None


# --- the title and department-name columns -------------------------------------------------------------

def _is_head_token(token: str, widest: float) -> bool:
    return (
        printed_width(token) <= widest
        and not POINT.match(token)
        and not token.endswith(("：", ":"))
        and not is_terminated(token)
    )


def head_tokens(lines: list[str], widest: float = HEAD_TOKEN_MAX_WIDTH) -> tuple[list[str], list[str]]:
    """Splits a row's first lines into the short title/department tokens (at most `widest` wide)
    and the duty lines after."""
    head, rest, _ = _scan_head(lines, widest)
    return head, rest


def _scan_head(lines: list[str], widest: float) -> tuple[list[str], list[str], list[int]]:
    """head_tokens, plus the index of the line each token came from."""
    head: list[str] = []
    line_of: list[int] = []
    for index, text in enumerate(lines):
        tokens = text.split()
        for t_index, token in enumerate(tokens):
            if not _is_head_token(token, widest):
                rest = " ".join(tokens[t_index:])
                return head, [rest] + lines[index + 1:], line_of
            head.append(token)
            line_of.append(index)
    return head, [], line_of


def _line_count(line_of: list[int], start: int, end: int) -> int:
    """Printed lines that tokens start…end-1 take (a line may hold several tokens of one column)."""
    return len(set(line_of[start:end]))


def split_title_and_departments(
    head: list[str], splitter: DepartmentSplitter, continues: bool = False, widths: ColumnWidths | None = None
) -> tuple[list[str], list[str]]:
    """The title tokens and the department tokens: departments are the longest tail that parses
    into names, fits the department-name column's width and has no doubtful name (failing that,
    the longest tail that parses).

    When the row goes on to another page, the last department name may be cut short there.
    """
    for parse in (splitter.split, splitter.split_unfinished) if continues else (splitter.split,):
        tails = [start for start in range(1, len(head)) if widths is None or widths.fits_names(head[start:])]
        parsed = [(start, names) for start in tails if (names := parse("".join(head[start:])))]
        for start, names in parsed:
            if not splitter.doubtful(names):
                return head[:start], head[start:]
        if parsed:
            return head[:parsed[0][0]], head[parsed[0][0]:]
    return head, []


def _continued_head(
    lines: list[str], title: list[str], departments: list[str], widths: ColumnWidths, splitter: DepartmentSplitter
) -> tuple[list[str], list[str], list[str]]:
    """On a new page, the leading short tokens continue the title and/or the department column."""
    head, rest = head_tokens(lines, widths.head)
    if not head:
        return [], [], lines
    title_open = bool(title) and fills_column(title[-1], widths.title)
    departments_done = splitter.split("".join(departments)) is not None
    choices = []
    for cut in range(0, len(head) + 1):
        if cut and not title_open:
            break
        more = head[cut:]
        if more and not (widths.fits_names(more) and splitter.split("".join(departments + more))):
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
