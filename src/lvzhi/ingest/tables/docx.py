"""Word (.docx) documents: the paragraphs outside tables and every table's rows, in document order."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import IngestError
from .pieces import Piece, row_piece, text_piece

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_pieces(path: Path) -> list[Piece]:
    import docx  # python-docx

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(path.name, f"不是有效的 Word（.docx）文件（{type(exc).__name__}）；"
                                     "旧版 .doc 文件请先在 Word 或 WPS 中另存为 .docx") from exc
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise IngestError(path.name, f"无法读取 Word 文件（{type(exc).__name__}）") from exc
    pieces: list[Piece] = []
    tables = 0
    paragraphs = 0
    for element in document.element.body.iterchildren():
        if element.tag == f"{_W}p":
            paragraphs += 1
            text = _text(element).strip()
            if text:
                pieces.append(text_piece(text, f"第 {paragraphs} 段"))
        elif element.tag == f"{_W}tbl":
            tables += 1
            for number, tr in enumerate(element.iterchildren(f"{_W}tr"), start=1):
                pieces.append(row_piece(_row_cells(tr), f"第 {tables} 个表格第 {number} 行"))
    if not tables:
        raise IngestError(path.name, "文件中没有表格：清单应为含“序号”“事项名称”等列的表格（请提供清单原件）")
    return pieces


def _row_cells(tr) -> list[str]:
    """The row's cells by grid column: a cell merged across columns gives its text once, then empty cells."""
    cells: list[str] = []
    for tc in tr.iterchildren(f"{_W}tc"):
        span = 1
        props = tc.find(f"{_W}tcPr")
        if props is not None:
            grid_span = props.find(f"{_W}gridSpan")
            if grid_span is not None:
                span = int(grid_span.get(f"{_W}val", "1"))
            v_merge = props.find(f"{_W}vMerge")
            if v_merge is not None and v_merge.get(f"{_W}val") != "restart":
                cells.extend([""] * span)  # the lower part of a vertically merged cell
                continue
        paragraphs = [_text(p) for p in tc.iterchildren(f"{_W}p")]
        cells.append("\n".join(paragraphs))
        cells.extend([""] * (span - 1))
    return cells


def _text(paragraph) -> str:
    """A paragraph's text; a manual line break (Shift+Enter) is a line break."""
    parts: list[str] = []
    for node in paragraph.iter(f"{_W}t", f"{_W}br", f"{_W}cr", f"{_W}tab"):
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append(" ")
        else:
            parts.append("\n")
    return "".join(parts)
