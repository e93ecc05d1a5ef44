"""The document parser: speed on the 珞璜镇 text, and how it reads the same lists laid out other ways.

    python3 bench/parse_bench.py [--layouts 100] [--towns 30]

Speed: milliseconds to parse the official text (402 items). Layouts: the bundled lists rendered at random
column widths and page heights (tests/docrender.py), parsed back and compared item by item. Printed:
rows the parser reported unsure (the layout alone could not place a page-broken point), how
many of those its wording model got wrong, and rows misread without being reported (should be 0).

Published tables (tests/tabledocs.py makes them from the bundled lists): seconds to read the 402 items from
a PDF of about 50 pages and from a Word file, and to import a district of N towns' PDFs (one file per town,
all read, grouped and checked as `lvzhi import DIR` does, written to a fresh SQLite database).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from docrender import random_layout, render  # noqa: E402
from lvzhi.lists.bundled import BUNDLED_SOURCE, bundled_dataset, data_path  # noqa: E402
from lvzhi.ingest import DEFAULT_TOWN  # noqa: E402
from lvzhi.ingest.document import parse_document  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layouts", type=int, default=100)
    parser.add_argument("--towns", type=int, default=30, help="towns in the district benchmark (0: skip it)")
    args = parser.parse_args()
    tables(args.towns)

    text = data_path(BUNDLED_SOURCE).read_text(encoding="utf-8")
    times = []
    for _ in range(10):
        start = time.perf_counter()
        parse_document(text, DEFAULT_TOWN)
        times.append(time.perf_counter() - start)
    print(f"official text: {statistics.median(times) * 1000:.0f} ms median, {min(times) * 1000:.0f} ms best (10 runs)")

    dataset = bundled_dataset()
    expected = {item.code: item.to_dict() for item in dataset.items}
    unsure = wrong = silent = failed = 0
    for seed in range(args.layouts):
        try:
            parsed = parse_document(render(dataset, random_layout(seed)), dataset.town)
        except Exception as exc:  # a layout the parser refuses counts against it
            failed += 1
            print(f"  layout {seed}: {exc}")
            continue
        misread = {code for code, item in parsed.by_code().items() if item.to_dict() != expected[code]}
        unsure += len(parsed.unsure)
        wrong += len(misread & set(parsed.unsure))
        silent += len(misread - set(parsed.unsure))
    print(f"{args.layouts} random layouts: {failed} refused, {silent} rows misread without being reported, "
          f"{unsure} rows reported unsure, of which the wording got {unsure - wrong} right and {wrong} wrong")


def tables(towns: int) -> None:
    import copy
    import os
    import tempfile

    from lvzhi.ingest.batch import plan_import
    from lvzhi.ingest.tables import read_tables_dataset
    from lvzhi.model import Town
    from lvzhi.store import Store
    from lvzhi.store.repository import save_dataset
    from tabledocs import Style, write_files

    import pdfplumber

    dataset = bundled_dataset()
    expected = [item.to_dict() for item in dataset.items]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for fmt in ("pdf", "docx"):
            paths = write_files(dataset, root / fmt, fmt, Style(), split=False)
            pages = ""
            if fmt == "pdf":
                with pdfplumber.open(paths[0]) as pdf:
                    pages = f", {len(pdf.pages)} pages"
            times = []
            for _ in range(3):
                start = time.perf_counter()
                got = read_tables_dataset(paths)
                times.append(time.perf_counter() - start)
            same = [item.to_dict() for item in got.items] == expected
            print(f"{fmt} ({len(got.items)} items{pages}): {statistics.median(times):.2f} s median, "
                  f"{min(times):.2f} s best (3 runs); read back equal: {same}")
        if not towns:
            return
        district = root / "district"
        names = [f"{a}{b}镇" for a in "东西南北中上下前后左" for b in "山河湖林田泉"][:towns]
        for name in names:
            town = copy.deepcopy(dataset)
            town.town = Town(name, "某区", "重庆市")
            write_files(town, district / name, "pdf", Style(place=f"重庆市某区{name}"), split=False, stem=name)
        store = Store(f"sqlite:///{root / 'bench.db'}")
        start = time.perf_counter()
        plans = plan_import([district], workers=min(4, os.cpu_count() or 1))
        read = time.perf_counter() - start
        for plan in plans:
            with store.transaction() as session:
                save_dataset(session, plan.dataset, source_name=plan.source_name)
        total = time.perf_counter() - start
        store.close()
        ok = sum(plan.error is None and [i.to_dict() for i in plan.dataset.items] == expected for plan in plans)
        print(f"district of {towns} towns' PDFs: {total:.1f} s ({read:.1f} s reading with {min(4, os.cpu_count() or 1)} "
              f"processes on {os.cpu_count()} cores), {ok} of {towns} towns read back equal")


if __name__ == "__main__":
    main()
