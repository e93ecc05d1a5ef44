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


def test_healthz_says_503_when_the_database_cannot_be_read(tmp_path):
    """A monitor sees the database go away: 503 with Retry-After (not a 500 page), and 200 again when it is back."""
    import time

    import psycopg
    from fastapi.testclient import TestClient

    from conftest import POSTGRES_URL, fresh_database
    from lvzhi.web import create_app

    with fresh_database("postgresql", tmp_path) as url:
        client = TestClient(create_app(database=url, warm=False), raise_server_exceptions=False)
        healthy = client.get("/healthz").json()
        assert (healthy["status"], healthy["towns"]) == ("ok", 1) and "entries" in healthy["cache"]
        name = url.rsplit("/", 1)[1]
        admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        time.sleep(1.2)  # the catalog reads the database at most once a second
        down = client.get("/healthz")
        assert down.status_code == 503 and down.headers["retry-after"] == "5"
        assert down.json() == {"status": "unavailable", "message": "数据库不可用"}
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        time.sleep(1.2)
        assert client.get("/healthz").status_code == 200
