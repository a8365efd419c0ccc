"""A realistic sample application (6 scenarios, all 20 KPIs), for template previews, tests and the benchmark.

``sample_raw_sections()`` is what an enterprise would type, section by section (strings, as stored);
``sample_dossier(policy)`` assembles its dossier without touching the database. The enterprise's identity (name,
credit code, unit, region) and its own wording are sample data (tidu/core/demo_data/samples.yaml, ``sample``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tidu.applications.services import application_interchange
from tidu.core.demo import demo_data
from tidu.documents.dossier import Dossier, DossierInputs, EvidenceFacts, SubmissionFacts, assemble_dossier
from tidu.documents.evidence_files import EvidenceInspection
from tidu.eligibility.engine import evaluate
from tidu.policy.call_policy import CallPolicy

_SAMPLES = demo_data("samples")
SAMPLE_ENTERPRISE = _SAMPLES["sample"]["enterprise"]
SAMPLE_CREDIT_CODE = _SAMPLES["sample"]["credit_code"]
SAMPLE_UNIT = _SAMPLES["sample"]["unit"]
SAMPLE_REGION = _SAMPLES["region"]

_SCENARIOS = (
    ("SC27", "设备运行监控", "no",
     "对机加车间 46 台关键数控设备加装数据采集终端，通过 OPC UA 与 MTConnect 协议实时采集主轴负载、转速、"
     "报警与加工节拍等数据，建设设备运行监控看板，实现设备状态、稼动率和报警信息的实时监控与分级推送。"
     "建设后设备异常响应时间由平均 45 分钟缩短至 12 分钟，设备综合效率（OEE）由 61% 提升至 74%。"),
    ("SC24", "在线智能检测", "yes",
     "在阀体精加工线末端部署 3 套基于深度学习的机器视觉检测工位，对阀体关键尺寸、表面划伤和毛刺进行 100% "
     "在线检测，检测结果自动写入质量追溯系统并联动分拣机构剔除不合格品。模型以 2.6 万张标注图像训练，"
     "缺陷检出率 99.2%，误判率低于 0.8%，替代人工目检 8 人。"),
    ("SC25", "质量精准追溯", "no",
     "以工件二维码为载体，贯通毛坯入库、机加、清洗、装配、试压和包装各工序的质量数据，建设覆盖原材料批次、"
     "设备参数、操作人员和检验结果的全流程质量档案，客户投诉追溯时间由 2 天缩短至 10 分钟以内。"),
    ("SC09", "车间智能排产", "yes",
     "上线高级计划与排程（APS）系统，基于订单交期、设备能力、刀具寿命与物料齐套约束自动生成车间作业计划，"
     "采用遗传算法与强化学习相结合的排程模型，插单时可在 5 分钟内完成重排。计划编制时间由每天 3 小时缩短至 "
     "20 分钟，订单准时交付率由 86% 提升至 96%。"),
    ("SC12", "仓储智能管理", "no",
     "建设立体仓库 1 座（2400 个货位）并上线仓储管理系统（WMS），与 ERP、MES 集成，实现原材料与成品的扫码入库、"
     "自动分配货位、先进先出和实时库存盘点，库存准确率由 95% 提升至 99.8%，库存周转率由每年 6.2 次提升至 8.1 次。"),
    ("SC16", "能源智能管控", "no",
     "对全厂 132 个用能点安装智能电表、水表和压缩空气流量计，建设能源管理系统，按车间、产线和设备分级计量与"
     "分析能耗，对空压站实施联控优化。单位产品综合能耗下降 9.6%，年节约用电约 86 万千瓦时。"),
)

_EQUIPMENT = (
    ("五轴联动加工中心", "装备", "VMC-850", "国内某机床厂", "国产"),
    ("卧式加工中心", "装备", "HMC-630", "国内某机床厂", "国产"),
    ("工业机器人（上下料）", "装备", "ER20-1700", "国内某机器人公司", "国产"),
    ("机器视觉检测工位", "装备", "VI-3000", "国内某视觉公司", "国产"),
    ("制造执行系统（MES）", "工业软件", "V5.2", "国内某软件公司", "国产"),
    ("高级计划与排程系统（APS）", "工业软件", "V3.1", "国内某软件公司", "国产"),
    ("仓储管理系统（WMS）", "工业软件", "V4.0", "国内某软件公司", "国产"),
    ("能源管理系统（EMS）", "工业软件", "V2.8", "国内某软件公司", "国产"),
    ("企业资源计划（ERP）", "工业软件", "U9 Cloud", "国内某软件公司", "国产"),
    ("工业控制系统（PLC）", "系统解决方案", "S7-1500", "进口品牌国内代理", "进口"),
)

_KPIS = {
    "K01": {"part": "46", "whole": "58"}, "K02": {"part": "18", "whole": "24"}, "K03": {"part": "2", "whole": "6"},
    "K04": {"value": "3"}, "K05": {"before": "120", "after": "96"}, "K06": {"before": "16800", "after": "18600"},
    "K07": {"before": "120", "after": "151"}, "K08": {"before": "82.5", "after": "88.1"},
    "K09": {"before": "2.4", "after": "1.1"}, "K10": {"before": "61", "after": "74"},
    "K11": {"before": "6.2", "after": "8.1"}, "K12": {"before": "88", "after": "95"},
    "K13": {"before": "86", "after": "96"}, "K14": {"before": "5230", "after": "4870"},
    "K15": {"before": "42.6", "after": "51.3"}, "K16": {"before": "0.125", "after": "0.113"},
    "K17": {"before": "0.31", "after": "0.28"}, "K18": {"part": "860", "whole": "1020"},
    "K19": {"reused": "46000", "fresh": "21000"}, "K20": {"value": "4"},
}


def sample_raw_sections(*, name: str = SAMPLE_ENTERPRISE, credit_code: str = SAMPLE_CREDIT_CODE) -> dict[str, dict[str, Any]]:
    """Every section of a complete 基础级 application, as the enterprise typed it."""
    return {
        "basic": {
            "name": name, "credit_code": credit_code, "registered_region": SAMPLE_REGION,
            "legal_status": "legal_person", "industry_code": "C3484", "above_designated_size": "yes",
            "main_business_revenue_10k_yuan": "18600", "employees": "326",
            "competitiveness": _SAMPLES["sample"]["competitiveness"],
            "contact_name": "李明", "contact_phone": "13871234567",
        },
        "conditions": {
            "construction_completed": "yes", "operations_and_finance_sound": "yes",
            "has_bad_credit_records": "no", "has_accidents": "no", "has_violations": "no",
            "secure_and_controllable": "yes", "cyber_and_data_risk_controllable": "yes",
            "onsite_verification": "yes", "technology_promotion": "yes", "case_exchange": "yes",
        },
        "maturity": {"level": "2", "score": "2.15", "report_number": "C3ME-2025-420000-01234",
                     "report_date": "2025-12-18", "platform": "智能制造评估评价公共服务平台"},
        "scope": {
            "scope": "车间级", "project_name": "液压阀体智能加工车间", "start_date": "2023-03-01",
            "end_date": "2025-10-31", "total_investment_10k_yuan": "3860",
            "integrators": "国内某智能制造系统集成商；国内某工业软件公司",
            "summary": "项目围绕液压阀体机加车间开展数字化、网络化改造，新增五轴加工中心、机器人上下料单元和"
                       "机器视觉检测工位，建设覆盖设备联网、生产执行、质量追溯、仓储物流和能源管理的信息系统，"
                       "实现核心数据实时采集、关键工序自动化与生产经营管理信息化。\n"
                       "项目总投资 3860 万元，其中设备投资 2650 万元、软件与集成投资 780 万元。",
        },
        "scenarios": {"scenarios": [
            {"id": sid, "description": text, "equipment_software": "、".join(e[0] for e in _EQUIPMENT[i % 4:i % 4 + 3]),
             "uses_ai": ai}
            for i, (sid, _name, ai, text) in enumerate(_SCENARIOS)]},
        "equipment": {"equipment": [
            {"name": n, "category": c, "model": m, "vendor": v, "origin": o, "secure_controllable": "yes"}
            for n, c, m, v, o in _EQUIPMENT]},
        "kpis": {kpi_id: dict(values) for kpi_id, values in _KPIS.items()},
        "organisation": {"has_mechanism": "yes",
                         "description": "成立由总经理任组长的智能制造推进领导小组，下设智能制造推进办公室，"
                                        "统筹规划、建设和运营；制定《智能工厂运行管理办法》。",
                         "talent_count": "14"},
        "attestation": {"signer_name": "张华", "confirmed": "yes", "confirmed_by": "huachu",
                        "confirmed_at": "2026-03-10T10:28:00+08:00"},
    }


class _Section:
    def __init__(self, key, data):
        self.key, self.data = key, data


class _Sections:
    def __init__(self, raw):
        self._rows = [_Section(k, v) for k, v in raw.items()]

    def all(self):
        return self._rows


class _SampleApplication:
    """Just enough of an Application for applications.services.application_interchange (no database)."""

    def __init__(self, raw, tier):
        self.sections = _Sections(raw)
        self.tier = tier


def sample_verdict(policy: CallPolicy, raw: dict[str, dict[str, Any]], tier: str, submitted_at: dt.datetime):
    document = application_interchange(_SampleApplication(raw, tier), policy, submitted_at)
    return evaluate(policy, document).as_dict()


def sample_dossier(policy: CallPolicy, *, raw: dict[str, dict[str, Any]] | None = None,
                   evidence: list[EvidenceFacts] | None = None) -> Dossier:
    raw = raw or sample_raw_sections()
    submitted_at = dt.datetime(2026, 3, 10, 10, 30, tzinfo=policy.timezone)
    tier = policy.call_tier["id"]
    if evidence is None:
        evidence = [
            EvidenceFacts(1, "maturity", "maturity_report", "智能制造能力成熟度自评估报告.pdf", "application/pdf",
                          482113, "a" * 64, EvidenceInspection("pdf", 6, "", True)),
            EvidenceFacts(2, "conditions", "申报条件3", "2025年度审计报告.pdf", "application/pdf", 1203344, "b" * 64,
                          EvidenceInspection("pdf", 24, "", True)),
            EvidenceFacts(3, "scenarios", "SC24", "视觉检测工位现场照片.jpg", "image/jpeg", 3301223, "c" * 64,
                          EvidenceInspection("image", 1, "", True)),
            EvidenceFacts(4, "equipment", "", "设备与软件采购发票清单.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 40211, "d" * 64,
                          EvidenceInspection("office", None, "Office 文件，未并入装订版，请核对电子文件（SHA-256 见本表）",
                                             False)),
        ]
    inputs = DossierInputs(
        application_id=0, tier=tier, raw_sections=raw, unit_name=SAMPLE_UNIT, content_sha256="0" * 64,
        verdict=sample_verdict(policy, raw, tier, submitted_at), evidence=evidence,
        submission=SubmissionFacts(f"{policy.code.upper()}-000001", submitted_at, "0" * 64, "张华"),
        verification_code="SAMPLE0000", recommendation="同意推荐", industry_text="C3484（制造业 › 34 通用设备制造业）")
    return assemble_dossier(policy, inputs)
