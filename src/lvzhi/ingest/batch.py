"""Reading the files of one import: single files in lvzhi's formats, a town's published files (附件1/2/3 in
any order), or a district's folder, into one Dataset per town, each with what went wrong."""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..processes import batch_worker_started
from ..model import Dataset, Town
from . import MAX_FILE_BYTES, _town_given, check_dataset, read_list_file
from .errors import IngestError
from .tables import ListFile, group_files, is_table_file, read_table_file, town_dataset

SUFFIXES = (".pdf", ".docx", ".xlsx", ".xlsm", ".csv", ".json", ".txt", ".doc", ".wps", ".xls", ".et")


@dataclass
class TownImport:
    """One town's share of an import: its Dataset, or the error that stopped it (nothing of it is written)."""

    town: str
    sources: list[str] = field(default_factory=list)
    dataset: Dataset | None = None
    error: IngestError | None = None

    @property
    def source_name(self) -> str:
        return "、".join(self.sources)


def expand(paths: list[Path]) -> list[Path]:
    """The files to read: each file given, and the list files inside each folder given (sorted by name)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                           and not p.name.startswith(("~$", ".")))
            if not found:
                raise IngestError(str(path), f"文件夹中没有可导入的文件（{'、'.join(SUFFIXES)}）")
            files.extend(found)
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def check_file(path: Path) -> None:
    if not path.is_file():
        raise IngestError(str(path), "文件不存在")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(path.name, "文件为空")
    if size > MAX_FILE_BYTES:
        raise IngestError(path.name, f"文件过大（{size / 1024 / 1024:.1f} MB，超过 {MAX_FILE_BYTES // 1024 // 1024} MB）")


def read_one(path: Path, workers: int = 1) -> ListFile | IngestError:
    try:
        check_file(path)
        return read_table_file(path, workers)
    except IngestError as exc:
        return exc


def _read_in_worker(path: Path) -> ListFile | tuple[str, str, str | None]:
    """read_one in a worker process: an error comes back as its parts (source, problem, where)."""
    result = read_one(path)
    return (result.source, result.problem, result.where) if isinstance(result, IngestError) else result


def plan_import(paths: list[Path], town: str | None = None, district: str | None = None, city: str | None = None,
                progress: Callable[[Path], None] | None = None, workers: int = 1) -> list[TownImport]:
    """Reads every file and puts each town's together; nothing is written. Errors stop their town only."""
    files = expand(paths)
    given = _town_given(town, district, city)
    results: list[TownImport] = []
    tables: list[Path] = []
    for path in files:
        if path.is_file() and is_table_file(path):
            tables.append(path)
            continue
        try:  # lvzhi's JSON and xlsx, and the extracted text: one file is one version
            dataset = read_list_file(path, town, district, city)
            results.append(TownImport(dataset.town.name, [path.name], dataset))
        except IngestError as exc:
            results.append(TownImport(town or "（未知镇街）", [path.name], error=exc))
        if progress:
            progress(path)
    read: list[tuple[str, ListFile | IngestError]] = []
    for path, result in zip(tables, _read_all(tables, workers, progress)):
        read.append((path.name, result))
    try:
        groups = group_files(read, given)
    except IngestError as exc:
        return results + [TownImport(town or "（未知镇街）", [name for name, _ in read], error=exc)]
    for group in groups:
        entry = TownImport(group.name, list(group.sources))
        try:
            dataset = town_dataset(group)
            if given is not None:
                dataset.town = Town(given.name, given.district or dataset.town.district, given.city or dataset.town.city)
            check_dataset(dataset, entry.source_name)
            entry.dataset = dataset
        except IngestError as exc:
            entry.error = exc
        results.append(entry)
    return results


def _read_all(paths: list[Path], workers: int, progress: Callable[[Path], None] | None) -> list[ListFile | IngestError]:
    """Reads the published files, in worker processes when there are several PDFs to read."""
    if workers > 1 and sum(p.suffix.lower() == ".pdf" for p in paths) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=batch_worker_started, initargs=(os.getpid(),)) as pool:
            futures = [pool.submit(_read_in_worker, path) for path in paths]
            results = []
            for path, future in zip(paths, futures):
                result = future.result()
                results.append(IngestError(*result) if isinstance(result, tuple) else result)
                if progress:
                    progress(path)
            return results
    results = []
    for path in paths:
        results.append(read_one(path, workers))  # one PDF: its pages may be shared by the workers
        if progress:
            progress(path)
    return results
