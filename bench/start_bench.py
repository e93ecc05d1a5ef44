"""How long `lvzhi serve` takes to answer, measured as a user sees it, with paired runs against other code.

    python3 bench/start_bench.py [--database URL] [--runs 5] [--src /tmp/old/src ...]

Each run launches `python -m lvzhi serve` on the same existing database and reports, from the launch:
the first answered /healthz, the first answered real page (the home page with a question, which needs the
default town's resolver), and the server's RSS at that moment. With `--src`, the runs alternate between this
worktree's code and each other source folder (old commit, new commit, old, new …), so that both see the
same machine state; medians are reported per source. Without `--database`, a fresh SQLite file is made
(the bundled lists are loaded by a first, unmeasured start).
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
OWN_SRC = HERE.parent / "src"
QUESTION = "村里有人在河道里电鱼"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mib(pid: int) -> float:
    """Resident memory of a process and all its children (uvicorn's workers), in MiB."""
    total = 0
    for child in [pid, *_children(pid)]:
        try:
            with open(f"/proc/{child}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            pass
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and all its children (uvicorn's workers)."""
    total = 0
    for process in [pid, *_children(pid)]:
        try:
            with open(f"/proc/{process}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            found = [int(c) for c in f.read().split()]
    except FileNotFoundError:
        return []
    return found + [g for c in found for g in _children(c)]


def _answered(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status == 200
    except OSError:
        return False


def start_once(database: str, src: Path = OWN_SRC, workers: int = 1, page: str | None = None,
               timeout: float = 180.0, keep: bool = False) -> dict:
    """Launches the server, waits for /healthz and then the page; returns the times (s) and RSS (MiB).
    With keep=True the running process and its address are returned too (the caller stops it)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    page = page or f"/?q={quote(QUESTION)}"
    # the benches send every request from one address: the per-client rate limits would answer 429
    env = {**os.environ, "PYTHONPATH": str(src), "LVZHI_RATE_LIMITS": "off"}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "lvzhi", "serve", "--database", database, "--port", str(port),
                                "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        while not _answered(base + "/healthz"):
            if process.poll() is not None:
                raise SystemExit(f"server failed: {process.stderr.read().decode(errors='replace')}")
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"server did not answer in {timeout:.0f} s")
            time.sleep(0.02)
        health = time.perf_counter() - started
        if not _answered(base + page):
            raise SystemExit(f"{page} did not answer 200")
        first_page = time.perf_counter() - started
        result = {"healthz_s": health, "page_s": first_page, "rss_mib": rss_mib(process.pid)}
    except BaseException:
        stop(process)
        raise
    if keep:
        return {**result, "process": process, "base": base}
    stop(process)
    return result


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an existing database (default: a fresh SQLite file with the bundled lists)")
    parser.add_argument("--runs", type=int, default=5, help="runs per source (default 5)")
    parser.add_argument("--src", action="append", default=[], help="another source folder to alternate with")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    sources = [OWN_SRC, *(Path(s).resolve() for s in args.src)]
    with tempfile.TemporaryDirectory() as folder:
        database = args.database or f"{folder}/start.db"
        if not args.database:
            start_once(database)  # creates the schema and loads the bundled lists; not measured
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores; "
              f"database: {database.split('://')[0] if '://' in database else 'sqlite'}", flush=True)
        results: dict[Path, list[dict]] = {s: [] for s in sources}
        for run in range(args.runs):
            for src in (sources if run % 2 == 0 else sources[::-1]):
                result = start_once(database, src, args.workers)
                results[src].append(result)
                print(f"  run {run + 1} {src}: healthz {result['healthz_s']:.2f} s, page {result['page_s']:.2f} s, "
                      f"RSS {result['rss_mib']:.0f} MiB", flush=True)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for src, runs in results.items():
            median = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
            print(f"{src}: median of {len(runs)} — first /healthz {median('healthz_s'):.2f} s, "
                  f"first page {median('page_s'):.2f} s, RSS {median('rss_mib'):.0f} MiB")


if __name__ == "__main__":
    main()
