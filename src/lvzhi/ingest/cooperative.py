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
    title, departments, page = _first_page_head(first, splitter, len(row.segments) > 1, widths)
    if not departments:
        raise IngestError(source, f"{row.code}（配合履职事项）找不到“对应上级部门”一栏", f"第 {row.first_line} 行")
    best: tuple[float, list[str], list[str], list[_Reading]] | None = None
    problem: IngestError | None = None
    for title_tokens, dept_tokens, pages in _head_readings(row.segments[1:], title, departments, [page], widths, splitter):
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
        if best is None or penalty < best[0]:
            best = (penalty, title_tokens, names, readings)
    if best is None:
        raise problem  # type: ignore[misc]
    _, title_tokens, names, readings = best
    return CooperativeDraft(row, join_wrapped(title_tokens), names, readings)


def _first_page_head(lines: list[str], splitter: DepartmentSplitter, continues: bool,
                     widths: ColumnWidths) -> tuple[list[str], list[str], _Page]:
    """The title and department-name tokens on a row's first page, and the page. A short unfinished duty
    line right after the departments looks like a head token: it goes back to the duties if the head
    only parses without it."""
    head, body, line_of = _scan_head(lines, widths.head)
    for keep in range(len(head), 0, -1):
        title, departments = split_title_and_departments(head[:keep], splitter, continues, widths)
        if departments:
            cut = len(title)
            page = _Page(_line_count(line_of, 0, cut), _line_count(line_of, cut, keep),
                         _give_back(lines, head, line_of, keep) + body)
            return title, departments, page
    return head, [], _Page(0, 0, body)


def _give_back(lines: list[str], head: list[str], line_of: list[int], keep: int) -> list[str]:
    """The lines that head tokens keep… hold, for the duty columns."""
    if keep >= len(head):
        return []
    first_line = line_of[keep]
    on_that_line = [token for token, line in zip(head[keep:], line_of[keep:]) if line == first_line]
    later = sorted({line for line in line_of[keep:] if line != first_line})
    return [" ".join(on_that_line)] + [lines[line] for line in later]


def _head_readings(segments: list, title: list[str], departments: list[str], pages: list[_Page],
                   widths: ColumnWidths, splitter: DepartmentSplitter):
    """Every way the following pages' head tokens can continue the title and the department names."""
    if not segments:
        yield title, departments, pages
        return
    lines = [ln.text for ln in segments[0]]
    for title_more, dept_more, page in _continued_heads(lines, title, departments, widths, splitter):
        yield from _head_readings(segments[1:], title + title_more, departments + dept_more, pages + [page],
                                  widths, splitter)


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


def _continued_heads(
    lines: list[str], title: list[str], departments: list[str], widths: ColumnWidths, splitter: DepartmentSplitter
) -> list[tuple[list[str], list[str], _Page]]:
    """On a new page, the leading short tokens may continue the title and/or the department column;
    the rest go to the duty columns. Every reading that fits, likeliest first: all tokens taken, then
    department names the document knows, then the shortest title."""
    head, rest, line_of = _scan_head(lines, widths.head)
    title_open = bool(title) and fills_column(title[-1], widths.title)
    departments_done = splitter.split("".join(departments)) is not None
    choices = []
    for keep in range(len(head), -1, -1):
        for cut in range(0, keep + 1):
            if cut and not title_open:
                break
            more = head[cut:keep]
            if more and not (widths.fits_names(more) and splitter.split("".join(departments + more))):
                continue
            if not more and not departments_done:
                continue
            body = _give_back(lines, head, line_of, keep) + rest
            page = _Page(_line_count(line_of, 0, cut), _line_count(line_of, cut, keep), body)
            choices.append((len(head) - keep, _unknown_names(splitter, departments + more), cut, head[:cut], more, page))
    if not choices:
        return [([], [], _Page(0, 0, lines))]
    choices.sort(key=lambda choice: choice[:3])
    return [(title_more, more, page) for *_, title_more, more, page in choices]


def _unknown_names(splitter: DepartmentSplitter, tokens: list[str]) -> int:
    """How far the department column's names are from names the document knows (lower is likelier)."""
    found = splitter.split_with_cost("".join(tokens))
    return found[0] - len(found[1]) if found else 0
