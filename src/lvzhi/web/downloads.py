"""Long tables as downloads that hold neither a worker nor the memory: CSV streamed as it is read, xlsx written
row by row into a temporary file that is sent and then deleted. Both are produced off the event loop (the rows
are read in a worker thread), so /healthz and other requests are answered meanwhile."""
from __future__ import annotations

import os
from typing import Iterable
from urllib.parse import quote

from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from ..formats.sheets import Sheet, csv_chunks, xlsx_file

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(name: str) -> dict[str, str]:
    return {"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


def csv_download(header: list[str], rows: Iterable[list], name: str) -> StreamingResponse:
    """A CSV sent piece by piece while `rows` (a generator reading the database in batches) is consumed."""
    return StreamingResponse(csv_chunks(header, rows), media_type=CSV_TYPE, headers=attachment(name))


def xlsx_download(sheets: list[Sheet], name: str) -> FileResponse:
    """The workbook written to a temporary file (call this from a plain `def` handler: in a worker thread), sent,
    then deleted."""
    path = xlsx_file(sheets)
    return FileResponse(path, media_type=XLSX_TYPE, headers=attachment(name),
                        background=BackgroundTask(os.unlink, path))


def table_download(sheets: list[Sheet], fmt: str, name: str):
    """CSV (the first sheet, streamed) or xlsx (every sheet, from a temporary file)."""
    if fmt == "csv":
        _, header, rows = sheets[0]
        return csv_download(header, rows, name)
    return xlsx_download(sheets, name)
