"""The FastAPI application: pages, the /api/v1 REST API, static files, API docs, error handling, security."""
from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from ..lists.bundled import ensure_bundled
from ..lists.catalog import Catalog
from ..processes import MASTER_ENV, die_with_parent
from ..store import Store
from ..work.limits import Limiter, Limits
from ..work.services import Services
from . import (api, api_directory, api_ledger, api_places, api_proposals, api_reviews, api_tickets, errors, openapi,
               pages, pages_directory, pages_import, pages_ledger, pages_places, pages_proposals, pages_reviews,
               pages_tickets)
from .render import render
from .security import SecurityMiddleware

log = logging.getLogger("lvzhi.web")
ERROR_HEADINGS = {400: "请求有误", 401: "请先登录", 403: "无权操作", 404: "找不到", 409: "已被他人处理", 429: "稍后再试", 405: "不支持的操作", 413: "内容过大", 414: "网址过长",
                  422: "输入有误", 500: "出错了"}
DESCRIPTION = """\
乡镇履行职责事项清单（基本履职、配合履职、上级部门收回）的查询与“这件事归谁管？”判定接口。

* 错误一律返回 JSON：`{"error": {"code": "...", "message": "中文说明"}}`；未知编码 404，输入有误 422。
* 请求体最大 2 MB，查询串最大 4 KB。
* 完整说明见仓库中的 docs/api.md。
"""


# In this order: pages_proposals before pages, since /t/{town}/adjustments is not an item code.
ROUTERS = (api.router, api_reviews.router, api_directory.router, api_proposals.router, api_tickets.router,
           api_tickets.open311, pages_proposals.router, pages.router, pages_reviews.router, pages_tickets.router,
           pages_import.router, pages_directory.router, api_ledger.router, pages_ledger.router, api_places.router,
           pages_places.router)


def _serve(app, router) -> None:
    """Adds the router's routes to the app as they are. Each route was fully built (its parameters analysed,
    its handler made) when its module defined it; `include_router` would build every one again — at start,
    or, in recent FastAPI, inside the first request (seconds for ~160 routes) — and add a level of matching
    to every request. The routers carry their prefix and tags already, and are included with no options."""
    app.router.routes.extend(router.routes)


def _error_page(request: Request, status: int, message: str):
    return render(request, "error.html", status_code=status, title=ERROR_HEADINGS.get(status, "出错了"),
                  heading=ERROR_HEADINGS.get(status, "出错了"), message=message)


def create_app(store: Store | None = None, database: str | None = None, warm: bool | str = True,
               limits: Limits | None = None):
    """The app over an open store (or one opened from `database`); the bundled lists load into an empty one.
    `warm` loads the default town's resolver (and the dictionary) before returning; "background" does it in a
    thread, so that a server answers its first request at once whatever the number of towns. `limits` are the
    per-client rate and cost limits (by default from the environment, see lvzhi.work.limits)."""
    store = store or Store(database)
    ensure_bundled(store)
    catalog = Catalog(store)
    app = FastAPIOffline(title="lvzhi 履职清单接口", version="1", description=DESCRIPTION,
                         static_url="/static/docs", openapi_url="/api/v1/openapi.json")
    app.state.catalog = catalog
    app.state.services = Services.over(catalog)
    app.state.limiter = Limiter(store, limits or Limits.from_environment())
    app.add_middleware(SecurityMiddleware)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static")
    errors.install(app, _error_page)
    for router in ROUTERS:
        _serve(app, router)
    openapi.install(app)

    @app.get("/healthz", include_in_schema=False)
    def health():
        """For load balancers and monitors: 200 while the process serves and reads the database (checked at most
        once a second), 503 with Retry-After when the database cannot be read. Off the event loop, like the rest.
        Also says what this worker's cache holds (entries, hits, misses, evictions) and what its database
        search holds (lvzhi.search.resident)."""
        try:
            return {"status": "ok", "towns": len(catalog.towns()), "cache": catalog.cache.stats(),
                    "search": catalog.search_memory.stats()}
        except Exception:  # noqa: BLE001 - whatever the driver raises, the answer is "not healthy"
            log.exception("health check: the database cannot be read")
            return JSONResponse({"status": "unavailable", "message": "数据库不可用"}, status_code=503,
                                headers={"Retry-After": "5"})

    if warm and catalog.towns():
        # one town, whatever their number: the dictionary and the code paths load before the first request;
        # every other town's lists and resolver load when first asked for; in the background, the cross-town
        # search is read ahead after the default town
        if warm == "background":
            threading.Thread(target=_warm, args=(catalog,), daemon=True).start()
        else:
            catalog.resolver(catalog.default_town())
    return app


def _warm(catalog: Catalog) -> None:
    try:
        catalog.resolver(catalog.default_town())
        catalog.warm_search()
    except Exception:  # noqa: BLE001 - a server that could not read ahead still serves; the request will say why
        log.exception("reading ahead at start failed")


def app_from_environment():
    """For `uvicorn --factory` with several workers: the database comes from LVZHI_DATABASE_URL. In a worker
    process of `lvzhi serve --workers N` (LVZHI_SERVE_MASTER_PID names another process), the worker ends with the
    master: SIGTERM when the master dies, however it dies, so that no worker keeps serving on its own (it stops
    listening at once and finishes the requests it is answering)."""
    master = os.environ.get(MASTER_ENV, "")
    if master.isdigit() and int(master) != os.getpid():
        die_with_parent(int(master), signal.SIGTERM)
    return create_app(database=os.environ.get("LVZHI_DATABASE_URL") or None, warm="background")
