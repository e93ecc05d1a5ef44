"""`lvzhi serve`: the web portal and the REST API."""
from __future__ import annotations

import os
from typing import Optional

import typer

from ..processes import MASTER_ENV
from ..store.db import ENV_URL
from .app import app, console, open_store

WEB_APP = "lvzhi.web.app:app_from_environment"


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址；对外提供服务用 0.0.0.0"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="端口"),
    database: Optional[str] = typer.Option(None, "--database", help="数据库地址（SQLite 文件路径或 postgresql:// URL）"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="工作进程数（多核机器上可设为核数）"),
) -> None:
    """启动网页门户和 REST API（http://127.0.0.1:8000，接口文档在 /docs）。"""
    import uvicorn

    if database:
        ctx.obj = {**(ctx.obj or {}), "database": database}
    store = open_store(ctx)  # migrated and holding the bundled lists before the server starts
    os.environ[ENV_URL] = store.engine.url.render_as_string(hide_password=False)
    store.close()
    os.environ[MASTER_ENV] = str(os.getpid())  # the app factory: a worker process ends with this one
    console.print(f"lvzhi 已启动：http://{host}:{port}/ （接口文档 http://{host}:{port}/docs ，按 Ctrl+C 停止）",
                  highlight=False)
    # The app is named, not imported: the command line never imports the web face (tests/test_architecture.py).
    uvicorn.run(WEB_APP, factory=True, host=host, port=port, workers=workers, log_level="warning", access_log=False)
