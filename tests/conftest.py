from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from lvzhi.lists.bundled import bundled_dataset, data_path, BUNDLED_SOURCE

# The per-client rate and cost limits are off for every test (and every server a test starts) except the tests of
# the limits themselves, which give the app its limits explicitly (tests/test_rate_limits.py).
os.environ.setdefault("LVZHI_RATE_LIMITS", "off")

SHARED_SOURCE = Path(__file__).resolve().parents[1].parent / "shared" / "source" / "000_0b4552293039b2e6.txt"
POSTGRES_URL = os.environ.get("LVZHI_TEST_POSTGRES_URL", "")


@pytest.fixture(scope="session")
def source_text() -> str:
    """The official document's text: shared/source when present, else the bundled copy."""
    path = SHARED_SOURCE if SHARED_SOURCE.exists() else data_path(BUNDLED_SOURCE)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def dataset():
    return bundled_dataset()


def _postgres_url() -> str:
    if not POSTGRES_URL:
        pytest.skip("未配置 PostgreSQL（设置 LVZHI_TEST_POSTGRES_URL 以运行 PostgreSQL 测试）：已跳过")
    return POSTGRES_URL


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty SQLite file or PostgreSQL database, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'lvzhi.db'}"
        return
    base = _postgres_url()
    import psycopg

    name = f"lvzhi_test_{uuid.uuid4().hex[:10]}"
    admin = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database of each kind."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright (shared by every browser test)."""
    from playwright.sync_api import sync_playwright

    from webserver import CHROMIUM

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        yield chromium
        chromium.close()
