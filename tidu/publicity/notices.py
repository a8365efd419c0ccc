"""The bureau's documents for its website: the 公示 notice and the call's 认定通知, as Word and PDF.

Both share one layout: 文号 (may be empty), title, addressee, paragraphs, the list (序号, 企业名称, 统一社会信用代码,
项目名称, 所在乡镇, 等级), closing paragraphs, issuer and date. Word comes from a docxtpl template (a built-in
one generated here; placeholders below), rendered sandboxed like the 申报书; PDF from the Typst template
``notice.typ``. Text never becomes markup: the Typst template reads JSON data, docxtpl escapes.

The Word placeholders (and the check of a bureau's own template) are in ``tidu.documents.notice_docx``.
"""

from __future__ import annotations

import dataclasses

from tidu.core.dates import date_zh
from tidu.documents import notice_docx
from tidu.documents.typst_engine import compile_pdf
from tidu.policy.selectors import call_policy_for
from tidu.publicity import exports, selectors
from tidu.publicity.models import Publicity, RecognitionNotice

ENTRY_KEYS = ("position", "enterprise_name", "credit_code", "project_name", "unit_name", "tier_label")


@dataclasses.dataclass
class NoticeDocument:
    title: str
    issuer: str
    date: str
    paragraphs: list[str]
    closing: list[str]
    entries: list[dict]
    tier_header: str = "等级"
    document_number: str = ""
    addressee: str = ""
    filename: str = ""

    def context(self) -> dict:
        return {**dataclasses.asdict(self),
                "entries": [{key: str(entry.get(key, "") or "") for key in ENTRY_KEYS} for entry in self.entries]}


# --- the two documents ------------------------------------------------------------------------------------

def publicity_notice(publicity: Publicity, entries) -> NoticeDocument:
    """The 公示 as the bureau posts it: its own dates, list, contact and how to object."""
    count = len(entries)
    tier = entries[0].tier_label if entries else ""
    intro = publicity.intro.strip() or (
        f"经企业申报、乡镇（办事处、农场、开发区）审核推荐、市经信局形式审查、专家评审和现场核查，拟认定以下 {count} "
        f"家企业为{tier}智能工厂，现予以公示。")
    period = (f"公示期：{date_zh(publicity.start_date)}至{date_zh(publicity.end_date)}"
              f"（{publicity.working_days}个工作日）。")
    objection = (f"公示期间，任何单位和个人对名单有异议的，可在公示页面提出，或以电话、邮件方式向{publicity.contact_office}"
                 "反映。异议须实事求是、有具体事实和理由，并提供真实姓名（单位名称）和联系方式；匿名或无具体事实的异议不予受理。")
    contact = [f"受理单位：{publicity.contact_office}", f"联系电话：{publicity.contact_phone}"]
    if publicity.contact_email:
        contact.append(f"电子邮箱：{publicity.contact_email}")
    if publicity.contact_address:
        contact.append(f"通信地址：{publicity.contact_address}")
    return NoticeDocument(
        title=publicity.title, issuer=publicity.contact_office, date=date_zh(publicity.start_date),
        paragraphs=[*[line for line in intro.splitlines() if line.strip()], period, objection],
        closing=contact, tier_header="申报等级",
        entries=[{key: getattr(entry, key) for key in ENTRY_KEYS} for entry in entries],
        filename=publicity.title)


def recognition_notice(notice: RecognitionNotice, snapshot: dict) -> NoticeDocument:
    """The 认定通知: 文号, date and the call's 认定名单 (all 公示 batches, numbered once)."""
    call = notice.call
    policy = call_policy_for(call)
    entries = snapshot["entries"]
    tier = entries[0]["tier_label"] if entries else policy.call_tier["name"]
    batches = "、".join(f"{b['title']}" for b in snapshot["batches"])
    return NoticeDocument(
        document_number=notice.document_number,
        title=f"关于公布{snapshot['title']}的通知",
        addressee="各乡镇（办事处、农场、开发区），各有关企业：",
        issuer=policy.call.content["issuer"], date=date_zh(notice.issue_date),
        paragraphs=[f"根据《{call.title}》工作安排，经企业申报、乡镇（办事处、农场、开发区）审核推荐、形式审查、专家评审、"
                    f"现场核查和公示（{batches}），公示期满，经处理异议，认定以下 {len(entries)} 家企业为{tier}智能工厂，"
                    "现予以公布。"],
        closing=["希望被认定企业持续推进智能化改造和数字化转型，发挥示范带动作用。"],
        tier_header="认定等级", entries=entries, filename=f"{snapshot['title']}认定通知")


# --- rendering ---------------------------------------------------------------------------------------------

def render_pdf(document: NoticeDocument) -> bytes:
    return compile_pdf("notice.typ", document.context())


def render_docx(document: NoticeDocument, template: bytes | None = None) -> bytes:
    """Word: the bureau's own template when ``template`` is given, else the built-in one (tidu.documents)."""
    return notice_docx.render(document.context(), template)


def call_snapshot(call) -> dict | None:
    return exports.call_final_snapshot(call, selectors.call_final_publicities(call))
