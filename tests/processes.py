"""Looking at processes and ports as an operator would on Linux: who listens on a port (/proc/net/tcp), which
processes descend from a process (/proc/*/stat), a `lvzhi serve` started and waited for."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

LISTEN = "0A"


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def port_holders(port: int) -> set[int]:
    """The processes holding a socket that listens on `port` (0 when the port is free)."""
    inodes = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    holders = set()
    if not inodes:
        return holders
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    holders.add(int(entry.name))
                    break
        except OSError:  # gone, or not ours to read
            continue
    return holders


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None when it no longer exists."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def descendants(pid: int) -> set[int]:
    """Every living process below `pid` (children, their children …)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found and found[0] != "Z":
                parents.setdefault(found[1], []).append(int(entry.name))
    below, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in below:
                below.add(child)
                todo.append(child)
    return below


def alive(pids: set[int]) -> set[int]:
    """Those of `pids` still running (a zombie holds nothing and runs nothing: it counts as ended)."""
    return {pid for pid in pids if (_stat(pid) or ("Z", 0))[0] != "Z"}


def serve(database: str, port: int, workers: int = 1, *options: str, logs: Path | None = None) -> subprocess.Popen:
    """`lvzhi serve` in its own session, answering /healthz; its output into logs/out.txt and logs/err.txt."""
    out = (logs / "out.txt").open("wb") if logs else subprocess.DEVNULL
    err = (logs / "err.txt").open("wb") if logs else subprocess.PIPE
    server = subprocess.Popen([sys.executable, "-m", "lvzhi", "serve", "--database", database, "--port", str(port),
                               "--workers", str(workers), *options], stdout=out, stderr=err, start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            pass
        if server.poll() is not None:
            said = (logs / "err.txt").read_bytes() if logs else server.stderr.read()
            raise RuntimeError("lvzhi serve ended: " + said.decode(errors="replace")[-3000:])
        if time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("lvzhi serve did not answer /healthz within 120 s")
        time.sleep(0.2)


def stop(server: subprocess.Popen, others: set[int] = frozenset()) -> None:
    """Ends a server started by `serve` and any of `others` still running (by pid, never by name)."""
    for pid in alive({server.pid, *others}):
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
