"""Broken files give a Chinese error naming the file and the place, and nothing is written."""
from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook

from lvzhi.formats.lists import write, write_json
from lvzhi.ingest import IngestError, read_list_file


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_item_number(source_text, tmp_path):
    broken = re.sub(r"(?m)^5\n", "", source_text, count=1)  # drop the number of B5; its text joins B4
    with pytest.raises(IngestError, match=r"缺少第 5 项") as err:
        read_list_file(_write(tmp_path, "doc.txt", broken))
    assert "doc.txt" in str(err.value) and "行" in str(err.value)


def test_repeated_item_number(source_text, tmp_path):
    broken = source_text.replace("\n6 负责离退休干部", "\n5 负责离退休干部", 1)
    with pytest.raises(IngestError, match=r"序号 5 重复"):
        read_list_file(_write(tmp_path, "doc.txt", broken))


def test_truncated_table(source_text, tmp_path):
    cut = source_text.index("\n130 ") if "\n130 " in source_text else source_text.index("上级部门收回事项清单") + 8000
    with pytest.raises(IngestError, match=r"标明 \d+ 项，实际读出 \d+ 项"):
        read_list_file(_write(tmp_path, "doc.txt", source_text[:cut]))


def test_method_before_any_handler(source_text, tmp_path):
    broken = source_text.replace("承接部门：区招商投资局", "区招商投资局", 1)
    with pytest.raises(IngestError, match=r"R1 的“工作方式：”出现在“承接部门：”之前") as err:
        read_list_file(_write(tmp_path, "doc.txt", broken))
    assert "doc.txt" in str(err.value) and "行" in str(err.value)


def test_unknown_layout(tmp_path):
    with pytest.raises(IngestError, match="无法识别文件编码或格式"):
        read_list_file(_write(tmp_path, "notes.txt", "会议纪要\n一、关于道路维修\n"))


def test_binary_and_empty_files(tmp_path):
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02PK" * 100)
    with pytest.raises(IngestError, match="二进制"):
        read_list_file(binary)
    empty = tmp_path / "e.txt"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="文件为空"):
        read_list_file(empty)


def test_xlsx_missing_column(dataset, tmp_path):
    path = tmp_path / "l.xlsx"
    write(dataset, path, "xlsx")
    book = load_workbook(path)
    book["配合履职事项清单"].delete_cols(6)
    book.save(path)
    with pytest.raises(IngestError, match=r"缺少列：镇配合职责") as err:
        read_list_file(path)
    assert "配合履职事项清单" in str(err.value) and "第 1 行" in str(err.value)


def test_xlsx_empty_title(dataset, tmp_path):
    path = tmp_path / "l.xlsx"
    write(dataset, path, "xlsx")
    book = load_workbook(path)
    book["基本履职事项清单"]["C4"] = None
    book.save(path)
    with pytest.raises(IngestError, match=r"第 4 行.*“事项名称”为空"):
        read_list_file(path)


def test_json_wrong_type(dataset, tmp_path):
    path = tmp_path / "l.json"
    write_json(dataset, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["items"][3]["number"] = "四"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IngestError, match=r"items\[3\]\.number.*类型错误：应为整数"):
        read_list_file(path)


def test_json_syntax_error_names_line(tmp_path):
    with pytest.raises(IngestError, match=r"JSON 格式错误.*|第 2 行"):
        read_list_file(_write(tmp_path, "l.json", '{"town": "x",\n "items": [}'))


def test_points_out_of_order_in_a_row(source_text, tmp_path):
    broken = source_text.replace("2.负责审核申报企业相关资料", "5.负责审核申报企业相关资料", 1)
    with pytest.raises(IngestError, match=r"C17 的编号要点无法按顺序归入各栏（读到的顺序为 1、5、3、1、2、3）") as err:
        read_list_file(_write(tmp_path, "doc.txt", broken))
    assert "doc.txt" in str(err.value) and "行" in str(err.value)


def test_a_row_without_the_towns_column(source_text, tmp_path):
    broken = source_text.replace("1.负责陪同进行企业住所（经营场所）核查。\n\n2.负责协助出具相关证明材料。\n", "", 1)
    with pytest.raises(IngestError, match=r"C62（配合履职事项）缺少“镇配合职责”") as err:
        read_list_file(_write(tmp_path, "doc.txt", broken))
    assert "doc.txt" in str(err.value) and "行" in str(err.value)
