"""/api/v1 for a town's places (城市建成区的街道小区、园区的道路企业…): read by anyone, changed by the list office."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Path, Request
from pydantic import ConfigDict, Field

from .api import ServicesDep
from .auth import SignedIn, check_csrf
from .openapi import StrictBody

router = APIRouter(prefix="/api/v1", tags=["地点"])
Town = Annotated[str, Path(max_length=64)]
PlaceName = Annotated[str, Path(max_length=64)]
# the service says how many words a place may have (in Chinese, naming the place); this only bounds the body
BODY_WORDS = 5000
Word = Annotated[str, Field(max_length=200)]


class PlaceWords(StrictBody):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    says: Optional[list[Word]] = Field(None, max_length=BODY_WORDS, description="属于该地点的词（整体替换；缺省不变）")
    not_: Optional[list[Word]] = Field(None, alias="not", max_length=BODY_WORDS,
                                       description="不属于该地点的词（整体替换；缺省不变）")
    csrf_token: Optional[str] = Field(None, max_length=128)


@router.get("/towns/{town}/places", summary="镇街的地点及其用词")
def places(town: Town, work: ServicesDep) -> dict:
    """规则中按地点划分职责的地点（城市建成区、乡道村道、园区…）：属于和不属于该地点的词、它决定的事项、追问和依据。"""
    return work.places.show(town)


@router.put("/towns/{town}/places/{name}", summary="修改一个地点的用词（管理员）")
def set_place(town: Town, name: PlaceName, body: PlaceWords, request: Request, user: SignedIn,
              work: ServicesDep) -> dict:
    """整体替换 `says` 和/或 `not`；立即用于该镇的归属判定和派单。每次修改记入审计日志。"""
    check_csrf(request, body.csrf_token)
    return work.places.set(user, town, name, body.says, body.not_)
