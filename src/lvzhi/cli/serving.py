"""`lvzhi serve`: the web portal and the REST API."""
from __future__ import annotations

import os
from typing import Optional

import typer

from ..processes import MASTER_ENV
from ..store.db import ENV_URL
from ..work.limits import ENV_PREFIX, SWITCH_ENV, Limits
from .app import Failure, app, console, open_store

WEB_APP = "lvzhi.web.app:app_from_environment"
LEVELS = ("critical", "error", "warning", "info", "debug")


def log_config(level: str) -> dict:
    """Every line with its time, level and process id, on standard error; the access log (when asked for) on
    standard output. lvzhi's own messages (the traceback of any unexpected error) go with the server's."""
    stamped = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "default": {"format": stamped},
            "access": {"()": "uvicorn.logging.AccessFormatter", "use_colors": False,
                       "fmt": '%(asctime)s ACCESS [%(process)d] %(client_addr)s "%(request_line)s" %(status_code)s'},
        },
        "handlers": {
            "default": {"formatter": "default", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
            "access": {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "lvzhi": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
    }


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址；对外提供服务用 0.0.0.0"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="端口"),
    database: Optional[str] = typer.Option(None, "--database", help="数据库地址（SQLite 文件路径或 postgresql:// URL）"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="工作进程数（多核机器上可设为核数）"),
    rate_limits: Optional[bool] = typer.Option(None, "--rate-limits/--no-rate-limits",
                                               help="按客户端限制检索、判定、派单建议等接口的请求数和文字量（缺省开启）"),
    rate_limit: list[str] = typer.Option([], "--rate-limit", metavar="名称=数值",
                                         help="改一项限额，可重复，如 --rate-limit anonymous_batch=20（名称见 docs/api.md）"),
    log_level: str = typer.Option("warning", "--log-level", help="日志级别：critical、error、warning、info、debug"),
    access_log: bool = typer.Option(False, "--access-log", help="每个请求记一行访问日志（标准输出）"),
) -> None:
    """启动网页门户和 REST API（http://127.0.0.1:8000，接口文档在 /docs）。"""
    import uvicorn

    if log_level not in LEVELS:
        raise Failure(f"日志级别“{log_level}”不认识，可选：{'、'.join(LEVELS)}")
    _limits_to_environment(rate_limits, rate_limit)
    if database:
        ctx.obj = {**(ctx.obj or {}), "database": database}
    store = open_store(ctx)  # migrated and holding the bundled lists before the server starts
    os.environ[ENV_URL] = store.engine.url.render_as_string(hide_password=False)
    store.close()
    os.environ[MASTER_ENV] = str(os.getpid())  # the app factory: a worker process ends with this one
    console.print(f"lvzhi 已启动：http://{host}:{port}/ （接口文档 http://{host}:{port}/docs ，按 Ctrl+C 停止）",
                  highlight=False)
    # The app is named, not imported: the command line never imports the web face (tests/test_architecture.py).
    uvicorn.run(WEB_APP, factory=True, host=host, port=port, workers=workers, log_level=log_level,
                access_log=access_log, log_config=log_config(log_level))


def _limits_to_environment(switch: bool | None, settings: list[str]) -> None:
    """The rate-limit options, checked now and handed to every worker process through the environment."""
    limits = Limits.from_environment()
    if switch is not None:
        os.environ[SWITCH_ENV] = "on" if switch else "off"
    for setting in settings:
        name, _, value = setting.partition("=")
        limits = limits.with_setting(name.strip(), value.strip(), f"--rate-limit {setting}")
        os.environ[ENV_PREFIX + name.strip().upper()] = value.strip()
