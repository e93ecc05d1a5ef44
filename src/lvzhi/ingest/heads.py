"""The narrow columns at the head of a 配合 row: its title and its departments ("对应上级部门").

On the row's first page they come first, as short lines (tokens) before the first duty line; on each
further page their remainders come first again, while they had more to print. Which tokens are the
title's and which the departments' is told by the department names (known to the document or of a
department's shape) and by the columns' printed widths.
"""
from __future__ import annotations

from dataclasses import dataclass

from .departments import DepartmentSplitter
from .rows import POINT, ColumnWidths, fills_column
from .text import is_terminated, printed_width

HEAD_TOKEN_MAX_WIDTH = 12


@dataclass
class Page:
    """One page's share of a row: lines of the title and department-name columns, then the duty lines."""

    title: int
    names: int
    body: list[str]


def first_page_head(lines: list[str], splitter: DepartmentSplitter, continues: bool,
                    widths: ColumnWidths) -> tuple[list[str], list[str], Page]:
    """The title and department-name tokens on a row's first page, and the page. A short unfinished duty
    line right after the departments looks like a head token: it goes back to the duties if the head
    only parses without it."""
    head, body, line_of = _scan_head(lines, widths.head)
    for keep in range(len(head), 0, -1):
        title, departments = split_title_and_departments(head[:keep], splitter, continues, widths)
        if departments:
            cut = len(title)
            page = Page(_line_count(line_of, 0, cut), _line_count(line_of, cut, keep),
                        _duty_lines(lines, line_of, keep, body))
            return title, departments, page
    return head, [], Page(0, 0, body)


def _duty_lines(lines: list[str], line_of: list[int], keep: int, rest: list[str]) -> list[str]:
    """The duty columns' lines when only the first `keep` head tokens are the title's and departments':
    the rest of the line that holds token `keep`, and every line after it."""
    if keep >= len(line_of):
        return rest
    line = line_of[keep]
    before = sum(1 for other in line_of[:keep] if other == line)
    return [" ".join(lines[line].split()[before:])] + lines[line + 1:]


def head_readings(segments: list, title: list[str], departments: list[str], pages: list[Page],
                  widths: ColumnWidths, splitter: DepartmentSplitter):
    """Every way the following pages' head tokens can continue the title and the department names."""
    if not segments:
        yield title, departments, pages
        return
    lines = [ln.text for ln in segments[0]]
    for title_more, dept_more, page in _continued_heads(lines, title, departments, widths, splitter):
        yield from head_readings(segments[1:], title + title_more, departments + dept_more, pages + [page],
                                 widths, splitter)


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
) -> list[tuple[list[str], list[str], Page]]:
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
            body = _duty_lines(lines, line_of, keep, rest)
            page = Page(_line_count(line_of, 0, cut), _line_count(line_of, cut, keep), body)
            choices.append((len(head) - keep, _unknown_names(splitter, departments + more), cut, head[:cut], more, page))
    if not choices:
        return [([], [], Page(0, 0, lines))]
    choices.sort(key=lambda choice: choice[:3])
    return [(title_more, more, page) for *_, title_more, more, page in choices]


def _unknown_names(splitter: DepartmentSplitter, tokens: list[str]) -> int:
    """How far the department column's names are from names the document knows (lower is likelier)."""
    found = splitter.split_with_cost("".join(tokens))
    return found[0] - len(found[1]) if found else 0
