"""Reading the published documents themselves: tables in PDF (with a text layer), Word, xlsx and csv.

Each format is read into the same pieces (pieces.py: text lines and rows of cells, in order); layout.py
finds the lists, their columns, categories and item rows in them; fields.py reads each cell; towns.py
puts the files of one town together into one Dataset.
"""
from __future__ import annotations

from pathlib import Path

from ...model import Dataset, Town
from ..errors import IngestError
from .layout import ListFile, read_pieces
from .towns import TownFiles, group_files, town_dataset

TABLE_SUFFIXES = (".pdf", ".docx", ".xlsx", ".xlsm", ".csv")

__all__ = ["TABLE_SUFFIXES", "ListFile", "TownFiles", "group_files", "is_table_file", "read_table_file",
           "read_tables_dataset", "town_dataset"]


def read_table_file(path: Path, workers: int = 1) -> ListFile:
    """The lists one published file holds (the file's size and existence are checked by the caller);
    `workers`: processes that may share a long PDF's pages."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from .pdf import pdf_pieces

        return read_pieces(pdf_pieces(path, workers), path.name)
    if suffix == ".docx":
        from .docx import docx_pieces as extract
    elif suffix == ".csv":
        from .sheet import csv_pieces as extract
    elif suffix in (".xlsx", ".xlsm"):
        from .sheet import xlsx_pieces as extract
    else:
        raise IngestError(path.name, f"不支持的文件类型“{path.suffix}”")
    return read_pieces(extract(path), path.name)


def read_tables_dataset(paths: list[Path], given: Town | None = None) -> Dataset:
    """One town's version from its published files (one file or several, in any order)."""
    groups = group_files([(path.name, read_table_file(path)) for path in paths], given)
    if len(groups) > 1:
        names = "、".join(group.name for group in groups)
        raise IngestError("、".join(path.name for path in paths), f"这些文件属于不同的镇街（{names}）：请分别导入，或导入其所在文件夹")
    return town_dataset(groups[0])


def is_table_file(path: Path) -> bool:
    """Whether a file is read as a published table: PDF, Word, csv, and xlsx other than lvzhi's own export
    (whose sheets are named after the lists and have a "类别" column)."""
    suffix = path.suffix.lower()
    if suffix in (".pdf", ".docx", ".csv"):
        return True
    if suffix in (".xlsx", ".xlsm"):
        return not _is_lvzhi_xlsx(path)
    return False


def _is_lvzhi_xlsx(path: Path) -> bool:
    from ...formats.xlsxread import open_workbook, sheet_rows
    from ...model import LIST_TITLES

    try:
        book = open_workbook(path)
    except Exception:
        return True  # let the xlsx reader report the broken file
    try:
        for name in LIST_TITLES.values():
            if name in book.sheetnames:
                header = next(sheet_rows(book[name]), ())
                return "类别" in [str(v).strip() for v in header if v is not None]
        return False
    finally:
        book.close()
