"""Published documents that cannot be read give a Chinese error naming the file, the page or table and the
row; a district's folder imports every town it can, each in its own transaction."""
from __future__ import annotations

import copy
import os

import pytest

from helpers import lvzhi
from lvzhi.ingest import IngestError, read_list_file
from lvzhi.ingest.batch import plan_import
from lvzhi.ingest.tables import read_tables_dataset
from lvzhi.model import Town
from lvzhi.store import Store
from lvzhi.lists.catalog import Catalog
from tabledocs import Style, write_docx, write_files, write_pdf


def small(dataset, per_list: int = 6):
    """The first items of each list (enough for a document's layout, quick to make and read)."""
    part = copy.deepcopy(dataset)
    part.items = [item for kind in ("basic", "cooperative", "reclaimed") for item in dataset.items_of(kind)[:per_list]]
    return part


def renamed(dataset, name):
    other = copy.deepcopy(dataset)
    other.town = Town(name, "江津区", "重庆市")
    return other


def test_scanned_pdf_without_text(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "扫描件.pdf"
    page = canvas.Canvas(str(path))
    page.rect(50, 50, 400, 600, fill=1)  # an image's worth of marks, no text
    page.showPage()
    page.save()
    with pytest.raises(IngestError) as err:
        read_list_file(path)
    message = str(err.value)
    assert message.startswith("扫描件.pdf：") and "没有文字层" in message and "OCR" in message and "Word 原件" in message


def test_encrypted_pdf(dataset, tmp_path):
    from reportlab.lib import pdfencrypt

    path = tmp_path / "加密.pdf"
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    page.drawString(100, 700, "x")
    page.showPage()
    page.save()
    with pytest.raises(IngestError, match=r"^加密\.pdf：PDF 已加密"):
        read_list_file(path)


def test_not_a_pdf_empty_and_too_large(tmp_path):
    broken = tmp_path / "坏.pdf"
    broken.write_bytes(b"%PDF-1.4\n garbage")
    with pytest.raises(IngestError, match=r"^坏\.pdf：.*PDF"):
        read_list_file(broken)
    empty = tmp_path / "空.docx"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match=r"^空\.docx：文件为空"):
        read_list_file(empty)
    large = tmp_path / "大.pdf"
    with large.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)  # sparse: takes no room
    with pytest.raises(IngestError, match=r"^大\.pdf：文件过大.*50 MB"):
        read_list_file(large)
    plans = plan_import([empty, large])
    assert all(p.dataset is None for p in plans) and {p.error.source for p in plans} == {"空.docx", "大.pdf"}


def test_word_file_without_a_table(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("重庆市江津区白沙镇基本履职事项清单")
    document.add_paragraph("1 学习贯彻落实……")
    path = tmp_path / "无表格.docx"
    document.save(str(path))
    with pytest.raises(IngestError, match=r"^无表格\.docx：文件中没有表格"):
        read_list_file(path)


def _table_docx(path, title, headers, rows):
    import docx

    document = docx.Document()
    document.add_paragraph(title)
    table = document.add_table(rows=0, cols=len(headers))
    for values in [headers, *rows]:
        for cell, text in zip(table.add_row().cells, values):
            cell.text = text
    document.save(str(path))
    return path


def test_a_table_missing_a_column(tmp_path):
    path = _table_docx(tmp_path / "配合.docx", "白沙镇配合履职事项清单", ["序号", "事项名称", "对应上级部门", "上级部门职责"],
                       [["一、党的建设（1项）", "", "", ""], ["1", "某事项", "区委组织部", "负责审核。"]])
    with pytest.raises(IngestError) as err:
        read_list_file(path)
    assert str(err.value) == "配合.docx（第 1 个表格第 1 行（表头））：配合履职事项清单的表格缺少列：镇配合职责"


def test_numbering_gaps_and_repeats_name_the_row(dataset, tmp_path):
    part = small(dataset)
    gap = copy.deepcopy(part)
    gap.items = [item for item in gap.items if item.code != "B3"]
    with pytest.raises(IngestError) as err:
        read_tables_dataset(write_files(gap, tmp_path / "gap", "docx", Style(), split=False))
    assert "基本履职事项清单的序号不连续：序号 2 之后是 4，缺少 3" in str(err.value)
    assert str(err.value).startswith("附件.docx（第 1 个表格第 5 行）")
    repeat = copy.deepcopy(part)
    repeat.by_code()["C4"].number = 3
    with pytest.raises(IngestError, match=r"^附件\.pdf（第 \d+ 页表格第 \d+ 行）：配合履职事项清单的序号 3 重复"):
        read_tables_dataset(write_files(repeat, tmp_path / "repeat", "pdf", Style(), split=False))


def test_two_lists_of_the_same_kind(dataset, tmp_path):
    part = small(dataset)
    first = write_docx(part, tmp_path / "附件1.docx", Style(), ["basic"])
    second = write_docx(part, tmp_path / "附件1（修订）.docx", Style(), ["basic"])
    with pytest.raises(IngestError) as err:
        read_tables_dataset([first, second])
    assert "珞璜镇有两张基本履职事项清单：附件1.docx" in str(err.value) and "附件1（修订）.docx" in str(err.value)


def test_titles_naming_another_town(dataset, tmp_path):
    part = small(dataset)
    path = write_docx(part, tmp_path / "白沙.docx", Style(place="重庆市江津区白沙镇"))
    with pytest.raises(IngestError) as err:
        read_list_file(path, "珞璜镇")
    assert str(err.value).startswith("白沙.docx") and "白沙镇" in str(err.value) and "珞璜镇" in str(err.value)
    import docx

    document = docx.Document(str(path))
    document.paragraphs[-1].text = "重庆市江津区石门镇上级部门收回事项清单"
    document.save(str(path))
    with pytest.raises(IngestError, match=r"标题中的镇街名称不一致：.*“白沙镇”.*“石门镇”"):
        read_list_file(path)


def test_files_without_the_town_need_it_given(dataset, tmp_path):
    paths = write_files(small(dataset), tmp_path, "docx", Style(place=""), split=True)
    with pytest.raises(IngestError, match="标题中没有镇街名称.*--town"):
        read_tables_dataset(paths)
    assert read_tables_dataset(paths, Town("白沙镇")).town.name == "白沙镇"


def test_a_district_folder_imports_each_town_and_stops_only_the_bad_one(dataset, database_url, tmp_path):
    folder = tmp_path / "江津区"
    write_files(renamed(dataset, "白沙镇"), folder / "白沙镇", "docx", Style(place="重庆市江津区白沙镇"), split=True)
    write_files(dataset, folder / "珞璜镇", "pdf", Style(place="江津区珞璜镇"), split=False, stem="珞璜镇清单")
    broken = small(dataset)
    broken.items = [item for item in broken.items if item.code != "C2"]
    write_files(broken, folder / "石门镇", "docx", Style(place="重庆市江津区石门镇"), split=False, stem="石门镇")
    result = lvzhi(database_url, "import", str(folder))
    assert result.returncode == 1
    out = result.stdout
    assert "导入结果" in out and "已导入 白沙镇" in out and "石门镇" in out
    assert "石门镇.docx（第 2 个表格第 4 行）：配合履职事项清单的序号不连续：序号 1 之后是 3，缺少 2" in result.stderr
    assert "1 个镇街未导入" in result.stderr
    store = Store(database_url)
    baisha = Catalog(store).dataset("白沙镇")
    assert [i.to_dict() for i in baisha.items] == [i.to_dict() for i in dataset.items]
    assert baisha.town.district == "江津区" and baisha.town.city == "重庆市"
    store.close()
    towns = lvzhi(database_url, "towns").stdout
    assert "白沙镇" in towns and "石门镇" not in towns
    # the same folder again: nothing new, and --dry-run writes nothing
    again = lvzhi(database_url, "import", str(folder / "白沙镇"), "--dry-run")
    assert again.returncode == 0 and "已检查" in again.stdout and "未写入数据库" in again.stdout


def test_a_department_printed_differently_is_one_department(dataset, database_url, tmp_path):
    """白沙镇 prints "区人社局" where 珞璜镇 prints "区人力社保局": the registry makes them one department, whose
    view lists both towns; a name the registry does not know is listed after the import."""
    import json

    other = renamed(small(dataset, 12), "白沙镇")
    for item in other.items:
        item.departments = ["区人社局" if n == "区人力社保局" else n for n in item.departments]
        for group in item.department_duties:
            group.departments = ["区人社局" if n == "区人力社保局" else n for n in group.departments]
    item = other.items_of("reclaimed")[0]
    item.handlers[0].departments = ["区新设数据局"]
    path = write_docx(other, tmp_path / "白沙镇.docx", Style(place="重庆市江津区白沙镇"))
    result = lvzhi(database_url, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "未登记的部门名称" in result.stdout and "区新设数据局" in result.stdout and "区人社局" not in result.stdout
    view = json.loads(lvzhi(database_url, "department", "区人力社保局", "--format", "json").stdout)
    assert {"珞璜镇", "白沙镇"} <= set(json.dumps(view, ensure_ascii=False).split('"')), view


def test_old_office_files_ask_for_the_new_format(tmp_path):
    old = tmp_path / "附件1.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
    with pytest.raises(IngestError, match=r"^附件1\.doc：旧版 Word/WPS/Excel 文件无法直接读取：请在 Word 或 WPS 中另存为 \.docx"):
        read_list_file(old)


def test_numbers_with_a_point_and_categories_without_a_numeral(tmp_path):
    path = _table_docx(tmp_path / "基本.docx", "重庆市江津区白沙镇基本履职事项清单", ["序号", "事项名称"],
                       [["党的建设（2项）", ""], ["1.", "学习贯彻\n落实"], ["2、", "加强基层党组织建设"],
                        ["经济发展（共1项）", ""], ["3", "优化营商环境"]])
    got = read_list_file(path)
    assert [(i.code, i.category, i.title) for i in got.items] == [
        ("B1", "党的建设", "学习贯彻落实"), ("B2", "党的建设", "加强基层党组织建设"), ("B3", "经济发展", "优化营商环境")]
    assert got.town == Town("白沙镇", "江津区", "重庆市")
