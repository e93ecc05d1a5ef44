"""The REST API for 动态调整: change proposals, consultation opinions, decisions, publishing, the public notice.

Rights, states and audit entries are the desk's (lvzhi.work.proposals); handlers parse and call it.
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Path, Query, Request
from pydantic import Field

from ..work.proposals import MAX_TEXT, Draft
from .api import ServicesDep
from .auth import SignedIn, check_csrf
from .openapi import IsoDate, JsonBool, JsonInt, PatchBody, StrictBody

router = APIRouter(prefix="/api/v1", tags=["动态调整"])
ProposalId = Annotated[int, Path(ge=1, le=2**31 - 1, description="调整申请编号")]
Kind = Literal["add", "change", "remove", "move"]
ReasonKind = Literal["law", "function", "town", "admission", "other"]
State = Literal["draft", "submitted", "consulting", "deciding", "approved", "returned", "published"]


class ProposalBody(StrictBody):
    town: str = Field("", max_length=64, description="镇街；镇街账号固定为本镇。全区调整时为据以确定事项编码的镇街（可省略）")
    district: str = Field("", max_length=64, description="区县：给出时为该区县全部镇街的调整（管理员，或部门就本部门"
                                                         "牵头、承接的事项）")
    kind: Kind = Field(..., description="add 新增、change 修改、remove 删除、move 调整所属清单")
    target_code: Optional[str] = Field(None, max_length=8, description="要修改、删除或调整清单的事项编码")
    item: dict = Field(default_factory=dict, description="新增时为整个事项；修改和调整清单时为变化的字段")
    reason_kind: ReasonKind = Field(..., description="law 法律法规立改废释、function 部门职能调整、town 乡镇申请、"
                                                     "admission 清单外事项准入、other 其他")
    reason: str = Field(..., max_length=MAX_TEXT)
    basis_document: str = Field("", max_length=255)
    basis_number: str = Field("", max_length=128)
    basis_article: str = Field("", max_length=255)
    csrf_token: Optional[str] = Field(None, max_length=128)

    def draft(self) -> Draft:
        return Draft(self.town, self.kind, self.reason_kind, self.reason, self.target_code, self.item,
                     self.basis_document, self.basis_number, self.basis_article, self.district or None)


class ProposalPatch(PatchBody):
    """只给要改的字段：未给出的保持不变（各字段都不接受 null）；`item` 中的字段并入原事项内容。"""

    town: str = Field(None, max_length=64)
    district: str = Field(None, max_length=64, description="区县；空字符串改为只适用于 town")
    kind: Kind = Field(None)
    target_code: str = Field(None, max_length=8)
    item: dict = Field(None, description="要改的事项字段，并入原事项内容")
    reason_kind: ReasonKind = Field(None)
    reason: str = Field(None, max_length=MAX_TEXT)
    basis_document: str = Field(None, max_length=255)
    basis_number: str = Field(None, max_length=128)
    basis_article: str = Field(None, max_length=255)
    csrf_token: str = Field(None, max_length=128)


class Step(StrictBody):
    csrf_token: Optional[str] = Field(None, max_length=128)


class OpinionBody(Step):
    agree: JsonBool = Field(..., description="true 同意，false 不同意")
    opinion: str = Field(..., max_length=MAX_TEXT, description="书面意见")


class DecisionBody(Step):
    approved: JsonBool = Field(..., description="true 批准，false 退回")
    reason: str = Field("", max_length=MAX_TEXT, description="退回、或不顾部门不同意而批准时必填")


class PublishBody(Step):
    proposals: list[JsonInt] = Field(..., min_length=1, max_length=500, description="已批准的调整申请编号")
    label: str = Field(..., max_length=128, description="如“2027年第一次动态调整”")
    effective_date: IsoDate = Field(..., description="生效日期，今天或以后")


class FromReview(Step):
    review_id: Optional[JsonInt] = Field(None, ge=1, le=2**31 - 1, description="一项准入审查")
    review_ids: list[Annotated[JsonInt, Field(ge=1, le=2**31 - 1)]] = Field(
        default_factory=list, max_length=200, description="或同一部门反复交办、经批准承接的同一任务的多项审查（监测中的候选）")

    def ids(self) -> list[int]:
        return ([self.review_id] if self.review_id else []) + self.review_ids


@router.get("/proposals", summary="调整申请列表")
def list_proposals(user: SignedIn, work: ServicesDep, state: Annotated[Optional[State], Query()] = None,
                   town: Annotated[Optional[str], Query(max_length=64)] = None) -> dict:
    """本人可见的调整申请：管理员看全部，镇街看本镇的（及本区县已提交的全区调整），部门看本部门提出或涉及本部门的；
    已发布的人人可见；新的在前。`town` 筛选时也列出该镇街所在区县的全区调整。"""
    proposals = work.proposals.listing(user, state, town)
    return {"total": len(proposals), "proposals": proposals}


@router.post("/proposals", summary="提出调整申请（草稿）", status_code=201)
def create_proposal(body: ProposalBody, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """镇街为本镇、部门为本部门牵头或承接的事项、管理员为任何事项提出；先存为草稿。"""
    check_csrf(request, body.csrf_token)
    return work.proposals.create(user, body.draft())


@router.post("/proposals/from-review", summary="由清单外准入审查生成新增申请", status_code=201)
def proposal_from_review(body: FromReview, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """经批准承接的清单外任务一步生成新增事项草稿（任务文字、交办部门、理由已填好）。多项审查须为同一交办部门；
    涉及同一区县的多个镇街时生成该区县的全区调整申请。"""
    check_csrf(request, body.csrf_token)
    return work.proposals.from_reviews(user, body.ids())


@router.post("/proposals/publish", summary="发布动态调整")
def publish_proposals(body: PublishBody, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """管理员把已批准的调整申请按镇街各发布为一个新版本（现有最新版本加上这些调整），生效日期为今天或以后。
    全区调整发布到该区县每个镇街；某镇街的清单中找不到该事项时不发布到该镇街，并在 `left_out` 中列出。"""
    check_csrf(request, body.csrf_token)
    published = work.proposals.publish(user, body.proposals, body.label, body.effective_date)
    request.app.state.catalog.written()
    return published


@router.get("/proposals/{proposal_id:int}", summary="一条调整申请")
def get_proposal(proposal_id: ProposalId, user: SignedIn, work: ServicesDep) -> dict:
    """调整前后的事项、理由和依据、会商意见、审定和发布情况。"""
    return work.proposals.one(user, proposal_id)


@router.put("/proposals/{proposal_id:int}", summary="修改草稿或已退回的申请（整体替换）")
def edit_proposal(proposal_id: ProposalId, body: ProposalBody, user: SignedIn, work: ServicesDep,
                  request: Request) -> dict:
    """只有提出者（或管理员）可以修改，只有草稿和已退回的申请可以修改（其他状态 409）；已退回的改后成为草稿，
    此前的会商意见和审定记录保留在 `rounds` 中。"""
    check_csrf(request, body.csrf_token)
    return work.proposals.edit(user, proposal_id, body.draft())


@router.patch("/proposals/{proposal_id:int}", summary="修改草稿或已退回的申请（只给变化的字段）")
def patch_proposal(proposal_id: ProposalId, body: ProposalPatch, user: SignedIn, work: ServicesDep,
                   request: Request) -> dict:
    """同 PUT，但只需给出要改的字段；`item` 中的字段并入原事项内容。"""
    check_csrf(request, body.csrf_token)
    return work.proposals.patch(user, proposal_id, body.model_dump(exclude_unset=True, exclude={"csrf_token"}))


@router.get("/proposals/{proposal_id:int}/towns", summary="调整申请适用的镇街")
def proposal_towns(proposal_id: ProposalId, user: SignedIn, work: ServicesDep) -> dict:
    """逐个镇街：该申请涉及的事项（编码、名称），或不能适用的原因（如该镇街清单中没有该事项）。发布前按各镇街现有
    最新清单预览，发布后为实际发布的版本和编码。"""
    towns = work.proposals.coverage(user, proposal_id)
    return {"total": len(towns), "left_out": sum(1 for t in towns if t["problem"]), "towns": towns}


@router.post("/proposals/{proposal_id:int}/submit", summary="提交调整申请")
def submit_proposal(proposal_id: ProposalId, body: Step, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    check_csrf(request, body.csrf_token)
    return work.proposals.submit(user, proposal_id)


@router.post("/proposals/{proposal_id:int}/consult", summary="组织会商")
def consult_proposal(proposal_id: ProposalId, body: Step, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """管理员向调整前后涉及的每个部门征求意见；不涉及部门的直接进入待审定。"""
    check_csrf(request, body.csrf_token)
    return work.proposals.consult(user, proposal_id)


@router.post("/proposals/{proposal_id:int}/opinion", summary="提出会商意见")
def proposal_opinion(proposal_id: ProposalId, body: OpinionBody, user: SignedIn, work: ServicesDep,
                     request: Request) -> dict:
    """被征求意见的部门同意或不同意，并写明意见；各部门都提出后进入待审定。"""
    check_csrf(request, body.csrf_token)
    return work.proposals.opinion(user, proposal_id, body.agree, body.opinion)


@router.post("/proposals/{proposal_id:int}/decision", summary="审定调整申请")
def decide_proposal(proposal_id: ProposalId, body: DecisionBody, user: SignedIn, work: ServicesDep,
                    request: Request) -> dict:
    """管理员批准或退回；退回、或有部门不同意（未答复）仍批准时须写明理由。"""
    check_csrf(request, body.csrf_token)
    return work.proposals.decide(user, proposal_id, body.approved, body.reason)


@router.get("/towns/{town}/adjustments", summary="动态调整公示")
def town_adjustments(town: Annotated[str, Path(max_length=64)], work: ServicesDep) -> dict:
    """一个镇街已发布的各项调整：改了什么、为什么、依据、生效日期；无需登录。"""
    work.lists.town(town)
    adjustments = work.proposals.published(town)
    return {"town": town, "total": len(adjustments), "adjustments": adjustments}
