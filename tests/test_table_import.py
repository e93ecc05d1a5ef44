"""Published documents — Word tables, PDFs exported with a text layer, spreadsheets in the official columns —
read back item for item equal to the bundled 珞璜镇 lists, whatever their page size, column widths, font size,
column names and file split (tabledocs.py makes them)."""
from __future__ import annotations

import copy
import random

import pytest

from lvzhi.ingest import read_list_file
from lvzhi.ingest.batch import plan_import
from lvzhi.ingest.tables import read_tables_dataset
from lvzhi.model import Town
from tabledocs import Style, write_csv, write_docx, write_files, write_xlsx

GIVEN = Town("珞璜镇", "江津区", "重庆市")


def assert_same(expected, got):
    want = {item.code: item.to_dict() for item in expected.items}
    have = {item.code: item.to_dict() for item in got.items}
    assert list(have) == list(want)
    wrong = [code for code in want if have[code] != want[code]]
    assert wrong == [], [(code, have[code]) for code in wrong[:2]]


def read_back(paths, town=None):
    return read_tables_dataset(list(paths), town)


DOCX_STYLES = {
    "portrait, one file": (Style(), False),
    "landscape, three files": (Style(landscape=True, font_size=9), True),
    "街道 header, names run on with 、": (Style(place="重庆市江津区珞璜街道", town_column="街道配合职责",
                                             department_separator="、"), True),
    "other column names, categories as （一）…（共N项）": (Style(department_column="牵头部门", duty_column="部门职责",
                                                            town_column="乡镇配合职责",
                                                            category_style="（{numeral}）{name}（共{count}项）"), False),
    "承接部门 and 工作方式 as two columns, a 备注 column": (Style(split_handlers=True, note_column=True), True),
    "工作方式 on the label's line, no attachment lines": (Style(method_inline=True, attachment=False), False),
}


@pytest.mark.parametrize("name", list(DOCX_STYLES))
def test_word_tables_read_back_item_for_item(dataset, tmp_path, name):
    style, split = DOCX_STYLES[name]
    paths = write_files(dataset, tmp_path, "docx", style, split=split)
    got = read_back(reversed(paths))  # 附件3, 附件2, 附件1: the order files are given in does not matter
    assert_same(dataset, got)
    assert got.unsure == []
    assert got.town.name == ("珞璜街道" if "街道" in style.place else "珞璜镇")
    assert (got.town.district, got.town.city) == ("江津区", "重庆市")


def test_titles_without_the_place_take_the_town_given(dataset, tmp_path):
    paths = write_files(dataset, tmp_path, "docx", Style(place=""), split=True)
    got = read_back(paths, Town("珞璜镇", "江津区", "重庆市"))
    assert_same(dataset, got)
    assert got.town == GIVEN
    # only the town in the title ("珞璜镇基本履职事项清单"): the town from the title, the rest from the options
    paths = write_files(dataset, tmp_path / "short", "docx", Style(place="珞璜镇"), split=True)
    got = read_back(paths)
    assert got.town.name == "珞璜镇" and got.town.district == ""
    assert_same(dataset, got)


PDF_STYLES = {
    "A4 portrait, 10.5 pt, three files": (Style(), True),
    "A4 landscape, 9 pt, other widths, one file, lists run on": (
        Style(landscape=True, font_size=9, lists_on_new_page=False,
              widths={"cooperative": [0.8, 2, 2.6, 6, 4], "reclaimed": [0.8, 5, 9], "basic": [0.7, 14]}), False),
    "portrait 12 pt, 街道, two handler columns, no repeated header": (
        Style(font_size=12, place="重庆市江津区珞璜街道", town_column="街道配合职责", split_handlers=True,
              repeat_header=False, department_separator="、", page_numbers=False), True),
}


@pytest.fixture(scope="module")
def pdf_documents(tmp_path_factory):
    from lvzhi.lists.bundled import bundled_dataset

    dataset = bundled_dataset()
    made = {}
    for name, (style, split) in PDF_STYLES.items():
        folder = tmp_path_factory.mktemp("pdf")
        made[name] = write_files(dataset, folder, "pdf", style, split=split)
    return made


@pytest.mark.parametrize("name", list(PDF_STYLES))
def test_pdf_tables_read_back_item_for_item(dataset, pdf_documents, name):
    paths = pdf_documents[name]
    shuffled = list(paths)
    random.Random(1).shuffle(shuffled)
    got = read_back(shuffled)
    assert_same(dataset, got)
    assert got.unsure == []


def test_pdf_rows_broken_over_pages_are_joined(dataset, pdf_documents):
    """The documents do break rows over pages (the number printed only on the first part), and a
    department heading or a numbered point may open the next page: the rows still read whole."""
    import pdfplumber

    from lvzhi.ingest.tables.pdf import pdf_pieces

    path = pdf_documents["portrait 12 pt, 街道, two handler columns, no repeated header"][1]
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) > 20
    pieces = pdf_pieces(path)
    continued = [p for p in pieces if p.is_row and not p.cells[0] and sum(bool(c) for c in p.cells) > 1]
    assert len(continued) > 10


def test_spreadsheets_in_the_official_layout(dataset, tmp_path):
    for style in (Style(), Style(split_handlers=True, town_column="乡配合职责", place="珞璜镇")):
        got = read_list_file(write_xlsx(dataset, tmp_path / "清单.xlsx", style), "珞璜镇")
        assert_same(dataset, got)
        for encoding in ("utf-8-sig", "gb18030"):
            got = read_list_file(write_csv(dataset, tmp_path / "清单.csv", style, encoding), "珞璜镇")
            assert_same(dataset, got)


def test_a_list_per_file_or_all_in_one_give_one_version(dataset, tmp_path):
    plans = plan_import(write_files(dataset, tmp_path / "a", "docx", Style(), split=True))
    assert [(p.town, p.error) for p in plans] == [("珞璜镇", None)]
    assert plans[0].source_name == "附件1.docx、附件2.docx、附件3.docx"
    assert_same(dataset, plans[0].dataset)


def renamed(dataset, name):
    other = copy.deepcopy(dataset)
    other.town = Town(name, "江津区", "重庆市")
    return other


def test_lvzhis_own_csv_export_reads_back(dataset, tmp_path):
    from lvzhi.formats.lists import write

    path = tmp_path / "导出.csv"
    write(dataset, path, "csv")
    assert_same(dataset, read_list_file(path, "珞璜镇"))
