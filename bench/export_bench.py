"""Time and peak Python memory of the long exports: the audit log as CSV and xlsx, tickets as xlsx, Open311 pages.

    python3 bench/export_bench.py [--audit 20000] [--tickets 10500] [--database URL]

Fills a fresh SQLite database (or the given one, which should be empty) directly, then produces each export the
way the server does (the services and writers the handlers call, consumed to the end) and prints seconds and the
peak of Python allocations (tracemalloc) while it runs. Also prints the same for building the audit CSV whole in
memory, as it was done before the exports were streamed. Numbers depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import insert, select  # noqa: E402

from lvzhi.formats.reports import audit_table, ticket_sheet  # noqa: E402
from lvzhi.formats.sheets import csv_chunks, table_bytes, xlsx_file  # noqa: E402
from lvzhi.lists.bundled import ensure_bundled  # noqa: E402
from lvzhi.lists.catalog import Catalog  # noqa: E402
from lvzhi.store import Store  # noqa: E402
from lvzhi.store.schema import TicketRow, VersionRow  # noqa: E402
from lvzhi.work.accounts import command_line_user  # noqa: E402
from lvzhi.work.services import Services  # noqa: E402

from test_long_exports import _append_audit  # noqa: E402


def measure(name: str, produce) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    size = produce()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{name:<44} {seconds:7.2f} s   峰值内存 {peak / 2**20:7.1f} MiB   {size / 2**20:6.1f} MiB 输出")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--audit", type=int, default=20_000)
    parser.add_argument("--tickets", type=int, default=10_500)
    parser.add_argument("--database")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    store = Store(url)
    ensure_bundled(store)
    _append_audit(store, args.audit)
    start = datetime(2026, 11, 1, 8, 0)
    with store.transaction() as session:
        version = session.scalar(select(VersionRow.id))
        session.execute(insert(TicketRow), [
            {"external_id": f"GD{n:05d}", "channel": "12345", "received_at": start + timedelta(minutes=n), "town": "珞璜镇",
             "text": f"第{n}号诉求：路灯坏了", "created_at": start, "list_version_id": version,
             "suggestion": {"assignee": "珞璜镇", "item": "B108"}, "state": "pending", "urgency": "一般"}
            for n in range(args.tickets)])
    work = Services.over(Catalog(store))
    admin = command_line_user()
    print(f"{url}：{args.audit} 条审计记录，{args.tickets} 条工单")

    def whole_csv():  # the way it was: every entry in one list, the whole file in memory
        return len(table_bytes(audit_table(list(work.audit.everything(admin))), "csv"))

    def streamed_csv():
        _, header, rows = audit_table(work.audit.everything(admin))[0]
        return sum(len(piece) for piece in csv_chunks(header, rows))

    def xlsx(sheets):
        path = xlsx_file(sheets)
        size = path.stat().st_size
        path.unlink()
        return size

    measure("审计日志 CSV（整体在内存中，旧做法）", whole_csv)
    measure("审计日志 CSV（分批读出、边读边发）", streamed_csv)
    measure("审计日志 xlsx（逐行写入临时文件）", lambda: xlsx(audit_table(work.audit.everything(admin))))
    measure("工单 xlsx（全部，逐行写入临时文件）", lambda: xlsx(ticket_sheet(work.tickets.matching(admin))))
    measure("Open311 一页（100 条）", lambda: len(repr(work.tickets.requests_page(admin, page_size=100))))
    store.close()


if __name__ == "__main__":
    main()
