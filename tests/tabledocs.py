"""Makes published-style list documents from a Dataset: Word tables (python-docx) and PDFs with ruled
tables (reportlab, the built-in CID font STSong-Light), in the layouts towns publish.

Used to check that lvzhi reads the documents' tables, not one file's line breaks: the same lists at other
page sizes, column widths, font sizes, column names and file splits must read back item for item.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lvzhi.model import LIST_KINDS, LIST_TITLES, Dataset, Item, ListKind
from lvzhi.formats.cells import format_department_duties, format_handlers, format_town_duties, numbered

_NUMERALS = "一二三四五六七八九十"
_NO_LINE_START = "。，、；：？！）”’》」"


@dataclass
class Style:
    place: str = "重庆市江津区珞璜镇"  # what the titles put before the list's name ("" for none)
    town_column: str = "镇配合职责"  # or 街道配合职责, 乡配合职责 …
    department_column: str = "对应上级部门"  # or 牵头部门, 责任部门
    duty_column: str = "上级部门职责"  # or 部门职责
    split_handlers: bool = False  # "承接部门" and "工作方式" as two columns
    department_separator: str = "\n"  # between the names in the department column ("、" runs them on)
    category_style: str = "{numeral}、{name}（{count}项）"
    attachment: bool = True  # an "附件N" line above each list's title
    landscape: bool = False
    font_size: float = 10.5
    widths: dict[str, list[float]] = field(default_factory=dict)  # relative column widths per list
    note_column: bool = False  # a "备注" column at the end (left empty)
    repeat_header: bool = True
    page_numbers: bool = True
    lists_on_new_page: bool = True
    method_inline: bool = False  # "工作方式：…" on one line when the handler has one method

    def headers(self, kind: ListKind) -> list[str]:
        if kind == "basic":
            columns = ["序号", "事项名称"]
        elif kind == "cooperative":
            columns = ["序号", "事项名称", self.department_column, self.duty_column, self.town_column]
        else:
            columns = ["序号", "事项名称", *(("承接部门", "工作方式") if self.split_handlers else ("承接部门及工作方式",))]
        return columns + (["备注"] if self.note_column else [])

    def relative_widths(self, kind: ListKind) -> list[float]:
        if kind in self.widths:
            widths = list(self.widths[kind])
        elif kind == "basic":
            widths = [1, 12]
        elif kind == "cooperative":
            widths = [1, 3, 2.2, 5, 5]
        else:
            widths = [1, 4, *((2.5, 6) if self.split_handlers else (8,))]
        return widths + ([1.5] if self.note_column else [])


def title(kind: ListKind, style: Style) -> str:
    return f"{style.place}{LIST_TITLES[kind]}"


def cells(item: Item, style: Style) -> list[str]:
    row = [str(item.number), item.title]
    if item.list == "cooperative":
        row += [style.department_separator.join(item.departments), format_department_duties(item),
                format_town_duties(item)]
    elif item.list == "reclaimed":
        if style.split_handlers:
            if item.abolished:
                row += ["", item.note or ""]
            else:
                lines = []
                for handler in item.handlers:
                    if len(item.handlers) > 1:
                        lines.append("、".join(handler.departments) + "：")
                    lines.extend(numbered(handler.methods))
                names = [n for h in item.handlers for n in h.departments]
                row += [style.department_separator.join(dict.fromkeys(names)), "\n".join(lines)]
        else:
            text = format_handlers(item)
            if style.method_inline:
                text = "\n".join(_inline_methods(item))
            row.append(text)
    return row + ([""] if style.note_column else [])


def _inline_methods(item: Item) -> list[str]:
    if item.abolished:
        return [item.note or ""]
    lines = []
    for handler in item.handlers:
        lines.append("承接部门：" + "、".join(handler.departments))
        if len(handler.methods) == 1:
            lines.append("工作方式：" + handler.methods[0])
        else:
            lines.append("工作方式：")
            lines.extend(numbered(handler.methods))
    return lines


def table_rows(dataset: Dataset, kind: ListKind, style: Style) -> list[tuple[str, list[str] | str]]:
    """("category", text) and ("item", cells) rows of one list, in order."""
    rows: list[tuple[str, list[str] | str]] = []
    items = dataset.items_of(kind)
    for index, (name, count) in enumerate(dataset.categories(kind)):
        rows.append(("category", style.category_style.format(numeral=_NUMERALS[index], name=name, count=count)))
        rows.extend(("item", cells(item, style)) for item in items if item.category == name)
    return rows


def kinds_of(dataset: Dataset) -> list[ListKind]:
    return [kind for kind in LIST_KINDS if dataset.items_of(kind)]


# --- Word ---------------------------------------------------------------------------------------------

def write_docx(dataset: Dataset, path: Path, style: Style, kinds: list[ListKind] | None = None) -> Path:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = docx.Document()
    section = document.sections[0]
    if style.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for k_index, kind in enumerate(kinds or kinds_of(dataset)):
        if style.attachment:
            document.add_paragraph(f"附件{LIST_KINDS.index(kind) + 1}")
        document.add_paragraph(title(kind, style))
        headers = style.headers(kind)
        table = document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, headers):
            cell.text = text
        for what, value in table_rows(dataset, kind, style):
            row = table.add_row()
            if what == "category":
                merged = row.cells[0].merge(row.cells[-1])
                merged.text = value  # type: ignore[assignment]
                continue
            for c_index, (cell, text) in enumerate(zip(row.cells, value)):
                lines = str(text).split("\n")
                if c_index % 2:  # some cells as paragraphs, others as line breaks in one paragraph
                    cell.text = lines[0]
                    for line in lines[1:]:
                        cell.add_paragraph(line)
                else:
                    cell.text = "\n".join(lines)
        for paragraph in document.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(style.font_size)
    document.save(str(path))
    return path


# --- PDF ----------------------------------------------------------------------------------------------

FONT = "STSong-Light"


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of at most `width` points, as Word wraps Chinese: anywhere, but never before closing punctuation."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for paragraph in text.split("\n"):
        current, used = "", 0.0
        for ch in paragraph:
            w = stringWidth(ch, FONT, size)
            if used + w > width and current:
                # a line never starts with closing punctuation: the character before it goes down with it
                carry = current[-1] if ch in _NO_LINE_START and len(current) > 1 else ""
                lines.append(current[:-1] if carry else current)
                current = carry
                used = stringWidth(current, FONT, size)
            current += ch
            used += w
        lines.append(current)
    return [line for line in lines if line.strip()] or [""]


def _drawable(text: str) -> str:
    """The built-in CID font has no ToUnicode map: pdfminer reads the code of "・" (U+30FB) back as "·"
    (U+00B7) and the code of "·" as nothing. Real exported PDFs embed their fonts' maps; here "·" is
    written as the code that reads back as "·"."""
    return text.replace("·", "・")


class _PdfWriter:
    MARGIN = 42.0
    PAD = 3.0

    def __init__(self, path: Path, style: Style):
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.pdfgen import canvas

        _register_font()
        self.style = style
        self.size = landscape(A4) if style.landscape else A4
        self.canvas = canvas.Canvas(str(path), pagesize=self.size)
        self.leading = style.font_size * 1.45
        self.page = 0
        self.y = 0.0
        self.new_page()

    def new_page(self) -> None:
        if self.page:
            self.canvas.showPage()
        self.page += 1
        self.y = self.size[1] - self.MARGIN
        if self.style.page_numbers:
            self.canvas.setFont(FONT, 9)
            self.canvas.drawCentredString(self.size[0] / 2, self.MARGIN / 2, f"— {self.page} —")

    def text_line(self, text: str, size: float) -> None:
        self.canvas.setFont(FONT, size)
        self.y -= size * 1.6
        self.canvas.drawCentredString(self.size[0] / 2, self.y, text)
        self.y -= size * 0.6

    def column_edges(self, kind: ListKind) -> list[float]:
        relative = self.style.relative_widths(kind)
        total = self.size[0] - 2 * self.MARGIN
        edges = [self.MARGIN]
        for w in relative:
            edges.append(edges[-1] + total * w / sum(relative))
        return edges

    def draw_row(self, edges: list[float], columns: list[list[str]], merged: bool = False) -> None:
        c = self.canvas
        size = self.style.font_size
        height = max(len(col) for col in columns) * self.leading + 2 * self.PAD
        top, bottom = self.y, self.y - height
        c.setLineWidth(0.6)
        c.line(edges[0], top, edges[-1], top)
        c.line(edges[0], bottom, edges[-1], bottom)
        for x in ([edges[0], edges[-1]] if merged else edges):
            c.line(x, top, x, bottom)
        c.setFont(FONT, size)
        for col, lines in enumerate(columns):
            for index, text in enumerate(lines):
                c.drawString(edges[col] + self.PAD, top - self.PAD - size - index * self.leading + 1.5, _drawable(text))
        self.y = bottom

    def cell_lines(self, edges: list[float], values: list[str]) -> list[list[str]]:
        return [wrap(v, edges[i + 1] - edges[i] - 2 * self.PAD - 1, self.style.font_size) if v else []
                for i, v in enumerate(values)]

    def room(self) -> int:
        return int((self.y - self.MARGIN - 2 * self.PAD) // self.leading)

    def table(self, kind: ListKind, rows, headers: list[str]) -> None:
        edges = self.column_edges(kind)
        header = self.cell_lines(edges, headers)
        self.draw_row(edges, header)
        for what, value in rows:
            if what == "category":
                lines = [wrap(value, edges[-1] - edges[0] - 8, self.style.font_size)]
                if self.room() < 2:
                    self.break_page(edges, header)
                self.draw_row(edges, lines, merged=True)
                continue
            columns = self.cell_lines(edges, value)
            while True:
                height = max(len(col) for col in columns)
                room = self.room()
                if height <= room:
                    self.draw_row(edges, columns)
                    break
                if room >= 2:  # the row goes on to the next page: what fits here, the rest there
                    self.draw_row(edges, [col[:room] for col in columns])
                    columns = [col[room:] for col in columns]
                    columns[0] = []  # the number is printed once
                self.break_page(edges, header)

    def break_page(self, edges: list[float], header: list[list[str]]) -> None:
        self.new_page()
        if self.style.repeat_header:
            self.draw_row(edges, header)

    def save(self) -> None:
        self.canvas.save()


def write_pdf(dataset: Dataset, path: Path, style: Style, kinds: list[ListKind] | None = None) -> Path:
    writer = _PdfWriter(path, style)
    for index, kind in enumerate(kinds or kinds_of(dataset)):
        if index and (style.lists_on_new_page or writer.room() < 8):
            writer.new_page()
        if style.attachment:
            writer.text_line(f"附件{LIST_KINDS.index(kind) + 1}", style.font_size + 2)
        writer.text_line(title(kind, style), style.font_size + 6)
        writer.table(kind, table_rows(dataset, kind, style), style.headers(kind))
    writer.save()
    return path


def write_files(dataset: Dataset, folder: Path, fmt: str, style: Style, split: bool = True,
                stem: str = "附件") -> list[Path]:
    """The lists as one file, or one file per list (附件1, 附件2, 附件3)."""
    writer = write_pdf if fmt == "pdf" else write_docx
    folder.mkdir(parents=True, exist_ok=True)
    if not split:
        return [writer(dataset, folder / f"{stem}.{fmt}", style)]
    return [writer(dataset, folder / f"{stem}{LIST_KINDS.index(kind) + 1}.{fmt}", style, [kind])
            for kind in kinds_of(dataset)]


# --- spreadsheets -------------------------------------------------------------------------------------

def write_xlsx(dataset: Dataset, path: Path, style: Style) -> Path:
    """One sheet per list: the title in a merged first row, the header, category rows merged across."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for kind in kinds_of(dataset):
        sheet = book.create_sheet(f"附件{LIST_KINDS.index(kind) + 1}")
        headers = style.headers(kind)
        sheet.append([title(kind, style)])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        sheet.append(headers)
        for what, value in table_rows(dataset, kind, style):
            if what == "category":
                sheet.append([value])
                row = sheet.max_row
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(headers))
            else:
                sheet.append([int(value[0]), *value[1:]])
    book.save(path)
    return path


def write_csv(dataset: Dataset, path: Path, style: Style, encoding: str = "utf-8-sig") -> Path:
    """The three lists one after another, each under its title row."""
    import csv

    with path.open("w", encoding=encoding, newline="") as handle:
        out = csv.writer(handle)
        for kind in kinds_of(dataset):
            out.writerow([title(kind, style)])
            out.writerow(style.headers(kind))
            for what, value in table_rows(dataset, kind, style):
                out.writerow([value] if what == "category" else value)
    return path
