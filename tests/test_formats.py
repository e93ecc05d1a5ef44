"""JSON, xlsx and CSV: exports that other tools and clerks read, and imports that give the same data back."""
from __future__ import annotations

import csv
import json

from openpyxl import load_workbook

from lvzhi.formats.lists import write, write_json
from lvzhi.ingest import read_list_file


def test_json_export_has_the_stable_shape(dataset, tmp_path):
    path = tmp_path / "l.json"
    write_json(dataset, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"town", "district", "city", "version", "items"}
    assert (data["town"], data["district"], data["city"]) == ("珞璜镇", "江津区", "重庆市")
    c74 = next(i for i in data["items"] if i["code"] == "C74")
    assert set(c74) == {"code", "list", "number", "category", "title", "departments", "department_duties", "town_duties"}
    r15 = next(i for i in data["items"] if i["code"] == "R15")
    assert r15["abolished"] is True and r15["handlers"] == [] and "不再开展" in r15["note"]
    b1 = next(i for i in data["items"] if i["code"] == "B1")
    assert set(b1) == {"code", "list", "number", "category", "title"}


def test_json_round_trip(dataset, tmp_path):
    path = tmp_path / "l.json"
    write_json(dataset, path)
    assert read_list_file(path).to_dict() == dataset.to_dict()


def test_xlsx_round_trip_and_layout(dataset, tmp_path):
    path = tmp_path / "l.xlsx"
    write(dataset, path, "xlsx")
    assert read_list_file(path).to_dict() == dataset.to_dict()
    book = load_workbook(path)
    assert book.sheetnames == ["说明", "基本履职事项清单", "配合履职事项清单", "上级部门收回事项清单"]
    sheet = book["配合履职事项清单"]
    assert [c.value for c in sheet[1]] == ["序号", "类别", "事项名称", "对应上级部门", "上级部门职责", "镇配合职责"]
    assert sheet.freeze_panes == "A2" and sheet.max_row == 111
    assert sheet["E2"].alignment.wrap_text and sheet.column_dimensions["E"].width >= 40
    assert sheet["E2"].value.startswith("区委组织部、区人力社保局：\n1.负责制定并下发文件。")


def test_csv_export(dataset, tmp_path):
    path = tmp_path / "l.csv"
    write(dataset, path, "csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert len(rows) == 402
    r163 = next(r for r in rows if r["编码"] == "R163")
    assert r163["承接部门及工作方式"].startswith("承接部门：江津综保区管委会、珞城实业公司（原珞璜建司）\n工作方式：")


def test_gbk_encoded_document_reads_the_same(dataset, source_text, tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(source_text.encode("gb18030"))
    assert read_list_file(path).to_dict()["items"] == dataset.to_dict()["items"]


def test_wrapped_words_join_with_a_space_but_acronyms_and_numbers_do_not():
    from lvzhi.ingest.text import join_wrapped

    assert join_wrapped(["推广“科普中国”AP", "P。"]) == "推广“科普中国”APP。"
    assert join_wrapped(["第12", "345号"]) == "第12345号"
    assert join_wrapped(["open", "data"]) == "open data"
    assert join_wrapped(["科普", "中国"]) == "科普中国"
