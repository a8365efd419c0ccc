"""The readiness diagnosis as a short PDF (Typst, fonts embedded), with the radar."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from tidu.core import clock
from tidu.core.dates import date_zh
from tidu.documents.typst_engine import compile_pdf
from tidu.enterprises.models import Enterprise
from tidu.readiness import presentation


def render_readiness_pdf(enterprise: Enterprise, result: dict, *, source: str = "") -> bytes:
    """The sheet is in Chinese (its Typst template is): the labels are worded in Chinese whatever the page's language."""
    with translation.override(settings.LANGUAGE_CODE):
        result = presentation.labelled(result)
    tiers = [{"name": t["name"], "status_label": t["status_label"],
              "elements": [{"clause": e["clause"], "result_label": e["result_label"], "message": e["message"],
                            "cite": "、".join(s["id"] for s in e["sources"]) + f"（{e['grade']}）"}
                           for e in t["elements"]]} for t in result["tiers"]]
    current = next((t["name"] for t in result["tiers"] if t["id"] == result["current"]), "")
    data = {"enterprise": enterprise.name, "credit_code": enterprise.credit_code, "date": date_zh(clock.now()),
            "source": source, "current": current or "尚未具备任何等级", "tiers": tiers,
            "gaps": result.get("gaps"), "radar": str(presentation.radar(result)),
            "versions": "；".join(result.get("policy_versions", {}).values())}
    return compile_pdf("readiness.typ", data)
