"""The document parser: speed on the 珞璜镇 text, and how it reads the same lists laid out other ways.

    python3 bench/parse_bench.py [--layouts 100]

Speed: milliseconds to parse the official text (402 items). Layouts: the bundled lists rendered at random
column widths and page heights (tests/docrender.py), parsed back and compared item by item. Printed:
rows the parser reported unsure (the layout alone could not place a page-broken point), how
many of those its wording model got wrong, and rows misread without being reported (should be 0).
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
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
