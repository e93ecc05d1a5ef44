"""PDF documents with a text layer: the tables' cells found by their ruling lines (pdfplumber), and the
text lines outside the tables (titles), page by page in reading order."""
from __future__ import annotations

import os
from pathlib import Path

from ...processes import batch_worker_started
from ..errors import IngestError
from .pieces import Piece, row_piece, text_piece

_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "intersection_tolerance": 4}
NO_TEXT = ("没有文字层（可能是扫描件或图片）：lvzhi 不做文字识别（OCR）。请提供清单的 Word 原件，"
           "或从 Word/WPS 直接导出（而非扫描、打印）的带文字的 PDF")


# Below this many pages a PDF is read in this process: starting workers costs more than it saves.
PARALLEL_PAGES = 24


def pdf_pieces(path: Path, workers: int = 1) -> list[Piece]:
    """The file's pieces; with workers > 1, a long file's pages are read by that many processes."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # pdfplumber wraps pdfminer's errors in its own PdfminerException
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)) or "encrypt" in type(inner).__name__.lower():
            raise IngestError(path.name, "PDF 已加密（设有打开密码或限制提取文字）：请提供未加密的 PDF 或清单的 Word 原件") from exc
        if isinstance(inner, PDFSyntaxError):
            raise IngestError(path.name, "不是有效的 PDF 文件（文件已损坏或并非 PDF）") from exc
        raise IngestError(path.name, f"无法读取 PDF 文件（{type(inner).__name__}）：文件可能已损坏") from exc
    try:
        count = len(pdf.pages)
        if workers > 1 and count >= PARALLEL_PAGES:
            pdf.close()
            pieces, any_text = _in_workers(path, count, workers)
        else:
            pieces, any_text = _read_pages(pdf, path, range(count))
    finally:
        pdf.close()
    if not any_text:
        raise IngestError(path.name, NO_TEXT)
    return pieces


def _read_pages(pdf, path: Path, numbers: range) -> tuple[list[Piece], bool]:
    pieces: list[Piece] = []
    any_text = False
    for index in numbers:
        try:
            page = pdf.pages[index]
            any_text = any_text or bool(page.chars)
            pieces.extend(_page_pieces(page, index + 1))
        except Exception as exc:
            raise IngestError(path.name, f"无法读取 PDF 内容（{type(exc).__name__}）", f"第 {index + 1} 页") from exc
    return pieces, any_text


def _page_range(path: Path, start: int, stop: int) -> tuple[list[Piece], bool]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return _read_pages(pdf, path, range(start, stop))


def _in_workers(path: Path, count: int, workers: int) -> tuple[list[Piece], bool]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = -(-count // workers)
    ranges = [(start, min(count, start + size)) for start in range(0, count, size)]
    with ProcessPoolExecutor(max_workers=len(ranges), mp_context=multiprocessing.get_context("spawn"),
                                 initializer=batch_worker_started, initargs=(os.getpid(),)) as pool:
        parts = list(pool.map(_page_range, [path] * len(ranges), *zip(*ranges)))
    return [piece for part, _ in parts for piece in part], any(found for _, found in parts)


def _page_pieces(page, number: int) -> list[Piece]:
    tables = page.find_tables(_TABLE_SETTINGS)
    placed: list[tuple[float, int, Piece]] = []
    for t_index, table in enumerate(tables):
        for r_index, (row, cells) in enumerate(zip(table.rows, table.extract()), start=1):
            where = f"第 {number} 页表格第 {r_index} 行" if len(tables) == 1 else f"第 {number} 页第 {t_index + 1} 个表格第 {r_index} 行"
            placed.append((row.bbox[1], 1, row_piece(cells, where)))
    boxes = [table.bbox for table in tables]

    def outside(obj) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    rest = page.filter(outside) if boxes else page
    for line in rest.extract_text_lines(return_chars=False):
        text = line["text"].strip()
        if text:
            placed.append((line["top"], 0, text_piece(text, f"第 {number} 页")))
    placed.sort(key=lambda entry: (entry[0], entry[1]))
    return [piece for _, _, piece in placed]
