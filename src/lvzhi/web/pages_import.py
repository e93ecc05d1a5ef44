"""导入清单 in the portal: an admin uploads a town's published files (or several towns'), sees what they hold —
items per list, rows to check, errors, and the changes against each town's current version — and publishes
with an effective date only when confirming. Nothing is written before; each town lands in its own transaction.

Uploaded files wait in a folder of their own under the system's temporary directory (named by a random
token, bound to the admin who uploaded them) and are read again when published, so that any worker process
can publish them and what is written is what the files hold.
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import Forbidden, InvalidInput, NotFound
from ..ingest import MAX_FILE_BYTES
from ..ingest.batch import SUFFIXES, TownImport, plan_import
from ..lists.diff import FIELD_NAMES, diff_datasets
from ..model import LIST_KINDS, LIST_SHORT_NAMES
from ..registry import unregistered
from ..work.accounts import require_admin
from ..work.publishing import publish as publish_lists
from .auth import SignedIn, check_csrf
from .render import render

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=128)]
STAGING = Path(tempfile.gettempdir()) / "lvzhi-import"
STAGED_SECONDS = 24 * 3600
MAX_FILES = 200
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_UNSAFE = re.compile(r"[\\/\x00-\x1f:*?\"<>|]")


def _admin(user) -> None:
    require_admin(user, "导入清单")


@router.get("/admin/import", response_class=HTMLResponse)
async def import_page(request: Request, user: SignedIn):
    _admin(user)
    return render(request, "import.html", title="导入清单", plans=None, error=None, suffixes="、".join(SUFFIXES))


@router.post("/admin/import/preview", response_class=HTMLResponse)
async def preview(request: Request, user: SignedIn, csrf_token: Csrf = "",
                  files: Annotated[Optional[list[UploadFile]], File()] = None,
                  town: Annotated[str, Form(max_length=64)] = ""):
    _admin(user)
    check_csrf(request, csrf_token)
    chosen = [f for f in files or [] if f.filename]
    if not chosen:
        raise InvalidInput("请选择要导入的清单文件（PDF、Word、xlsx、csv 等）")
    if len(chosen) > MAX_FILES:
        raise InvalidInput(f"一次最多导入 {MAX_FILES} 个文件")
    token = secrets.token_urlsafe(18)
    folder = STAGING / token
    await run_in_threadpool(_stage, folder, chosen, user.username, town.strip())
    catalog = request.app.state.catalog
    plans = await run_in_threadpool(_plan, folder)
    return render(request, "import.html", title="导入清单：预览", token=token, error=None, town=town.strip(),
                  plans=[_describe(catalog, plan) for plan in plans], suffixes="、".join(SUFFIXES),
                  publishable=any(plan.dataset is not None for plan in plans), today=date.today().isoformat())


@router.post("/admin/import/publish", response_class=HTMLResponse)
async def publish(request: Request, user: SignedIn, csrf_token: Csrf = "",
                  token: Annotated[str, Form(max_length=64)] = "",
                  effective_date: Annotated[str, Form(max_length=10)] = "",
                  confirm: Annotated[str, Form(max_length=8)] = "",
                  label: Annotated[str, Form(max_length=64)] = ""):
    _admin(user)
    check_csrf(request, csrf_token)
    folder = _staged(token, user.username)
    if confirm != "yes":
        raise InvalidInput("请勾选“已核对预览，确认发布”后再发布")
    try:
        effective = date.fromisoformat(effective_date)
    except ValueError:
        raise InvalidInput(f"生效日期“{effective_date}”格式不对，应为 YYYY-MM-DD，例如 2025-01-01") from None
    catalog = request.app.state.catalog
    plans = await run_in_threadpool(_plan, folder)
    landed = []
    for plan in plans:
        if plan.dataset is None:
            continue
        dataset = plan.dataset
        publish_lists(catalog.store, user.actor, dataset, source_name=plan.source_name, label=label.strip() or None,
                      effective_date=effective)
        landed.append(dataset.town.name)
    catalog.written()
    shutil.rmtree(folder, ignore_errors=True)
    if len(landed) == 1:
        return RedirectResponse(f"/t/{landed[0]}/versions", status_code=303)
    return RedirectResponse("/towns", status_code=303)


# --- staging ----------------------------------------------------------------------------------------------

def _stage(folder: Path, files: list[UploadFile], username: str, town: str) -> None:
    _sweep()
    folder.mkdir(parents=True)
    names: set[str] = set()
    for upload in files:
        name = _UNSAFE.sub("_", Path(upload.filename or "").name).strip() or "文件"
        if Path(name).suffix.lower() not in SUFFIXES:
            shutil.rmtree(folder, ignore_errors=True)
            raise InvalidInput(f"{name}：不支持的文件类型，可导入 {'、'.join(SUFFIXES)}")
        if name in names:
            shutil.rmtree(folder, ignore_errors=True)
            raise InvalidInput(f"有两个文件都叫“{name}”")
        names.add(name)
        with (folder / name).open("wb") as out:
            copied = 0
            while chunk := upload.file.read(1 << 20):
                copied += len(chunk)
                if copied > MAX_FILE_BYTES:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise InvalidInput(f"{name}：文件过大（超过 {MAX_FILE_BYTES // 1024 // 1024} MB）")
                out.write(chunk)
    (folder / ".meta.json").write_text(json.dumps({"user": username, "town": town, "at": time.time()}), encoding="utf-8")


def _staged(token: str, username: str) -> Path:
    folder = STAGING / token
    meta = folder / ".meta.json"
    if not _TOKEN.match(token) or not meta.is_file():
        raise InvalidInput("找不到这次上传的文件（可能已发布或已过期）：请重新上传")
    if json.loads(meta.read_text(encoding="utf-8")).get("user") != username:
        raise Forbidden("这些文件是其他管理员上传的")
    return folder


def _sweep() -> None:
    """Forgets uploads older than a day."""
    if not STAGING.is_dir():
        return
    for folder in STAGING.iterdir():
        meta = folder / ".meta.json"
        try:
            at = json.loads(meta.read_text(encoding="utf-8"))["at"]
        except (OSError, ValueError, KeyError):
            at = folder.stat().st_mtime
        if time.time() - at > STAGED_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)


def _plan(folder: Path) -> list[TownImport]:
    meta = json.loads((folder / ".meta.json").read_text(encoding="utf-8"))
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    return plan_import(files, meta.get("town") or None)


def _describe(catalog, plan: TownImport) -> dict:
    """What the preview shows of one town."""
    entry = {"town": plan.town, "sources": plan.source_name, "error": str(plan.error) if plan.error else None}
    dataset = plan.dataset
    if dataset is None:
        return entry
    entry.update(town=dataset.town.name, district=dataset.town.district, city=dataset.town.city,
                 counts=[(LIST_SHORT_NAMES[k], len(dataset.items_of(k))) for k in LIST_KINDS],
                 total=len(dataset.items), unsure=list(dataset.unsure), unknown=unregistered(dataset.departments()))
    try:
        current = catalog.dataset(dataset.town.name)
    except NotFound:  # a town not yet in the database, or with no version in force yet
        entry["new_town"] = True
        return entry
    diff = diff_datasets(current, dataset)
    entry.update(new_town=False, current=current.version, diff=diff, field_names=FIELD_NAMES)
    return entry
