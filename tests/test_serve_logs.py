"""What `lvzhi serve` writes for an operator: stamped log lines, an access log on request, a clear refusal of an
unknown log level."""
from __future__ import annotations

import re
import sys
import urllib.request

import pytest

from helpers import lvzhi
from processes import descendants, serve, stop
from webserver import free_port

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="读取 /proc：只在 Linux 上运行")
STAMP = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}"


def test_access_log_and_stamped_lines(tmp_path):
    database = str(tmp_path / "lvzhi.db")
    port = free_port()
    server = serve(database, port, 1, "--log-level", "info", "--access-log", logs=tmp_path)
    started = descendants(server.pid)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/towns", timeout=30) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=60)
        stop(server, started)
    access = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert re.search(STAMP + r' ACCESS \[\d+\] 127\.0\.0\.1:\d+ "GET /api/v1/towns HTTP/1\.1" 200', access), access
    errors = (tmp_path / "err.txt").read_text(encoding="utf-8")
    assert re.search(STAMP + r" INFO \[\d+\] uvicorn\.error: Application startup complete", errors), errors


def test_an_unknown_log_level_is_refused(tmp_path):
    result = lvzhi(str(tmp_path / "lvzhi.db"), "serve", "--log-level", "loud")
    assert result.returncode == 1 and "日志级别“loud”不认识" in result.stderr
