"""Ticket files as hotline platforms export them: CSV (UTF-8 or GBK) or xlsx, columns mapped by columns.yaml.

Reading never stops at a bad row: each row comes back with its fields or with the reason it cannot be used.
Writing goes to a temporary file that replaces the target only when complete, so nothing is half-written.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..yamltext import load_yaml

from ..errors import InvalidInput
from .sheets import decode_text, write_table as write_sheets
from .xlsxread import BROKEN_XLSX, SheetTooLarge, open_workbook, sheet_rows

MAX_CELL_CHARS = 10_000
REQUIRED = ("id", "text")
# csv's default field limit (128 KiB) would stop the whole file at one huge cell; rows are checked one by one.
csv.field_size_limit(64 * 1024 * 1024)


class TicketFileError(InvalidInput):
    """The file as a whole cannot be read; the message is Chinese and names the file."""


@dataclass
class TicketRow:
    line: int
    values: dict[str, str]          # every column of the row, under the file's own headers
    fields: dict[str, str] = field(default_factory=dict)  # lvzhi's fields (id, text, …) mapped from them
    problem: str | None = None


@dataclass
class TicketFile:
    headers: list[str]
    mapping: dict[str, str]          # lvzhi field → the file's header
    rows: list[TicketRow]
    skipped_empty: int = 0


@lru_cache(maxsize=1)
def column_names() -> dict[str, tuple[str, ...]]:
    text = (resources.files("lvzhi") / "formats" / "columns.yaml").read_text(encoding="utf-8")
    return {key: tuple(names) for key, names in (load_yaml(text) or {}).items()}


def _key(header: str) -> str:
    return "".join(str(header).split()).lower()


def map_columns(headers: list[str]) -> dict[str, str]:
    by_key = {_key(h): h for h in headers if h}
    mapping = {}
    for name, aliases in column_names().items():
        for alias in aliases:
            if _key(alias) in by_key:
                mapping[name] = by_key[_key(alias)]
                break
    return mapping


def _decode(data: bytes, source: str) -> str:
    try:
        return decode_text(data, source)
    except InvalidInput as exc:
        raise TicketFileError(str(exc)) from None


def _csv_rows(path: Path) -> list[list[str]]:
    text = _decode(path.read_bytes(), path.name)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise TicketFileError(f"{path.name}：不是有效的 CSV 文件（{exc}）") from None


def _xlsx_rows(path: Path) -> list[list[str]]:
    try:
        book = open_workbook(path)
    except BROKEN_XLSX as exc:
        raise TicketFileError(f"{path.name}：不是有效的 xlsx 文件（{exc.__class__.__name__}）") from None
    try:
        if not book.worksheets:
            raise TicketFileError(f"{path.name}：文件是空的")
        return [["" if cell is None else str(cell) for cell in row] for row in sheet_rows(book.worksheets[0])]
    except SheetTooLarge as exc:
        raise TicketFileError(f"{path.name}：{exc}") from None
    finally:
        book.close()


def read_tickets(path: Path) -> TicketFile:
    if not path.exists():
        raise TicketFileError(f"找不到文件 {path}")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise TicketFileError(f"{path.name}：只支持 .csv 和 .xlsx 文件")
    table = _csv_rows(path) if suffix == ".csv" else _xlsx_rows(path)
    start = next((n for n, row in enumerate(table) if any(str(c).strip() for c in row)), None)
    if start is None:
        raise TicketFileError(f"{path.name}：文件是空的")
    headers = [str(h).strip() for h in table[start]]
    mapping = map_columns(headers)
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        accepted = "；".join(f"{m}：{'、'.join(column_names()[m])}" for m in missing)
        raise TicketFileError(f"{path.name}：缺少必需的列 {'、'.join(missing)}（可用的列名——{accepted}）；"
                              f"文件中的列：{'、'.join(h for h in headers if h) or '（无）'}")
    result = TicketFile(headers, mapping, [])
    position = {h: n for n, h in enumerate(headers)}
    for number, raw in enumerate(table[start + 1:], start=start + 2):
        if not any(str(c).strip() for c in raw):
            result.skipped_empty += 1
            continue
        values = {h: (raw[n] if n < len(raw) else "") for h, n in position.items() if h}
        row = TicketRow(number, values, {name: str(values.get(header, "")).strip() for name, header in mapping.items()})
        row.problem = _row_problem(row)
        result.rows.append(row)
    return result


@dataclass
class Repeat:
    """One 工单编号 on several usable rows of a file: the same request twice, or a conflict when the texts differ."""
    id: str
    rows: list[TicketRow]

    @property
    def lines(self) -> list[int]:
        return [row.line for row in self.rows]

    @property
    def conflicting(self) -> bool:
        return len({row.fields["text"] for row in self.rows}) > 1

    def _where(self) -> str:
        return f"工单编号 {self.id} 在第 {'、'.join(map(str, self.lines))} 行重复出现"

    def conflict(self, doing: str) -> str:
        texts = "；".join(f"第 {row.line} 行“{_excerpt(row.fields['text'])}”" for row in self.rows)
        return f"{self._where()}，诉求内容不同（{texts}），该编号一条也未{doing}，请核对后重新{doing}"

    def kept_once(self, doing: str) -> str:
        first = self.rows[0]
        others = [h for h in first.values if len({row.values.get(h, "") for row in self.rows}) > 1]
        also = f"；其他列不同（{'、'.join(others)}），按第 {first.line} 行" if others else ""
        return f"{self._where()}，诉求内容相同，只{doing}一次（第 {first.line} 行）{also}"


def _excerpt(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def repeats(tickets: TicketFile) -> dict[str, Repeat]:
    """The ids that more than one usable row of the file carries, in the order they first appear."""
    by_id: dict[str, list[TicketRow]] = {}
    for row in tickets.rows:
        if row.problem is None:
            by_id.setdefault(row.fields["id"], []).append(row)
    return {key: Repeat(key, rows) for key, rows in by_id.items() if len(rows) > 1}


def _row_problem(row: TicketRow) -> str | None:
    text = row.fields.get("text", "")
    if any("\x00" in value for value in row.fields.values()):
        return f"第 {row.line} 行：含有空字符（NUL），请删去后重试"
    if not row.fields.get("id"):
        return f"第 {row.line} 行：id 为空"
    if not text:
        return f"第 {row.line} 行：诉求内容为空"
    if len(text) > MAX_CELL_CHARS:
        return f"第 {row.line} 行：诉求内容过长（{len(text)} 字），最多 {MAX_CELL_CHARS} 字"
    return None


def write_table(path: Path, headers: list[str], rows: list[list[object]]) -> None:
    """CSV (UTF-8 with BOM, for Excel) or xlsx by the file's suffix, replacing the target only when complete."""
    write_sheets(path, [("派单结果", headers, rows)])
