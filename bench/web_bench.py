"""Requests per second and latency of a running `lvzhi serve`, with several concurrent clients.

    python3 bench/web_bench.py                      # SQLite, and PostgreSQL when LVZHI_TEST_POSTGRES_URL is set
    python3 bench/web_bench.py --workers 2 --clients 16 --seconds 10
    python3 bench/web_bench.py --driver wrk         # wrk (apt-get install wrk) drives the load: far less CPU

It starts the real server (`lvzhi serve`) as a separate process on a fresh database with the bundled lists,
warms it up, then drives it with keep-alive HTTP/1.1 connections (this process's asyncio, or wrk) for a fixed
time per scenario, and prints throughput and latency percentiles over every request (n is printed).
Questions are all different (8,640 texts, none sent twice within a scenario's first 8,640 requests); the
scenario labelled "repeated" sends the same 8 again and again, so that caches hit.
Targets from the portal issue: resolve >= 500 req/s with p99 <= 50 ms on SQLite; item pages >= 1,000 req/s.
The load generator shares the machine's cores with the server, so the numbers are a lower bound.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from resolve_bench import unique_texts
from start_bench import cpu_seconds, start_once, stop

TOWN = quote("珞璜镇")
QUESTIONS = [
    "小区楼下那家托育机构消防通道堆满杂物，谁来查？",
    "请镇里组织一次无偿献血活动",
    "我想申请低保，需要什么材料",
    "村里有人在河道里电鱼",
    "对完成医保码签发任务指标的考核",
    "园区里珞城实业公司修的路坏了没人管",
    "KTV 晚上接待未成年人",
    "楼上装修拆了承重墙",
]
ITEM_CODES = ["B1", "B51", "C39", "C74", "C81", "R8", "R18", "R163"]


def request_bytes(method: str, path: str, port: int, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: keep-alive\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _client(port: int, requests: list[bytes], until: float, latencies: list[float], failures: list[int],
                  offset: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = offset
    while time.perf_counter() < until:
        started = time.perf_counter()
        writer.write(requests[n % len(requests)])
        status = await _read_response(reader)
        latencies.append(time.perf_counter() - started)
        if status != 200:
            failures.append(status)
        n += 1
    writer.close()


async def _drive(port: int, requests: list[bytes], clients: int, seconds: float) -> tuple[list[float], list[int], float]:
    latencies: list[float] = []
    failures: list[int] = []
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(_client(port, requests, until, latencies, failures, i) for i in range(clients)))
    return latencies, failures, time.perf_counter() - started


def _wrk(port: int, requests: list[bytes], clients: int, seconds: float) -> dict:
    """Drives the server with wrk (one thread), cycling through the requests; its latency histogram covers
    every request."""
    import re

    rows = []
    for raw in requests:
        head, _, body = raw.partition(b"\r\n\r\n")
        method, path = head.split(b" ")[:2]
        rows.append("{%s, %s, %s}" % tuple(_lua(x) for x in (method, path, body)))
    script = ("local rows = {" + ",\n".join(rows) + "}\nlocal n = 0\n"
              "request = function()\n  n = n % #rows + 1\n  local r = rows[n]\n"
              "  local headers = {}\n  if #r[3] > 0 then headers['Content-Type'] = 'application/json' end\n"
              "  return wrk.format(r[1], r[2], headers, r[3])\nend\n")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as f:
        f.write(script)
    try:
        output = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds:.0f}s", "--latency", "-s", f.name,
                                 f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(f.name)
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def ms(label: str) -> float:
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, flags=re.M)
        return float(found.group(1)) * unit[found.group(2)] if found else float("nan")

    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests": total, "failed": int(errors.group(1)) if errors else 0,
            "per_second": round(float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))),
            "p50_ms": round(ms("50"), 1), "p99_ms": round(ms("99"), 1), "mean_ms": float("nan")}


def _lua(data: bytes) -> str:
    return '"' + "".join(f"\\{b}" for b in data) + '"'


def run_scenario(name: str, base: str, requests: list[bytes], clients: int, seconds: float,
                 driver: str = "asyncio", server_pid: int | None = None) -> dict:
    """Throughput and latency; and the server's CPU time per request, which another job on the machine
    barely changes (unlike throughput): the figure to compare two commits by on a shared machine."""
    port = int(base.rsplit(":", 1)[1])
    if driver == "wrk":
        _wrk(port, requests[-50:], clients, min(2.0, seconds))  # warm-up, on texts the run sends last (if ever)
        used = cpu_seconds(server_pid) if server_pid else 0.0
        result = {"scenario": name, **_wrk(port, requests, clients, seconds)}
    else:
        asyncio.run(_drive(port, requests[-50:], clients, min(2.0, seconds)))  # warm-up
        used = cpu_seconds(server_pid) if server_pid else 0.0
        latencies, failures, elapsed = asyncio.run(_drive(port, requests, clients, seconds))
        latencies.sort()
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
        result = {"scenario": name, "requests": len(latencies), "failed": len(failures),
                  "per_second": round(len(latencies) / elapsed), "p50_ms": round(pick(0.50), 1),
                  "p99_ms": round(pick(0.99), 1), "mean_ms": round(statistics.fmean(latencies) * 1000, 1)}
    if server_pid:
        result["cpu_ms_per_request"] = round((cpu_seconds(server_pid) - used) * 1000 / max(result["requests"], 1), 2)
    print(f"  {name:<22} {result['per_second']:>6} req/s   p50 {result['p50_ms']:>6.1f} ms   "
          f"p99 {result['p99_ms']:>6.1f} ms   {result['requests']} requests, {result['failed']} failed"
          f"   server CPU {result.get('cpu_ms_per_request', float('nan')):.2f} ms/request", flush=True)
    return result


def scenarios(port: int) -> dict[str, list[bytes]]:
    texts = unique_texts(8640)
    resolve = lambda qs: [request_bytes("POST", "/api/v1/resolve", port,  # noqa: E731
                                        json.dumps({"text": q}, ensure_ascii=False).encode()) for q in qs]
    return {
        "POST /api/v1/resolve": resolve(texts),
        "POST resolve, repeated": resolve(QUESTIONS),
        "GET item page": [request_bytes("GET", f"/t/{TOWN}/{code}", port) for code in ITEM_CODES],
        "GET item JSON": [request_bytes("GET", f"/api/v1/towns/{TOWN}/items/{code}", port) for code in ITEM_CODES],
        "GET home + answer": [request_bytes("GET", f"/?q={quote(q)}", port) for q in texts[::-1]],
        "GET search": [request_bytes("GET", f"/api/v1/search?q={quote(w)}", port) for w in ("低保", "消防", "托育", "违建")],
    }


def postgres_database(base_url: str) -> tuple[str, callable]:
    import psycopg

    name = f"lvzhi_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base_url.rsplit("/", 1)[0] + "/" + name, drop


def bench_database(label: str, database: str, args) -> list[dict]:
    print(f"{label}: {args.workers} worker(s), {args.clients} concurrent clients, {args.seconds:.0f} s per scenario",
          flush=True)
    started = start_once(database, workers=args.workers, page="/healthz", keep=True)
    process, base = started["process"], started["base"]
    try:
        port = int(base.rsplit(":", 1)[1])
        chosen = scenarios(port)
        if args.only:
            chosen = {name: requests for name, requests in chosen.items() if any(o in name for o in args.only)}
        return [{"database": label, **run_scenario(name, base, requests, args.clients, args.seconds, args.driver,
                                                   process.pid)}
                for name, requests in chosen.items()]
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--driver", choices=("asyncio", "wrk"), default="asyncio",
                        help="what sends the requests: this process (asyncio) or wrk (lighter on the CPU)")
    parser.add_argument("--only", action="append", help="only the scenarios whose name contains this (repeatable)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; driver {args.driver}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results += bench_database("SQLite", str(Path(folder) / "bench.db"), args)
    postgres = None if args.no_postgres else os.environ.get("LVZHI_TEST_POSTGRES_URL")
    if postgres:
        url, drop = postgres_database(postgres)
        try:
            results += bench_database("PostgreSQL", url, args)
        finally:
            drop()
    else:
        print("PostgreSQL: skipped (set LVZHI_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
