"""Helpers for tests and demo data: a complete, passing application in a few calls.

``fill_complete_application(application, user)`` writes every section of ``application`` through
``services.application_section_save`` (so revisions, the attestation stamp and every rule apply as
they do for a person typing) with the data of ``tidu/eligibility/examples/passing-basic.json``,
mapped to the sections' raw field names — strings as a browser sends them, ``"yes"``/``"no"`` for
yes/no questions — and uploads a small, valid PDF as the 自评估报告 (evidence topic
``maturity_report``) through ``evidence.evidence_upload``.

Afterwards every section is complete and the engine finds the application eligible once it is
submitted inside the call window (2026-01-22 … 2026-03-15, 北京时间). Submitting still needs the
enterprise to be confirmed by its township, e.g.::

    from tidu.applications.testing import fill_complete_application
    fill_complete_application(application, user)
    services.application_submit(application=application, user=user, idempotency_key="k1",
                                now=datetime(2026, 3, 10, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai")))

``complete_section_data(application)`` returns the same raw input per section without saving it, for
filling only some sections (e.g. a half-finished demo draft).

Notes:
* ``user`` must be the enterprise's own user (``permissions.can_edit``); the application must be a
  draft (or 退回补正, in which case only the returned sections may be written — use ``sections=``).
* The enterprise's identity (name, credit code) and contact come from the ``Enterprise`` record so that
  demo data stays coherent; everything that decides eligibility comes from the example file.
* Evidence is written to the default storage (``MEDIA_ROOT``): tests should point ``settings.MEDIA_ROOT``
  at a temporary directory. ``with_evidence=False`` skips the upload (the 成熟度自评估 section then stays
  incomplete, which is useful to test blockers).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tidu.applications import services
from tidu.applications.evidence import evidence_upload
from tidu.applications.models import Application
from tidu.applications.sections import _PHONE

EXAMPLE = Path(__file__).resolve().parent.parent / "eligibility" / "examples" / "passing-basic.json"


def minimal_pdf_bytes(text: str = "tidu") -> bytes:
    """A tiny but valid one-page PDF (made with pypdf), e.g. for an evidence upload."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _yn(value: bool) -> str:
    return "yes" if value else "no"


def _num(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def complete_section_data(application: Application) -> dict[str, dict[str, Any]]:
    """Raw input for every section, as a browser would post it, built from passing-basic.json."""
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    enterprise = application.enterprise
    company, record, security = example["enterprise"], example["record"], example["security"]
    organisation, maturity, cooperation = example["organisation"], example["maturity"], example["cooperation"]

    def events(rows):
        return [{"date": row["date"], "description": row.get("description", "")} for row in rows]

    return {
        "basic": {
            "name": enterprise.name or company["name"],
            "credit_code": enterprise.credit_code or company["credit_code"],
            "registered_region": company["registered_region"],
            "legal_status": company["legal_status"],
            "industry_code": company["industry_code"],
            "above_designated_size": _yn(company["above_designated_size"]),
            "main_business_revenue_10k_yuan": _num(company["main_business_revenue_10k_yuan"]),
            "employees": "260",
            "competitiveness": company["competitiveness"],
            "contact_name": enterprise.contact_name or "王立新",
            "contact_phone": enterprise.contact_phone if _PHONE.match(enterprise.contact_phone or "") else "13872800001",
        },
        "conditions": {
            "construction_completed": _yn(example["construction_completed"]),
            "operations_and_finance_sound": _yn(record["operations_and_finance_sound"]),
            "has_bad_credit_records": _yn(bool(record["bad_credit_records"])),
            "bad_credit_records": events(record["bad_credit_records"]),
            "has_accidents": _yn(bool(record["accidents"])),
            "accidents": [{"date": row["date"], "category": row["category"], "severity": row["severity"],
                           "fatalities": str(row["fatalities"]), "description": row.get("description", "")}
                          for row in record["accidents"]],
            "has_violations": _yn(bool(record["violations"])),
            "violations": events(record["violations"]),
            "secure_and_controllable": _yn(security["secure_and_controllable"]),
            "cyber_and_data_risk_controllable": _yn(security["cyber_and_data_risk_controllable"]),
            "onsite_verification": _yn(cooperation["onsite_verification"]),
            "technology_promotion": _yn(cooperation["technology_promotion"]),
            "case_exchange": _yn(cooperation["case_exchange"]),
        },
        "maturity": {
            "level": str(maturity["level"]),
            "score": _num(maturity["score"]),
            "report_number": maturity["report_number"],
            "report_date": maturity["report_date"],
            "platform": maturity["platform"],
        },
        "scope": {
            "scope": example["scope"],
            "project_name": "机加车间智能化改造项目",
            "start_date": "2024-03-01",
            "end_date": "2025-10-31",
            "total_investment_10k_yuan": "3260",
            "integrators": "国内某软件公司（MES）；国内某自动化公司（产线集成）",
            "summary": "围绕阀体机加车间，建设设备联网、在线视觉检测和高级排产，实现生产过程数据贯通。",
        },
        "scenarios": {
            "scenarios": [{"id": row["id"], "description": row["description"], "equipment_software": "",
                           "uses_ai": _yn(row.get("uses_ai", False))} for row in example["scenarios"]],
        },
        "equipment": {
            "equipment": [{"name": row["name"], "category": row.get("category", ""), "model": row.get("model", ""),
                           "vendor": row.get("vendor", ""), "origin": row.get("origin", ""),
                           "secure_controllable": _yn(row["secure_controllable"])} for row in example["equipment"]],
        },
        "kpis": {kpi_id: {key: _num(value) for key, value in inputs.items()}
                 for kpi_id, inputs in example["kpis"].items()},
        "organisation": {
            "has_mechanism": _yn(organisation["has_mechanism"]),
            "description": organisation["description"],
            "talent_count": str(organisation["talent_count"]),
        },
        "attestation": {
            "signer_name": enterprise.legal_representative or enterprise.contact_name or "王立新",
            "confirmed": "yes",
        },
    }


def fill_complete_application(application: Application, user, *, with_evidence: bool = True,
                              sections: list[str] | None = None) -> Application:
    """Fill ``application`` completely (see the module docstring); returns it refreshed from the database."""
    data = complete_section_data(application)
    rows = {row.key: row for row in application.sections.all()}
    for key in sections or list(data):
        services.application_section_save(application=application, key=key, data=data[key],
                                          base_revision=rows[key].revision, user=user)
    if with_evidence and (sections is None or "maturity" in sections) \
            and not application.evidence.filter(topic="maturity_report").exists():
        upload = SimpleUploadedFile("自评估报告.pdf", minimal_pdf_bytes("自评估报告"), content_type="application/pdf")
        evidence_upload(application=application, section="maturity", topic="maturity_report", upload=upload,
                        user=user)
    application.refresh_from_db()
    return application
