"""Reading duty lists from files: the published tables (PDF, Word, xlsx, csv), the official document's text,
lvzhi's JSON and xlsx."""
from __future__ import annotations

from pathlib import Path

from ..model import LIST_TITLES, Dataset, Town
from .document import parse_document_file
from .errors import IngestError
from .jsonfile import read_json_file
from .tables import TABLE_SUFFIXES, is_table_file, read_tables_dataset
from .xlsxfile import read_xlsx_file

DEFAULT_TOWN = Town("珞璜镇", "江津区", "重庆市")
MAX_FILE_BYTES = 50 * 1024 * 1024
OLD_OFFICE_SUFFIXES = (".doc", ".wps", ".xls", ".et")

__all__ = ["DEFAULT_TOWN", "IngestError", "read_list_file", "check_dataset"]


def read_list_file(path: str | Path, town: str | None = None, district: str | None = None,
                   city: str | None = None) -> Dataset:
    """Reads any supported file; the format is told by the file's ending (.json, .xlsx, else text)."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(str(path), "文件不存在")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise IngestError(path.name, f"文件过大（超过 {MAX_FILE_BYTES // 1024 // 1024} MB）")
    if path.stat().st_size == 0:
        raise IngestError(path.name, "文件为空")
    given = _town_given(town, district, city)
    suffix = path.suffix.lower()
    if suffix in OLD_OFFICE_SUFFIXES:
        raise IngestError(path.name, "旧版 Word/WPS/Excel 文件无法直接读取：请在 Word 或 WPS 中另存为 .docx（表格另存为 .xlsx）后导入")
    if suffix == ".json":
        dataset = read_json_file(path, given)
    elif suffix in TABLE_SUFFIXES and is_table_file(path):
        dataset = read_tables_dataset([path], given)
    elif suffix in (".xlsx", ".xlsm"):
        dataset = read_xlsx_file(path, given)
    else:
        dataset = parse_document_file(path, given or DEFAULT_TOWN)
    check_dataset(dataset, path.name)
    return dataset


def _town_given(town: str | None, district: str | None, city: str | None) -> Town | None:
    if not town:
        return None
    if town == DEFAULT_TOWN.name:
        return Town(town, district or DEFAULT_TOWN.district, city or DEFAULT_TOWN.city)
    return Town(town, district or "", city or "")


def check_dataset(dataset: Dataset, source: str) -> None:
    """Checks that hold for every format: codes unique, numbers 1..N in each list."""
    seen: set[str] = set()
    for item in dataset.items:
        if item.code in seen:
            raise IngestError(source, f"事项 {item.code} 重复出现")
        seen.add(item.code)
    for kind, title in LIST_TITLES.items():
        numbers = sorted(item.number for item in dataset.items_of(kind))  # type: ignore[arg-type]
        if numbers and numbers != list(range(1, len(numbers) + 1)):
            missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
            detail = f"缺少序号 {'、'.join(map(str, missing[:10]))}" if missing else "序号不连续"
            raise IngestError(source, f"{title}的序号应从 1 连续编到 {len(numbers)}：{detail}")
