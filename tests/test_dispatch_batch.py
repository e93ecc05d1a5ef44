"""`lvzhi dispatch` on ticket files: a day of tickets, hotline xlsx exports, GBK, and broken rows."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from openpyxl import Workbook, load_workbook

from helpers import lvzhi

csv.field_size_limit(64 * 1024 * 1024)  # the output keeps a 1 MB cell as it was
SHARED_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev-queries.jsonl"
CASES = [("园区里珞城实业公司修的路坑坑洼洼，一直没人管", "珞城实业公司（原珞璜建司）", "上级部门收回", "R163"),
         ("我们小区附近的KTV晚上接待未成年人进去唱歌", "区文化旅游委", "上级部门收回", "R140"),
         ("我家生活困难，想申请低保，去哪里办", "珞璜镇", "基本履职", "B51"),
         ("我想办理结婚登记，去哪里办", "", "清单外", "")]


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_ten_thousand_tickets_routed_from_csv(tmp_path):
    texts = [case[0] for case in CASES]
    if SHARED_EVAL.exists():
        texts += [json.loads(line)["text"] for line in SHARED_EVAL.read_text(encoding="utf-8").splitlines()[:200]]
    rows = [["id", "text", "来电人"]] + [[f"T{n:05d}", texts[n % len(texts)], f"市民{n}"] for n in range(10_000)]
    source = _write_csv(tmp_path / "tickets.csv", rows)
    result = lvzhi(str(tmp_path / "lvzhi.db"), "dispatch", "--input", str(source), "--output", str(tmp_path / "out.csv"))
    assert result.returncode == 0, result.stderr
    routed = _read_csv(tmp_path / "out.csv")
    assert len(routed) == 10_000 and [r["id"] for r in routed[:3]] == ["T00000", "T00001", "T00002"]
    assert routed[0]["来电人"] == "市民0", "other columns are kept"
    for n, (text, assignee, verdict, item) in enumerate(CASES):
        for row in (routed[n], routed[n + len(texts)]):
            assert (row["text"], row["建议承办单位"], row["判定"], row["事项"]) == (text, assignee, verdict, item)
    assert all(r["判定"] and r["把握"] != "" and not r["错误"] for r in routed)
    assert "已处理 10000 条工单" in result.stdout


def test_hotline_xlsx_export_with_its_own_headers(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "受理时间", "诉求内容", "所属镇街", "联系电话"])
    for n, (text, *_rest) in enumerate(CASES, 1):
        sheet.append([f"GD{n}", "2026-11-29 09:00", text, "珞璜镇", 13800000000 + n])
    book.save(tmp_path / "export.xlsx")
    result = lvzhi(str(tmp_path / "lvzhi.db"), "dispatch", "--input", str(tmp_path / "export.xlsx"),
                   "--output", str(tmp_path / "routed.xlsx"))
    assert result.returncode == 0, result.stderr
    out = load_workbook(tmp_path / "routed.xlsx").active
    header = [c.value for c in out[1]]
    assert header[:5] == ["工单编号", "受理时间", "诉求内容", "所属镇街", "联系电话"]
    assert header[5:9] == ["建议承办单位", "判定", "事项", "把握"]
    values = [[c.value for c in row] for row in out.iter_rows(min_row=2)]
    assert [(v[0], v[5] or "", v[7] or "") for v in values] == [(f"GD{n}", c[1], c[3]) for n, c in enumerate(CASES, 1)]


def test_gbk_files_empty_rows_huge_cells_and_blank_texts(tmp_path):
    rows = [["id", "text"], ["1", CASES[0][0]], [], ["", ""], ["2", "低" * 1_000_000], ["3", ""], ["4", CASES[2][0]],
            ["5", "！！！……"]]
    source = _write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    result = lvzhi(str(tmp_path / "lvzhi.db"), "dispatch", "--input", str(source), "--output", str(tmp_path / "out.csv"))
    assert result.returncode == 0, result.stderr
    routed = {r["id"]: r for r in _read_csv(tmp_path / "out.csv")}
    assert routed["1"]["事项"] == "R163" and routed["4"]["事项"] == "B51"
    assert "过长（1000000 字）" in routed["2"]["错误"] and routed["2"]["建议承办单位"] == ""
    assert "诉求内容为空" in routed["3"]["错误"]
    assert "只有标点" in routed["5"]["错误"] and "无法判断 1" in result.stdout
    for bad in ("2", "3", "5"):
        assert (routed[bad]["判定"], routed[bad]["把握"], routed[bad]["建议承办单位"]) == ("", "", ""), \
            "a row with an error has no verdict"
    assert "跳过空行 2 行" in result.stdout and "第 6 行" in result.stderr


def test_files_that_cannot_be_used_leave_no_output(tmp_path):
    database = str(tmp_path / "lvzhi.db")
    out = tmp_path / "out.csv"
    missing = _write_csv(tmp_path / "missing.csv", [["编号", "备注"], ["1", "x"]])
    result = lvzhi(database, "dispatch", "--input", str(missing), "--output", str(out))
    assert result.returncode == 1 and "缺少必需的列 text" in result.stderr and "诉求内容" in result.stderr
    (tmp_path / "latin.csv").write_bytes(b"id,text\n1,\xff\xfe\xfa\n")
    assert "无法识别文件编码" in lvzhi(database, "dispatch", "--input", str(tmp_path / "latin.csv"),
                                      "--output", str(out)).stderr
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip file")
    assert "不是有效的 xlsx" in lvzhi(database, "dispatch", "--input", str(tmp_path / "broken.xlsx"),
                                    "--output", str(out)).stderr
    (tmp_path / "empty.csv").write_text("\n\n", encoding="utf-8")
    assert "文件是空的" in lvzhi(database, "dispatch", "--input", str(tmp_path / "empty.csv"), "--output", str(out)).stderr
    assert "找不到文件" in lvzhi(database, "dispatch", "--input", str(tmp_path / "nope.csv"), "--output", str(out)).stderr
    good = _write_csv(tmp_path / "good.csv", [["id", "text"], ["1", CASES[0][0]]])
    assert "输出目录不存在" in lvzhi(database, "dispatch", "--input", str(good),
                                    "--output", str(tmp_path / "no" / "out.csv")).stderr
    assert not out.exists() and not list(tmp_path.glob(".lvzhi-*"))


def test_tickets_import_puts_good_rows_in_the_queue_once(tmp_path):
    database = str(tmp_path / "lvzhi.db")
    source = _write_csv(tmp_path / "day.csv", [["工单编号", "受理时间", "诉求内容"],
                                               ["A1", "2026-11-29 08:01", CASES[0][0]],
                                               ["A2", "2026-11-29 08:02", ""],
                                               ["A3", "2026-11-29 08:03", CASES[1][0]]], encoding="gbk")
    first = lvzhi(database, "tickets", "import", str(source))
    assert first.returncode == 0 and "已导入 2 条工单" in first.stdout and "第 3 行：诉求内容为空" in first.stderr
    second = lvzhi(database, "tickets", "import", str(source))
    assert "已导入 0 条工单到派单队列，2 条此前已导入、跳过" in second.stdout
    audit = json.loads(lvzhi(database, "audit", "--format", "json").stdout)
    created = [e for e in audit if e["action"] == "ticket.create"]
    assert len(created) == 2 and {e["actor_role"] for e in created} == {"system"}
    assert {e["after"]["suggestion"]["item"] for e in created} == {"R163", "R140"}


def test_an_id_repeated_in_one_file_is_imported_once_or_not_at_all(tmp_path):
    database = str(tmp_path / "lvzhi.db")
    source = _write_csv(tmp_path / "day.csv", [["工单编号", "诉求内容", "联系电话"],
                                               ["B1", CASES[0][0], "13800000001"],
                                               ["B2", CASES[1][0], ""],
                                               ["B1", CASES[0][0], "13800000002"],
                                               ["B2", CASES[2][0], ""],
                                               ["B3", CASES[2][0], ""]])
    result = lvzhi(database, "tickets", "import", str(source))
    assert result.returncode == 0, result.stderr
    assert "已导入 2 条工单" in result.stdout and "此前已导入" not in result.stdout, "B1 once and B3; not B2"
    assert "工单编号 B1 在第 2、4 行重复出现，诉求内容相同，只导入一次（第 2 行）" in result.stdout
    assert "其他列不同（联系电话）" in result.stdout
    assert "工单编号 B2 在第 3、5 行重复出现，诉求内容不同" in result.stderr and "一条也未导入" in result.stderr
    assert "KTV" in result.stderr and "低保" in result.stderr, "says what differs"
    audit = json.loads(lvzhi(database, "audit", "--format", "json").stdout)
    assert sorted(e["after"]["suggestion"]["item"] for e in audit if e["action"] == "ticket.create") == ["B51", "R163"]
    again = lvzhi(database, "tickets", "import", str(source))
    assert "已导入 0 条工单到派单队列，2 条此前已导入、跳过" in again.stdout


def test_batch_dispatch_flags_repeated_ids(tmp_path):
    source = _write_csv(tmp_path / "day.csv", [["id", "text"], ["B1", CASES[0][0]], ["B2", CASES[1][0]],
                                               ["B1", CASES[0][0]], ["B2", CASES[2][0]]])
    result = lvzhi(str(tmp_path / "lvzhi.db"), "dispatch", "--input", str(source), "--output", str(tmp_path / "o.csv"))
    assert result.returncode == 0, result.stderr
    rows = _read_csv(tmp_path / "o.csv")
    assert (rows[0]["事项"], rows[0]["错误"]) == ("R163", "")
    assert rows[2]["事项"] == "" and "与第 2 行重复" in rows[2]["错误"]
    for conflicting in (rows[1], rows[3]):
        assert conflicting["事项"] == "" and conflicting["判定"] == ""
        assert "工单编号 B2 在第 3、5 行重复出现，诉求内容不同" in conflicting["错误"]
    assert result.stderr.count("工单编号 B2 在第 3、5 行") == 1
