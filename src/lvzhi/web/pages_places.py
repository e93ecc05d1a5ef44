"""The list office's page for a town's places: the words that put a request in the built-up area, the park…"""
from __future__ import annotations

from typing import Annotated, Optional
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import InvalidInput
from ..work.places import MAX_FILE_BYTES, MAX_WORDS, require_list_office
from ..work.services import Services
from .auth import SignedIn, check_csrf
from .render import render

router = APIRouter(include_in_schema=False)
Town = Annotated[str, Path(max_length=64)]
Words = Annotated[str, Form(max_length=MAX_WORDS * 40)]


def _work(request: Request) -> Services:
    return request.app.state.services


def _page(request: Request, user, town: str, error: str | None = None, done: str | None = None,
          status: int = 200, typed: dict | None = None):
    require_list_office(user, "查看和修改")
    shown = _work(request).places.show(town)
    return render(request, "places.html", status_code=status, title=f"{town}地点用词", town=town,
                  places=shown["places"], error=error, done=done, typed=typed or {}, max_words=MAX_WORDS)


@router.get("/admin/places", response_class=HTMLResponse)
def places_of_default_town(request: Request, user: SignedIn):
    require_list_office(user, "查看和修改")
    return RedirectResponse(f"/admin/places/{quote(_work(request).lists.default_town())}", status_code=303)


@router.get("/admin/places/{town}", response_class=HTMLResponse)
def places_page(request: Request, town: Town, user: SignedIn,
                done: Annotated[Optional[str], Query(max_length=300)] = None):
    return _page(request, user, town, done=done)


@router.post("/admin/places/{town}/import", response_class=HTMLResponse)
def import_places(request: Request, town: Town, user: SignedIn, csrf_token: Annotated[str, Form(max_length=128)] = "",
                  file: UploadFile = File(...)):
    check_csrf(request, csrf_token)
    name = file.filename or "地点文件"
    try:
        if not name.lower().endswith((".yaml", ".yml")):
            raise InvalidInput(f"文件“{name}”：只支持 .yaml 文件（格式同 places.yaml）")
        saved = _work(request).places.import_places(user, town, file.file.read(MAX_FILE_BYTES + 1), f"文件“{name}”")
    except InvalidInput as exc:
        return _page(request, user, town, error=str(exc), status=422)
    return RedirectResponse(f"/admin/places/{quote(town)}?done={quote(f'已导入 {len(saved)} 个地点的用词')}",
                            status_code=303)


@router.post("/admin/places/{town}/{name}", response_class=HTMLResponse)
def set_place(request: Request, town: Town, name: Annotated[str, Path(max_length=64)], user: SignedIn,
              csrf_token: Annotated[str, Form(max_length=128)] = "", says: Words = "", not_words: Words = ""):
    check_csrf(request, csrf_token)
    try:
        _work(request).places.set(user, town, name, says, not_words)
    except InvalidInput as exc:
        return _page(request, user, town, error=str(exc), status=422,
                     typed={name: {"says": says, "not": not_words}})
    return RedirectResponse(f"/admin/places/{quote(town)}?done={quote(f'已保存“{name}”的用词，立即生效')}#p-{quote(name)}",
                            status_code=303)
