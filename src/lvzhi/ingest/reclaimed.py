"""上级部门收回事项: a row's title and its handlers ("承接部门：…") with their methods ("工作方式：…"),
or an abolished assessment's title beside its note.

The extraction gives the title column first, then the handler column; on each further page the
title's remainder (while the title had reached its column's edge) comes before the handler column's.
"""
from __future__ import annotations

import re

from ..model import ABOLISHED_NOTE_MARK, Handler, Item
from .departments import DepartmentSplitter
from .errors import IngestError
from .points import FULL_LAST_LINE, SHORT_INNER_LINE, numbering_ok, numbers_of, read_points, wrap_penalty
from .rows import HANDLER, METHOD, POINT, ColumnWidths, Row, fills_column
from .text import is_terminated, join_wrapped, printed_width

_SHARED_LINE = re.compile(r"^(\S+)\s+((?:承接部门|工作方式)\s*[:：].*|\d{1,3}\s*[.．、]\s*\S.*)$")
# A reading that leaves a handler's "承接部门：" text no department names at all.
NOT_DEPARTMENTS = 10.0
# A title that ends a sentence ("…检查。"): titles name a matter, they do not end in "。".
TITLE_ENDS_SENTENCE = 2.0


def is_abolished_note(text: str) -> bool:
    return ABOLISHED_NOTE_MARK in text


class _Handler:
    def __init__(self, text: str):
        self.names = [text]
        self.methods: list[str] = []
        self.in_methods = False


def read_reclaimed(row: Row, splitter: DepartmentSplitter, widths: ColumnWidths, source: str) -> Item:
    title: list[str] = []
    handlers: list[_Handler] = []
    title_reached_foot = False
    for index, segment in enumerate(row.segments):
        lines = [ln.text for ln in segment]
        title_before = len(title)
        if index > 0 and title_reached_foot and handlers:
            taken, lines = _title_remainder(title, lines, handlers[-1], splitter, widths)
            title += taken
        for text in (part for line in lines for part in _shared_line_parts(line)):
            if METHOD.match(text) and not handlers:
                raise IngestError(source, f"{row.code} 的“工作方式：”出现在“承接部门：”之前", f"第 {row.first_line} 行")
            _take_line(text, title, handlers)
        title_lines = len(title) - title_before
        # only a column that reached the page's foot can go on to the next page
        title_reached_foot = title_lines >= len(segment) - title_lines
    item = Item(code=row.code, list="reclaimed", number=row.number, category=row.category, title="")
    where = f"第 {row.first_line} 行"
    if not handlers:
        item.title, note = _title_and_note(title, widths.title)
        if not is_abolished_note(note):
            raise IngestError(source, f"{row.code}（收回事项）既没有“承接部门”，也没有“不再开展”的说明", where)
        item.abolished, item.note = True, note
        return item
    item.title = join_wrapped(title)
    for handler in handlers:
        names = splitter.split_list(join_wrapped(handler.names))
        if not names:
            raise IngestError(source, f"{row.code} 的承接部门无法识别：{join_wrapped(handler.names)}", where)
        groups = read_points(handler.methods)
        if not groups:
            raise IngestError(source, f"{row.code} 的承接部门“{'、'.join(names)}”缺少工作方式", where)
        if not numbering_ok(groups):
            shown = "、".join(map(str, numbers_of(groups[0].points)))
            raise IngestError(source, f"{row.code} 的编号要点无法按顺序归入各栏（读到的顺序为 {shown}）", where)
        item.handlers.append(Handler(departments=names, methods=[p.text for p in groups[0].points]))
    return item


def _shared_line_parts(text: str) -> list[str]:
    """A line the extraction shares between the title column and the handler column
    ("…的处罚 承接部门：区应急管理局", "…的处罚 1.对…"), cut where the handler column's text starts."""
    shared = _SHARED_LINE.match(text)
    return [shared.group(1), shared.group(2)] if shared else [text]


def _take_line(text: str, title: list[str], handlers: list[_Handler]) -> None:
    handler = HANDLER.match(text)
    method = METHOD.match(text)
    if handler:
        handlers.append(_Handler(handler.group(1)))
    elif method:
        handlers[-1].in_methods = True
        if method.group(1):
            handlers[-1].methods.append(method.group(1))
    elif not handlers:
        title.append(text)
    elif handlers[-1].in_methods:
        handlers[-1].methods.append(text)
    else:
        handlers[-1].names.append(text)


def _title_remainder(title: list[str], lines: list[str], handler: _Handler, splitter: DepartmentSplitter,
                     widths: ColumnWidths) -> tuple[list[str], list[str]]:
    """The title's lines at the head of a new page, and the page's other lines.

    The title goes on only if its last line reached the column's edge. Where the handler column
    also has text waiting to be finished, each possible share is tried and the one that best fits
    how both columns wrap is taken. A line the extraction shares between the two columns
    ("完好的处罚 1.对…") gives its first word to the title.
    """
    if not fills_column(title[-1], widths.title):
        return [], lines
    pieces: list[str] = []
    for text in lines:
        first, _, rest = text.partition(" ")
        if POINT.match(first) or HANDLER.match(first) or METHOD.match(first):
            break
        if printed_width(first) > widths.title + 1:
            break
        pieces.append(first)
        if rest.strip():
            return [first], [rest.strip()] + lines[len(pieces):]
    best = min(range(len(pieces) + 1), key=lambda k: (_share_penalty(title, pieces[:k], lines[k:], handler,
                                                                     splitter, widths), -k))
    return pieces[:best], lines[best:]


def _share_penalty(title: list[str], taken: list[str], rest: list[str], handler: _Handler,
                   splitter: DepartmentSplitter, widths: ColumnWidths) -> float:
    lines = title[-1:] + taken
    penalty = SHORT_INNER_LINE * sum(not fills_column(t, widths.title) for t in lines[:-1])
    penalty += FULL_LAST_LINE * fills_column(lines[-1], widths.title)
    penalty += TITLE_ENDS_SENTENCE * is_terminated(lines[-1])
    leading = []
    for text in rest:
        if POINT.match(text) or HANDLER.match(text) or METHOD.match(text):
            break
        leading.append(text)
    if handler.in_methods:
        groups = read_points(handler.methods + leading)
        return penalty + (wrap_penalty(groups[-1].points[-1:], widths.duty) if groups else 0.0)
    if leading and not splitter.split_list(join_wrapped(handler.names + leading)):
        penalty += NOT_DEPARTMENTS
    return penalty


def _title_and_note(lines: list[str], title_width: float) -> tuple[str, str]:
    """An abolished item prints its title and the note side by side: split the tokens between them."""
    tokens = [token for text in lines for token in text.split()]
    if not tokens:
        return "", ""
    title = [tokens[0]]
    index = 1
    # a title line is taken while the title reaches the column's edge and the note after it still holds
    # the whole "不再开展此项工作" (the note may wrap over several lines too)
    while (index < len(tokens) and fills_column(title[-1], title_width)
           and is_abolished_note("".join(tokens[index + 1:]))):
        title.append(tokens[index])
        index += 1
    return join_wrapped(title), join_wrapped(tokens[index:])
