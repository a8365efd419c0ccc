"""The printable 现场核查表 of an on-site check (rendered by documents.sheets): the items with what was declared
and what was found, the index of the photos taken, and signature lines for each inspector and for the
enterprise's representative."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tidu.documents import sheets
from tidu.onsite.models import OnsiteCheck


def _coordinates(photo) -> str:
    if photo.latitude is None or photo.longitude is None:
        return ""
    return f"{photo.latitude}, {photo.longitude}"


def onsite_sheet(check: OnsiteCheck) -> sheets.Sheet:
    application = check.application
    enterprise = application.enterprise
    inspectors = list(check.inspectors.all())
    items = list(check.items.all())
    rows, photos = [], []
    for number, item in enumerate(items, start=1):
        item_photos = list(item.photos.all())
        note = item.note + (f"\n{_('处理情况')}：{item.resolution}" if item.resolution else "")
        rows.append([str(number), item.get_kind_display(), item.title, item.claim,
                     item.get_result_display() if item.result else "", note, str(len(item_photos) or "")])
        for photo in item_photos:
            photos.append([str(len(photos) + 1), f"{number}. {item.title}", photo.original_name or photo.file.name,
                           photo.taken_at, _coordinates(photo)])
    facts = sheets.application_facts(application) + [
        (_("企业地址"), enterprise.address), (_("联系人"), f"{enterprise.contact_name} {enterprise.contact_phone}"),
        (_("计划核查日期"), sheets.day(check.planned_date)),
        (_("核查人员"), "、".join(u.display_name for u in inspectors)),
        (_("状态"), check.get_status_display())]
    return sheets.Sheet(
        kind=f"onsite-{check.pk}", title=_("现场核查表"), application=application, facts=facts,
        blocks=[sheets.Table(heading=_("核查事项"), rows=rows, columns=[
                    sheets.Column(_("序号"), cm=1.1, align="center"), sheets.Column(_("类别"), cm=1.6),
                    sheets.Column(_("核查事项"), fr=2), sheets.Column(_("申报内容"), fr=3),
                    sheets.Column(_("核查结果"), cm=1.9, align="center"), sheets.Column(_("核查说明"), fr=3),
                    sheets.Column(_("照片"), cm=1.1, align="center")]),
                sheets.Table(heading=_("照片索引"), rows=photos, columns=[
                    sheets.Column(_("序号"), cm=1.1, align="center"), sheets.Column(_("核查事项"), fr=3),
                    sheets.Column(_("文件名"), fr=3), sheets.Column(_("拍摄时间"), cm=3.2),
                    sheets.Column(_("拍摄位置"), cm=3.6)]),
                sheets.Text(_("核查结论"), check.summary)],
        signatures=([f"{_('核查人员')}：{u.display_name}" for u in inspectors] or [_("核查人员")])
        + [_("企业代表")],
        note=_("核查结果：属实、不符（写明实际情况）或未核查。照片原件存于系统，可按序号调阅。"))
