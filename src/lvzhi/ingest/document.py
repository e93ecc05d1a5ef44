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
from pathlib import Path

from ..model import LIST_TITLES, Dataset, Item, ListKind, Town
from .cooperative import read_cooperative_rows
from .departments import STARTS, DepartmentSplitter, ends_like_department, looks_like_department, place_prefixes
from .errors import IngestError
from .heads import HEAD_TOKEN_MAX_WIDTH, head_tokens, split_title_and_departments
from .reclaimed import is_abolished_note, read_reclaimed
from .rows import CLOSING, HANDLER, HEADING, ColumnWidths, Line, Row
from .text import clean, join_wrapped, printed_width

_CATEGORY = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)\s*(\S+?)\s*[（(]\s*共?\s*(\d+)\s*项\s*[）)]$")
# Page furniture: "第 3 页", "第3页，共70页", "- 3 -", "— 3 —", "3 / 70", "Page 3 of 70".
_PAGE_NUMBER = re.compile(
    r"^第\s*\d+\s*页(?:\s*[，,、]?\s*共\s*\d+\s*页)?$|^[-－—–]+\s*\d+\s*[-－—–]+$|^\d+\s*/\s*\d+$"
    r"|^(?:page\s*)?\d+\s*of\s*\d+$",
    re.IGNORECASE,
)
_TABLE_HEADER = re.compile(r"^序号\s+事项名称")
# What may stand before a list's title: an attachment label, a number, the place ("重庆市江津区白沙镇").
_TITLE_PREFIX = re.compile(r"^(?:附件\s*\d*\s*[:：]?)?(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．])?"
                           r"(?:[\u4e00-\u9fff]{1,8}?(?:省|市|区|县|镇|乡|街道))*$")
# A space before closing punctuation is a stray of the extraction ("调查统计 ，并依法公布"): never a column gap.
_SPACE_BEFORE_CLOSING = re.compile(rf"\s+(?=[{re.escape(CLOSING)}])")
_ROW_START = re.compile(r"^(\d{1,4})(?:\s+(.*))?$")


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
    places = place_prefixes(town.name, town.district, town.city)
    splitter = DepartmentSplitter(_known_departments(lines, places), places)
    items: list[Item] = []
    unsure: list[str] = []
    for kind in ("basic", "cooperative", "reclaimed"):
        kind_rows = [r for r in rows if r.kind == kind]
        head = _head_width(kind_rows) if kind == "cooperative" else HEAD_TOKEN_MAX_WIDTH
        widths = ColumnWidths(_title_column_width(kind_rows, kind, splitter, head), _duty_column_width(kind_rows, head),
                              _names_column_width(kind_rows, splitter, head) if kind == "cooperative" else 0.0, head)
        if kind == "cooperative":
            read, unsure = read_cooperative_rows(kind_rows, splitter, widths, source)
            items += read
            continue
        reader = _read_basic if kind == "basic" else read_reclaimed
        items += [reader(row, splitter, widths, source) for row in kind_rows]
    return Dataset(town=town, version=version, items=items, unsure=unsure)


# --- lines, lists, categories and rows ------------------------------------------------------------

def _significant_lines(text: str) -> list[Line]:
    """Non-empty lines with page furniture (page numbers, repeated table headers) removed.

    A line that opens a new page keeps `page_break`; the extractor marks such a line with leading
    white space, and a page number or a repeated header marks the next line the same way.
    """
    result: list[Line] = []
    pending_break = False
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        stripped = _SPACE_BEFORE_CLOSING.sub("", raw.strip())
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
    """The list a title line opens: "基本履职事项清单", or with the town or a number before it
    ("白沙镇配合履职事项清单", "附件2：配合履职事项清单", "三、上级部门收回事项清单")."""
    text = text.replace(" ", "")
    for kind, title in LIST_TITLES.items():
        if text == title or (text.endswith(title) and _TITLE_PREFIX.match(text[: -len(title)])):
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


def _known_departments(lines: list[Line], places: tuple[str, ...]) -> set[str]:
    """Department names the document prints cleanly: "承接部门：…" lines (a label, so any name that ends
    like a body's) and headings ("区医保局：", which must also start like one)."""
    starts = STARTS + places
    known: set[str] = set()
    for line in lines:
        text = clean(line.text)
        handler = HANDLER.match(text)
        found = handler or HEADING.match(text)
        if not found:
            continue
        for name in re.split(r"[、，,]", found.group(1)):
            if looks_like_department(name, starts) or (handler and ends_like_department(name)):
                known.add(name)
    known.add("区级相关部门")
    return known


# --- the narrow title column ------------------------------------------------------------------------

def _head_width(rows: list[Row]) -> float:
    """How wide a title or department-name line of a 配合 row can be: 12 cells, or more where the
    document's title column is wider (judged by the rows' first lines, which are titles)."""
    firsts = sorted(printed_width(row.segments[0][0].text.split()[0]) for row in rows if row.segments[0])
    return max(HEAD_TOKEN_MAX_WIDTH, firsts[len(firsts) * 3 // 4] + 1) if firsts else HEAD_TOKEN_MAX_WIDTH


def _title_column_width(rows: list[Row], kind: ListKind, splitter: DepartmentSplitter,
                        head: float = HEAD_TOKEN_MAX_WIDTH) -> float:
    """The printed width of a full line of the title column, from titles that wrap."""
    widths: list[float] = []
    for row in rows:
        lines = [ln.text for ln in row.segments[0]] if row.segments else []
        if kind == "cooperative":
            tokens, _ = head_tokens(lines, head)
            title, _ = split_title_and_departments(tokens, splitter)
            title_lines = title
        else:
            title_lines = []
            for text in lines:
                if HANDLER.match(text) or is_abolished_note(text):
                    break
                title_lines.append(text.split()[0] if kind == "reclaimed" else text)
        if len(title_lines) >= 2:
            widths.append(max(printed_width(t) for t in title_lines[:-1]))
    return statistics.median(widths) if widths else 0.0


def _names_column_width(rows: list[Row], splitter: DepartmentSplitter, head: float) -> float:
    """The printed width of a full line of the department-name column: a high percentile of its lines,
    or the widest line that holds one whole department name, if wider."""
    tokens = [
        token
        for row in rows
        for token in split_title_and_departments(head_tokens([ln.text for ln in row.segments[0]], head)[0], splitter)[1]
    ]
    widths = sorted(printed_width(token) for token in tokens)
    whole_names = [printed_width(token) for token in tokens if splitter.split(token)]
    return max([widths[int(len(widths) * 0.9)]] + whole_names) if widths else 0.0


def _duty_column_width(rows: list[Row], head: float = HEAD_TOKEN_MAX_WIDTH) -> float:
    """The printed width of a full line of the duty columns: a high percentile of the wide lines."""
    widths = sorted(
        printed_width(ln.text) for row in rows for seg in row.segments for ln in seg
        if printed_width(ln.text) > head
    )
    return widths[int(len(widths) * 0.9)] if widths else 0.0


# --- 基本履职事项 ---------------------------------------------------------------------------------

def _read_basic(row: Row, splitter: DepartmentSplitter, widths: ColumnWidths, source: str) -> Item:
    title = join_wrapped([ln.text for seg in row.segments for ln in seg])
    return Item(code=row.code, list="basic", number=row.number, category=row.category, title=title)
