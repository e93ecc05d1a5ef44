"""Hostile xlsx files: a declared dimension far larger than the data (the "dimension bomb"), a far stray
cell, too many columns, not a zip, an empty file. Every reader — hotline tickets, lvzhi's list export,
published tables — reads only the cells that exist and refuses oversized sheets with a Chinese error."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from lvzhi.errors import InvalidInput
from lvzhi.formats import xlsxread
from lvzhi.formats.lists import write
from lvzhi.formats.tickets import TicketFileError, read_tickets
from lvzhi.ingest import read_list_file
from lvzhi.ingest.tables import read_table_file


def _rewrite_sheets(path: Path, change) -> None:
    """Apply `change(xml) -> xml` to every worksheet part of the xlsx at `path`."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = change(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info, data)
    shutil.move(tmp, path)


def _bomb(path: Path, ref: str = "A1:XFD1048576") -> Path:
    def change(xml: str) -> str:
        if "<dimension" in xml:
            return re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml)
        return xml.replace("<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>', 1) if "<sheetViews>" in xml \
            else re.sub(r"(<worksheet[^>]*>)", rf'\1<dimension ref="{ref}"/>', xml, count=1)
    _rewrite_sheets(path, change)
    return path


def _tickets_xlsx(path: Path, rows: int = 3) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "诉求内容"])
    for n in range(rows):
        sheet.append([f"T{n}", f"小区门口占道经营 {n}"])
    book.save(path)
    return path


def test_dimension_bomb_ticket_file_reads_only_existing_cells(tmp_path):
    path = _bomb(_tickets_xlsx(tmp_path / "t.xlsx"))
    assert path.stat().st_size < 10_000
    with zipfile.ZipFile(path) as z:
        assert 'ref="A1:XFD1048576"' in z.read("xl/worksheets/sheet1.xml").decode()
    tickets = read_tickets(path)
    assert [row.fields.get("id") for row in tickets.rows] == ["T0", "T1", "T2"]


def test_dimension_bomb_list_export_reads(dataset, tmp_path):
    path = tmp_path / "l.xlsx"
    write(dataset, path, "xlsx")
    _bomb(path)
    again = read_list_file(path)
    assert len(again.items) == len(dataset.items)


def test_dimension_bomb_published_table_reads(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "基本履职事项清单"
    sheet.append(["序号", "类别", "事项名称"])
    sheet.append([1, "党的建设", "落实全面从严治党主体责任"])
    path = tmp_path / "p.xlsx"
    book.save(path)
    _bomb(path)
    try:
        read_table_file(path)
    except InvalidInput as exc:  # the table may be judged incomplete, but never by running out of memory
        assert "上限" not in str(exc)


def test_a_far_cell_past_the_row_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsxread, "MAX_ROWS", 1000)
    path = _tickets_xlsx(tmp_path / "t.xlsx")
    _rewrite_sheets(path, lambda xml: xml.replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    with pytest.raises(TicketFileError, match=r"t\.xlsx：.*超过 1000 行的上限"):
        read_tickets(path)


def test_too_many_columns_is_refused(tmp_path):
    path = _tickets_xlsx(tmp_path / "t.xlsx")
    _rewrite_sheets(path, lambda xml: xml.replace(
        "</sheetData>", '<row r="9"><c r="XFD9" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    with pytest.raises(TicketFileError, match=r"第 9 行有 16384 列，超过 256 列的上限"):
        read_tickets(path)
    with pytest.raises(InvalidInput, match=r"t\.xlsx.*16384 列"):
        read_table_file(path)


def test_styled_empty_rows_past_the_cap_are_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsxread, "MAX_ROWS", 10)
    path = _tickets_xlsx(tmp_path / "t.xlsx")
    _rewrite_sheets(path, lambda xml: xml.replace("</sheetData>", '<row r="5000"><c r="A5000" s="0"/></row></sheetData>'))
    assert len(read_tickets(path).rows) == 3


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_not_an_xlsx_is_a_clear_error_for_every_reader(tmp_path, content):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    for read in (read_tickets, read_list_file, read_table_file):
        with pytest.raises(InvalidInput, match=r"bad\.xlsx.*(不是有效的 xlsx 文件|文件是空的|文件为空)"):
            read(path)
