"""Spreadsheets of the town's organisation and assessments: the assignment template (to fill in and import),
a district's assessment scheme (columns told from the header), and the ledger as a town sends it upwards.

Readers take the file's bytes and its name; a bad file raises RowErrors naming every bad row in Chinese, so a
caller writes nothing unless the whole file is good.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from ..errors import InvalidInput
from .sheets import Sheet

MAX_ROWS = 5000
MAX_CELL_CHARS = 2000
MAX_SHOWN_ERRORS = 30


class RowErrors(InvalidInput):
    """A file with bad rows: `rows` lists each as “第 N 行：…”; the message shows them all (or the first 30)."""

    def __init__(self, source: str, rows: list[str]):
        self.rows = rows
        shown = "；".join(rows[:MAX_SHOWN_ERRORS]) + (f"；另有 {len(rows) - MAX_SHOWN_ERRORS} 行有误" if
                                                     len(rows) > MAX_SHOWN_ERRORS else "")
        super().__init__(f"{source}：{len(rows)} 处有误，未导入任何内容。{shown}")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _key(header: str) -> str:
    return re.sub(r"[\s（）()：:*＊]", "", header)


def sheets_of(data: bytes, source: str) -> dict[str, list[list[str]]]:
    """Every sheet of an xlsx file as rows of text cells."""
    if not data:
        raise InvalidInput(f"{source}：文件是空的")
    from openpyxl import load_workbook  # imported when a workbook is read, not when a server starts
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InvalidInput(f"{source}：不是有效的 xlsx 文件（{exc.__class__.__name__}），请用 Excel 或 WPS 另存为 .xlsx") \
            from None
    try:
        result = {}
        for sheet in book.worksheets:
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append([_text(v) for v in row])
                if len(rows) > MAX_ROWS + 20:
                    raise InvalidInput(f"{source}：工作表“{sheet.title}”超过 {MAX_ROWS} 行，请分开导入")
            result[sheet.title] = rows
        return result
    finally:
        book.close()


def _find_header(rows: list[list[str]], columns: dict[str, tuple[str, ...]], required: tuple[str, ...],
                 source: str, what: str) -> tuple[int, dict[str, int]]:
    """The header row (within the first 10) and each column's position, told from the names."""
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(rows[:10]):
        keys = [_key(c) for c in row]
        found: dict[str, int] = {}
        for name, aliases in columns.items():
            for alias in aliases:
                if alias in keys:
                    found[name] = keys.index(alias)
                    break
        if found and (best is None or len(found) > len(best[1])):
            best = (index, found)
    if best is None or not all(r in best[1] for r in required):
        wanted = "、".join("/".join(columns[r][:3]) for r in required)
        got = f"，找到的表头为：{'、'.join(c for c in rows[best[0]] if c)}" if best else ""
        raise InvalidInput(f"{source}：前 10 行中找不到{what}的表头（须有 {wanted} 列{got}）")
    return best


def _cell(row: list[str], position: int | None) -> str:
    return row[position] if position is not None and position < len(row) else ""


# -- the assignment template ---------------------------------------------------------------------------

ASSIGNMENT_HEADER = ["编码", "清单", "类别", "事项名称", "牵头科室", "配合科室", "责任人"]
OFFICE_HEADER = ["科室", "人员", "职务"]
ASSIGNMENT_COLUMNS = {"code": ("编码", "事项编码", "编号"), "lead": ("牵头科室", "牵头办所", "牵头站所", "牵头办"),
                      "co": ("配合科室", "协同科室", "配合办所"), "person": ("责任人", "联系人", "经办人"),
                      "title": ("事项名称", "事项")}
OFFICE_COLUMNS = {"office": ("科室", "办所", "站所", "机构"), "person": ("人员", "姓名"), "post": ("职务", "岗位")}


@dataclass
class AssignmentLine:
    row: int
    code: str
    title: str
    lead: str
    co: list[str]
    person: str


@dataclass
class AssignmentSheet:
    lines: list[AssignmentLine]
    offices: list[tuple[str, str, str]] = field(default_factory=list)  # (office, person, post)
    errors: list[str] = field(default_factory=list)  # rows unusable as written (the caller adds its own and raises)


def assignment_template(rows: list[list], offices: list[list]) -> list[Sheet]:
    """The sheet a town fills in: one row per item (with what is assigned already), and its offices and people."""
    return [("事项分工", ASSIGNMENT_HEADER, rows), ("科室与人员", OFFICE_HEADER, offices)]


def _names(cell: str) -> list[str]:
    return [n for n in re.split(r"[、，,；;/\s]+", cell) if n]


def read_assignments(data: bytes, source: str) -> AssignmentSheet:
    sheets = sheets_of(data, source)
    names = list(sheets)
    first = sheets[names[0]]
    start, at = _find_header(first, ASSIGNMENT_COLUMNS, ("code", "lead"), source, "事项分工")
    errors: list[str] = []
    lines = []
    for number, row in enumerate(first[start + 1:], start=start + 2):
        code = _cell(row, at["code"]).upper()
        lead = _cell(row, at["lead"])
        co, person = _cell(row, at.get("co")), _cell(row, at.get("person"))
        if not any(row):
            continue
        if not code:
            errors.append(f"第 {number} 行：缺少事项编码")
            continue
        if not re.fullmatch(r"[BCR]\d{1,4}", code):
            errors.append(f"第 {number} 行：“{code}”不是事项编码（形如 B1、C74、R163）")
            continue
        if not lead:
            if co or person:
                errors.append(f"第 {number} 行：{code} 填了配合科室或责任人，但没有填牵头科室")
            continue  # an item left blank stays unassigned
        lines.append(AssignmentLine(number, code, _cell(row, at.get("title")), lead, _names(co), person))
    offices = []
    if len(names) > 1:
        rows = sheets[names[1]]
        if any(any(r) for r in rows):
            start2, at2 = _find_header(rows, OFFICE_COLUMNS, ("office",), f"{source}“{names[1]}”", "科室与人员")
            for number, row in enumerate(rows[start2 + 1:], start=start2 + 2):
                office = _cell(row, at2["office"])
                if not any(row):
                    continue
                if not office:
                    errors.append(f"“{names[1]}”第 {number} 行：缺少科室名称")
                    continue
                offices.append((office, _cell(row, at2.get("person")), _cell(row, at2.get("post"))))
    return AssignmentSheet(lines, offices, errors)


# -- a district's assessment scheme ----------------------------------------------------------------------

SCHEME_COLUMNS = {
    "text": ("考核指标", "指标", "考核内容", "指标内容", "考核项目", "指标名称", "考核事项"),
    "department": ("考核部门", "考核单位", "责任部门", "牵头部门", "评分部门", "考评部门"),
    "points": ("分值", "分数", "权重", "标准分"),
    "description": ("说明", "评分标准", "考核标准", "评分细则", "考核说明", "备注", "计分方法"),
    "number": ("序号", "编号", "指标编号"),
}


@dataclass
class SchemeLine:
    row: int
    number: str
    text: str
    department: str
    points: float | None
    description: str


def read_scheme(data: bytes, source: str) -> list[SchemeLine]:
    """The indicators of the first sheet; a row without an indicator but with other content, a missing department
    or a points cell that is not a number is an error (all are named at once)."""
    sheets = sheets_of(data, source)
    rows = next(iter(sheets.values()))
    start, at = _find_header(rows, SCHEME_COLUMNS, ("text", "department"), source, "考核指标")
    errors, lines = [], []
    for number, row in enumerate(rows[start + 1:], start=start + 2):
        if not any(row):
            continue
        text, department = _cell(row, at["text"]), _cell(row, at["department"])
        raw_points, description = _cell(row, at.get("points")), _cell(row, at.get("description"))
        if not text:
            errors.append(f"第 {number} 行：缺少考核指标（内容）")
            continue
        if len(text) > MAX_CELL_CHARS or len(description) > MAX_CELL_CHARS:
            errors.append(f"第 {number} 行：指标或说明超过 {MAX_CELL_CHARS} 字")
            continue
        if not department:
            errors.append(f"第 {number} 行：“{text[:20]}”缺少考核部门")
            continue
        points = None
        if raw_points:
            try:
                points = float(raw_points.rstrip("分"))
            except ValueError:
                errors.append(f"第 {number} 行：分值“{raw_points}”不是数字")
                continue
            if points < 0 or points > 1000:
                errors.append(f"第 {number} 行：分值 {raw_points} 不在 0–1000 之间")
                continue
        lines.append(SchemeLine(number, _cell(row, at.get("number")), text, department, points, description))
    if errors:
        raise RowErrors(source, errors)
    if not lines:
        raise InvalidInput(f"{source}：表头之下没有任何考核指标")
    return lines


# -- reports --------------------------------------------------------------------------------------------

LEDGER_HEADER = ["序号", "事项编码", "事项名称", "牵头科室", "来源", "收到日期", "办理期限", "完成日期", "办理情况",
                 "办理结果", "附件", "状态"]
LEDGER_SUMMARY_HEADER = ["科室", "月份", "涉及事项", "收到任务", "已完成", "逾期"]


def ledger_workbook(town: str, entries: list[dict], summary: list[dict]) -> list[Sheet]:
    """The ledger in the layout a town reports upwards: every entry, and per office and month."""
    rows = [[n, e["code"], e["title"], e["office"] or "（未分工）", e["source_name"], e["received_on"],
             e["due_on"] or "", e["done_on"] or "", e["work"], e["result"], "、".join(e["attachments"]),
             e["state_name"]] for n, e in enumerate(entries, start=1)]
    totals = [[s["office"], s["month"], s["items"], s["received"], s["done"], s["overdue"]] for s in summary]
    return [(f"{town}履职台账"[:31], LEDGER_HEADER, rows), ("按科室和月份", LEDGER_SUMMARY_HEADER, totals)]


INDICATOR_HEADER = ["行号", "序号", "考核部门", "考核指标", "分值", "说明", "建议事项", "确认事项", "事项名称",
                    "核查结果", "理由"]


def indicator_workbook(report: dict) -> list[Sheet]:
    """The 明减暗增 check: every indicator with its item and flag, and per assessing department."""
    rows = [[i["row"], i["number"], i["department"], i["text"], i["points"], i["description"],
             i["proposed_code"] or "", i["code"] or "", i["title"] or "", i["flag_name"], i["flag_reason"]]
            for i in report["indicators"]]
    per = [[d["department"], d["total"], d["points"], d["flagged"], d["flagged_points"],
            *(d["flags"].get(k, 0) for k in report["flag_names"])] for d in report["departments"]]
    return [("考核指标核查", INDICATOR_HEADER, rows),
            ("按考核部门", ["考核部门", "指标数", "总分值", "有问题", "有问题分值", *report["flag_names"].values()], per)]
