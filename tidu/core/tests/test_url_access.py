"""Every URL that takes an object id or code × every role × every state of the object: who may see what.

``TABLE`` has one entry per URL pattern of the project that takes a parameter (the patterns are found by
walking ``get_resolver()``; Django's own ``/admin/`` is checked separately below). An entry says which object
the URL is about (a kind of object built once, in several states, in ``setUpTestData``), how to build the URL's
arguments from it, and the rule that decides the outcome for each role and state:

* ``login``  — an anonymous visitor is sent to the login page;
* ``403``    — the role has no business with this kind of page at all (the same answer for every id);
* ``404``    — the object exists but this user may not see it: ids cannot be probed;
* ``200``/``302`` — the page (or the download, or the redirect to where it belongs);
* ``ok``     — a POST-only URL this user is allowed to use: not executed here (the domain tests do that).

GET-able URLs are requested with GET. POST-only URLs are POSTed (empty form) only where the outcome must be a
refusal, so nothing changes; where the user may act, the cell is ``ok`` and skipped.

The rules below are written out here on purpose (they do not call the selectors they test):
drafts are the enterprise's own; townships see their own unit's submitted applications; the city sees every
submitted application; experts see only what they are assigned to, and nothing after declaring a conflict;
系统管理员 sees no application content at all.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver, reverse
from PIL import Image

from tidu.accounts.models import User
from tidu.applications import services as application_services
from tidu.applications.testing import fill_complete_application, minimal_pdf_bytes
from tidu.applications.workflow import State
from tidu.documents import services as document_services
from tidu.documents.models import DocumentJob, DocumentTemplate, VerificationCode
from tidu.enterprises.models import EnterpriseImport
from tidu.experts import services as expert_services
from tidu.experts import testing
from tidu.experts.models import ExpertRelation, ReviewSession, Rubric
from tidu.notifications.models import Notification
from tidu.onsite import services as onsite_services
from tidu.policy.operations import DraftCreate
from tidu.publicity import services as publicity_services
from tidu.publicity.models import CalendarDay, Objection
from tidu.records.models import ArchiveJob
from tidu.records.selectors import call_audit_entries
from tidu.review.models import BatchRun, RecommendationEntry, RecommendationList
from tidu.review.tests.lifecycle import drive_to
from tidu.whatif import services as whatif_services

# --- roles ---------------------------------------------------------------------------------------------

ANON, ENT_OWN, ENT_OTHER = "anonymous", "enterprise-own", "enterprise-other"
TOWN_OWN, TOWN_OTHER, CITY = "township-own-unit", "township-other-unit", "city"
EXPERT_ASSIGNED, EXPERT_UNASSIGNED, ADMIN = "expert-assigned", "expert-unassigned", "admin"
ROLES = (ANON, ENT_OWN, ENT_OTHER, TOWN_OWN, TOWN_OTHER, CITY, EXPERT_ASSIGNED, EXPERT_UNASSIGNED, ADMIN)
TOWNSHIPS = {TOWN_OWN, TOWN_OTHER}
EXPERTS = {EXPERT_ASSIGNED, EXPERT_UNASSIGNED}

# --- application states (each one is an application of its own enterprise in unit X) -------------------

APP_STATES = ("draft", "submitted", "returned", "received", "expert_review", "expert_reviewed", "recognised")


def submitted(state: str) -> bool:
    return state != "draft"


# --- the rules -------------------------------------------------------------------------------------------

Rule = Callable[[str, str], bool]


def app_visible(role: str, state: str) -> bool:
    """Application content: the enterprise always; its township and the city once submitted; nobody else."""
    return role == ENT_OWN or (role in (TOWN_OWN, CITY) and submitted(state))


def city_app_visible(role: str, state: str) -> bool:
    return role == CITY and submitted(state)


def anyone(role: str, state: str) -> bool:
    return True


def only(*roles: str) -> Rule:
    return lambda role, state: role in roles


@dataclass(frozen=True)
class Entry:
    kind: str  # which objects (World.objects[kind]) the URL is about
    args: Callable  # obj -> URL arguments
    visible: Rule = anyone
    gate: frozenset | None = None  # roles that get past the role check; None: any signed-in user
    gate_refusal: str = "403"
    ok: str | Callable[[str, str], str] = "200"
    post: bool = False  # a POST-only URL
    public: bool = False  # no login needed

    def expect(self, role: str, state: str) -> str:
        if role == ANON and not self.public:
            return "login"
        if self.gate is not None and role not in self.gate:
            return self.gate_refusal
        if not self.visible(role, state):
            return "404"
        if self.post:
            return "ok"
        return self.ok(role, state) if callable(self.ok) else self.ok


def gate(*roles: str) -> frozenset:
    return frozenset(roles)


def pk(obj):
    return [obj.pk]


def pdf(obj):
    """A printable sheet's URL: the object and the format."""
    return [obj.pk, "pdf"]


PANEL_STATES = ("expert_review", "expert_reviewed")  # the applications of the world that have a panel


CITY_ONLY = gate(CITY)
CITY_AND_EXPERTS = gate(CITY, EXPERT_ASSIGNED, EXPERT_UNASSIGNED)
TOWNSHIP_AND_CITY = gate(TOWN_OWN, TOWN_OTHER, CITY)
EXPERTS_ONLY = gate(EXPERT_ASSIGNED, EXPERT_UNASSIGNED)
TEMPLATES = gate(CITY, ADMIN)
READINESS_VIEWERS = gate(ENT_OWN, ENT_OTHER, TOWN_OWN, TOWN_OTHER, CITY)  # document templates are configuration: the city and 系统管理员


def _submit_page(role: str, state: str) -> str:
    return "200" if role == ENT_OWN else "403"  # visible to the reviewer, but only the enterprise submits


def _receipt_visible(role: str, state: str) -> bool:
    return app_visible(role, state) and submitted(state)  # a draft has no receipt, for anyone


def _edit_page(role: str, state: str) -> str:
    return "200" if state == "draft" else "302"  # a published 公示 can no longer be edited: back to its page


def _evidence_delete(role: str, state: str) -> bool:
    return app_visible(role, state)


def _applicant_only_action(role: str, state: str) -> str:
    return "ok" if role == ENT_OWN else "403"


def _revision_due_action(role: str, state: str) -> str:
    # Only the reviewer who returned it (the township, in this world) may change a 补正期限; elsewhere a refusal.
    return "403" if role == CITY and state == "returned" else "ok"


# A POST whose outcome for a visible object depends on the role (the reviewer may see but not act).
@dataclass(frozen=True)
class ActionEntry(Entry):
    action: Callable[[str, str], str] = lambda role, state: "ok"

    def expect(self, role: str, state: str) -> str:
        outcome = super().expect(role, state)
        return self.action(role, state) if outcome == "ok" else outcome


TABLE: dict[str, Entry] = {
    # accounts
    "accounts:password_reset_confirm": Entry("reset_link", lambda o: ["bm90LWEtdXNlcg", "bad-token"],
                                             public=True),
    "accounts:unlock": Entry("reset_link", lambda o: ["bad-token"], public=True, ok="400"),
    # applications
    "applications:wizard": Entry("application", pk, app_visible, ok="302"),
    "applications:status": Entry("application", pk, app_visible),
    "applications:submit": Entry("application", pk, app_visible, ok=_submit_page),
    "applications:receipt": Entry("application", lambda o: [o.pk, o.receipt], _receipt_visible),
    "applications:review": Entry("application", pk, app_visible, gate=TOWNSHIP_AND_CITY),
    "applications:verdict_json": Entry("application", pk, app_visible),
    "applications:section": Entry("application", lambda o: [o.pk, "basic"], app_visible),
    "applications:section_history": Entry("application", lambda o: [o.pk, "basic"], app_visible, gate=CITY_ONLY),
    "applications:revision_due": ActionEntry("application", pk, app_visible, gate=TOWNSHIP_AND_CITY, post=True,
                                             action=_revision_due_action),
    "applications:withdraw": ActionEntry("application", pk, app_visible, post=True, action=_applicant_only_action),
    "applications:autosave": ActionEntry("application", lambda o: [o.pk, "basic"], app_visible, post=True,
                                         action=_applicant_only_action),
    "applications:evidence_upload": ActionEntry("application", lambda o: [o.pk, "maturity"], app_visible,
                                                post=True, action=_applicant_only_action),
    "applications:evidence_download": Entry("evidence", pk, app_visible),
    "applications:evidence_delete": ActionEntry("evidence", pk, _evidence_delete, post=True,
                                                action=_applicant_only_action),
    # decisions: the city's 评审结论 and 不予认定 of an application, a call's 集体决策 and pass mark
    "decisions:application": Entry("application", pk, city_app_visible, gate=CITY_ONLY),
    "decisions:reject": Entry("application", pk, city_app_visible, gate=CITY_ONLY, post=True),
    "decisions:call": Entry("call", pk, gate=CITY_ONLY),
    # the outcome letter: only for a recognised / not recognised application, to its enterprise and the city
    "decisions:letter": Entry("application", pk, lambda role, state: state == "recognised" and role in (ENT_OWN, CITY)),
    # documents: the dossier of an application
    "documents:dossier": Entry("application", pk, app_visible),
    "documents:application_pdf": Entry("application", pk, app_visible),
    "documents:application_docx": Entry("application", pk, app_visible),
    "documents:summary_row_xlsx": Entry("application", pk, app_visible),
    "documents:summary_row_pdf": Entry("application", pk, app_visible),
    "documents:bound_start": Entry("application", pk, app_visible, post=True),
    "documents:summary_export": Entry("call", pk, gate=gate(TOWN_OWN, TOWN_OTHER, CITY), gate_refusal="404"),
    # documents: jobs are their creator's, and only while the creator may see what they are made from
    "documents:job": Entry("job", pk, lambda role, state: state != "legacy-draft-by-township" and role == {
        "bound-draft-by-owner": ENT_OWN, "bound-submitted-by-township": TOWN_OWN,
        "summary-by-city": CITY}.get(state)),
    "documents:job_status": Entry("job", pk, lambda role, state: TABLE["documents:job"].visible(role, state)),
    "documents:job_download": Entry("job", pk, lambda role, state: TABLE["documents:job"].visible(role, state)),
    # accounts: the 审计管理员's 操作日志 entry (no role of this table is an auditor)
    "accounts:audit_entry": Entry("call", lambda o: [call_audit_entries(o.target).order_by("pk").first().pk],
                                  gate=gate()),
    # benchmark: an application's KPIs against its peers: whoever sees the application, and its assigned experts
    "benchmark:application": Entry("application", pk, lambda role, state: app_visible(role, state) or (
        role == EXPERT_ASSIGNED and state in PANEL_STATES)),
    # records: the city's 操作日志 of a call, and the call's archive (归档包)
    "records:call_log": Entry("call", pk, gate=CITY_ONLY),
    "records:call_log_export": Entry("call", pk, gate=CITY_ONLY),
    "records:call_log_entry": Entry("call", lambda o: [o.pk, call_audit_entries(o.target).order_by("pk").first().pk],
                                    gate=CITY_ONLY),
    "records:archive": Entry("call", pk, gate=CITY_ONLY),
    "records:archive_job": Entry("archive_job", pk, gate=CITY_ONLY),
    "records:archive_job_status": Entry("archive_job", pk, gate=CITY_ONLY),
    "records:archive_download": Entry("archive_job", pk, gate=CITY_ONLY),
    "documents:verify": Entry("verify_code", lambda o: [o.code], lambda role, state: state == "issued",
                              public=True),
    "documents:builtin_template": Entry("builtin_kind", lambda o: [o.kind], gate=TEMPLATES),
    "documents:template_preview": Entry("template", pk, gate=TEMPLATES),
    "documents:template_deactivate": Entry("template", pk, gate=TEMPLATES, post=True),
    # enterprises
    "enterprises:enterprise_detail": Entry("enterprise", pk, only(ENT_OWN, TOWN_OWN, CITY)),
    "enterprises:enterprise_confirm": Entry("enterprise", pk, only(TOWN_OWN), gate=gate(TOWN_OWN, TOWN_OTHER),
                                            post=True),
    "enterprises:enterprise_reject": Entry("enterprise", pk, only(TOWN_OWN), gate=gate(TOWN_OWN, TOWN_OTHER),
                                           post=True),
    # readiness: the enterprise's own live diagnosis; its township and the city see its stored snapshots
    "readiness:enterprise": Entry("enterprise", pk, only(ENT_OWN, TOWN_OWN, CITY), gate=READINESS_VIEWERS),
    "readiness:pdf": Entry("enterprise", pk, only(ENT_OWN, TOWN_OWN, CITY), gate=READINESS_VIEWERS,
                           ok=lambda role, state: "200" if role == ENT_OWN else "404"),  # no snapshot kept yet
    "readiness:snapshot": ActionEntry("enterprise", pk, only(ENT_OWN, TOWN_OWN, CITY), gate=READINESS_VIEWERS,
                                      post=True, action=_applicant_only_action),
    # enterprises: bulk import (a township into its own unit, the city into any): the import's own unit and the city
    "enterprises:import_template": Entry("enterprise_import", lambda o: ["xlsx"], gate=TOWNSHIP_AND_CITY),
    "enterprises:import_detail": Entry("enterprise_import", pk, only(TOWN_OWN, CITY), gate=TOWNSHIP_AND_CITY),
    "enterprises:import_errors": Entry("enterprise_import", pk, only(TOWN_OWN, CITY), gate=TOWNSHIP_AND_CITY),
    "enterprises:import_confirm": Entry("enterprise_import", pk, only(TOWN_OWN, CITY), gate=TOWNSHIP_AND_CITY,
                                        post=True),
    # experts: the city's side
    "experts:profile_edit": Entry("expert_profile", pk, gate=CITY_ONLY),
    "experts:relation_remove": Entry("expert_relation", pk, gate=CITY_ONLY, post=True),
    "experts:rubric_ensure": Entry("call", pk, gate=CITY_ONLY, post=True),
    "experts:scores_export": Entry("call", pk, gate=CITY_ONLY),
    "experts:rubric": Entry("rubric", pk, gate=CITY_ONLY),
    "experts:session_edit": Entry("review_session", pk, gate=CITY_ONLY),
    "experts:session_sign_in_sheet": Entry("review_session", pdf, gate=CITY_ONLY),
    "experts:assign": Entry("application", pk, city_app_visible, gate=CITY_ONLY),
    "experts:review": Entry("application", pk, city_app_visible, gate=CITY_ONLY),
    "experts:complete": Entry("application", pk, city_app_visible, gate=CITY_ONLY, post=True),
    "experts:reopen": Entry("assignment", pk, gate=CITY_ONLY, post=True),
    "experts:withdraw": Entry("assignment", pk, gate=CITY_ONLY, post=True),
    "experts:leader": Entry("assignment", pk, gate=CITY_ONLY, post=True),
    "experts:panel_opinion": Entry("application", pk, city_app_visible, gate=CITY_ONLY, post=True),
    # experts: printable sheets. 签到表 for any application the city sees; the 专家组意见表 once a panel exists
    # (refused while its scores are sealed); a 评分表 to its own expert, to the city once unsealed
    "experts:sign_in_sheet": Entry("application", pdf, city_app_visible, gate=CITY_ONLY),
    "experts:panel_sheet": Entry("application", pdf, lambda role, state: role == CITY and state in PANEL_STATES,
                                 gate=CITY_ONLY, ok=lambda role, state: "403" if state == "expert_review" else "200"),
    "experts:score_sheet": Entry("assignment", pdf, lambda role, state: role == CITY or (
        role == EXPERT_ASSIGNED and state != "withdrawn"), gate=CITY_AND_EXPERTS,
        ok=lambda role, state: "403" if role == CITY and state != "submitted" else "200"),
    # experts: the expert's own assignment (评分表) and the evidence it shows; nothing after 回避
    "experts:score": Entry("assignment", pk, lambda role, state: role == EXPERT_ASSIGNED and state != "withdrawn",
                           gate=EXPERTS_ONLY),
    "experts:declare_conflict": Entry("assignment", pk, lambda role, state: role == EXPERT_ASSIGNED
                                      and state != "withdrawn", gate=EXPERTS_ONLY, post=True),
    "experts:leader_opinion": Entry("assignment", pk, lambda role, state: role == EXPERT_ASSIGNED
                                    and state != "withdrawn", gate=EXPERTS_ONLY, post=True),
    "experts:evidence": Entry("assignment", lambda o: [o.pk, o.evidence_pk],
                              lambda role, state: role == EXPERT_ASSIGNED and state != "withdrawn",
                              gate=EXPERTS_ONLY),
    # notifications: the recipient's only
    "notifications:open": Entry("notification", pk, only(ENT_OWN), ok="302"),
    "notifications:read": Entry("notification", pk, only(ENT_OWN), post=True),
    # on-site verification: the city, and the inspectors assigned to the check
    "onsite:create": Entry("application", pk, city_app_visible, gate=CITY_ONLY, post=True),
    "onsite:discrepancies": Entry("application", pk, city_app_visible, gate=CITY_ONLY),
    "onsite:check": Entry("onsite_check", pk, only(CITY, EXPERT_ASSIGNED), gate=CITY_AND_EXPERTS),
    "onsite:check_sheet": Entry("onsite_check", pdf, only(CITY, EXPERT_ASSIGNED), gate=CITY_AND_EXPERTS),
    "onsite:inspectors": Entry("onsite_check", pk, gate=CITY_ONLY, post=True),
    "onsite:report": Entry("onsite_check", pk, only(CITY, EXPERT_ASSIGNED), gate=CITY_AND_EXPERTS, post=True),
    "onsite:complete": Entry("onsite_check", pk, gate=CITY_ONLY, post=True),
    "onsite:return": Entry("onsite_check", pk, gate=CITY_ONLY, post=True),
    "onsite:item": Entry("check_item", pk, only(CITY, EXPERT_ASSIGNED), gate=CITY_AND_EXPERTS, post=True),
    "onsite:photo_upload": Entry("check_item", pk, only(CITY, EXPERT_ASSIGNED), gate=CITY_AND_EXPERTS, post=True),
    "onsite:resolve": Entry("check_item", pk, gate=CITY_ONLY, post=True),
    "onsite:photo": Entry("photo", pk, only(CITY, EXPERT_ASSIGNED), gate=CITY_AND_EXPERTS),
    "onsite:photo_delete": Entry("photo", pk, only(CITY, EXPERT_ASSIGNED), gate=CITY_AND_EXPERTS, post=True),
    # policy (public)
    "policy:call_detail": Entry("call", lambda o: [o.code], public=True),
    # the call editor and its what-if: the city bureau's working material
    "policy:editor": Entry("call", lambda o: [o.code], gate=CITY_ONLY),
    "policy:draft": Entry("draft", pk, gate=CITY_ONLY),
    "policy:draft_diff": Entry("draft", pk, gate=CITY_ONLY),
    "policy:draft_publish": Entry("draft", pk, gate=CITY_ONLY, post=True),
    "policy:draft_yaml": Entry("draft", pk, gate=CITY_ONLY),
    "whatif:start": Entry("draft", pk, gate=CITY_ONLY),
    "whatif:run": Entry("whatif_run", pk, gate=CITY_ONLY),
    "whatif:run_status": Entry("whatif_run", pk, gate=CITY_ONLY),
    "whatif:export": Entry("whatif_run", lambda o: [o.pk, "xlsx"], gate=CITY_ONLY),
    # 公示: the public notice (published ones only) and the 认定名单 (finalised only), for everyone …
    "publicity:public_detail": Entry("publicity", pk, lambda role, state: state != "draft", public=True),
    "publicity:final_csv": Entry("publicity", pk, lambda role, state: state == "finalised", public=True),
    "publicity:final_xlsx": Entry("publicity", pk, lambda role, state: state == "finalised", public=True),
    # the call's 认定名单 across its 公示 batches: public once one batch is finalised (the world's call has one)
    "publicity:call_final_csv": Entry("call", lambda o: [o.code], public=True),
    "publicity:call_final_xlsx": Entry("call", lambda o: [o.code], public=True),
    "publicity:call_final_pdf": Entry("call", lambda o: [o.code], public=True),
    # … and the internal side (drafts, entries, objections with the objector's details): the city only
    "publicity:calendar_delete": Entry("calendar_day", pk, gate=CITY_ONLY, post=True),
    "publicity:manage_detail": Entry("publicity", pk, gate=CITY_ONLY),
    "publicity:publicity_notice_docx": Entry("publicity", pk, gate=CITY_ONLY),
    "publicity:publicity_notice_pdf": Entry("publicity", pk, gate=CITY_ONLY),
    "publicity:recognition_notice": Entry("call", pk, gate=CITY_ONLY),
    # no 文号 recorded for the world's call: nothing to download yet, for the city either
    "publicity:recognition_notice_docx": Entry("call", pk, gate=CITY_ONLY, ok="404"),
    "publicity:recognition_notice_pdf": Entry("call", pk, gate=CITY_ONLY, ok="404"),
    "publicity:edit": Entry("publicity", pk, gate=CITY_ONLY, ok=_edit_page),
    "publicity:delete": Entry("publicity", pk, gate=CITY_ONLY, post=True),
    "publicity:add_entries": Entry("publicity", pk, gate=CITY_ONLY, post=True),
    "publicity:remove_entry": Entry("publicity_entry", lambda o: [o.publicity_id, o.pk], gate=CITY_ONLY, post=True),
    "publicity:publish": Entry("publicity", pk, gate=CITY_ONLY, post=True),
    "publicity:finalise": Entry("publicity", pk, gate=CITY_ONLY, post=True),
    "publicity:objection": Entry("objection", pk, gate=CITY_ONLY),
    "publicity:objection_attachment": Entry("objection", pk, gate=CITY_ONLY),
    "publicity:entry_reject": Entry("objection", pk, gate=CITY_ONLY, post=True),
    # 推荐名单: its unit's officers and the city; its exports likewise
    "review:list_detail": Entry("rlist", pk, only(TOWN_OWN, CITY), gate=TOWNSHIP_AND_CITY),
    "review:list_edit": Entry("rlist", pk, only(TOWN_OWN), gate=gate(*TOWNSHIPS), post=True),
    "review:list_sign": Entry("rlist", pk, only(TOWN_OWN), gate=gate(*TOWNSHIPS), post=True),
    "review:list_unsign": Entry("rlist", pk, only(TOWN_OWN), gate=gate(*TOWNSHIPS), post=True),
    "review:list_send": Entry("rlist", pk, only(TOWN_OWN), gate=gate(*TOWNSHIPS), post=True),
    "review:list_reopen": Entry("rlist", pk, gate=CITY_ONLY, post=True),
    "review:list_export": Entry("rlist", lambda o: [o.pk, "xlsx"], only(TOWN_OWN, CITY), gate=TOWNSHIP_AND_CITY),
    "review:batch_result": Entry("batch_run", pk, gate=CITY_ONLY),
    # the city's 受理 and 形式审查 of an application
    "review:receive": Entry("application", pk, city_app_visible, gate=CITY_ONLY, post=True),
    "review:formal_review": Entry("application", pk, city_app_visible, gate=CITY_ONLY),
    "review:formal_review_sheet": Entry("application", pdf, city_app_visible, gate=CITY_ONLY),
    # The HTTP API (tidu/api) takes a personal access token, never the session: every signed-in role of this
    # table, like a visitor, gets 401 (GET on an action: 405). Who sees what *with a token* — each role, every
    # id listed or returned compared with the selectors — is tidu/api/tests/test_visibility.py and the fuzz
    # (tidu/api/tests/test_fuzz.py, and the schemathesis run in deploy/ci_production_smoke.sh).
    "api:call_policy": Entry("call", pk, public=True, ok="401"),
    "api:application_detail": Entry("application", pk, public=True, ok="401"),
    "api:application_submissions": Entry("application", pk, public=True, ok="401"),
    "api:application_documents": Entry("application", pk, public=True, ok="401"),
    "api:submission_detail": Entry("application", pk, public=True, ok="401"),  # refused before any lookup
    "api:document_download": Entry("application", pk, public=True, ok="401"),  # refused before any lookup
    "api:application_action": Entry("application", lambda o: [o.pk, "township_recommend"], public=True, ok="405"),
    "api:enterprise_confirm": Entry("enterprise", pk, public=True, ok="405"),
    "api:enterprise_reject": Entry("enterprise", pk, public=True, ok="405"),
    # The city's later steps and their reads (tidu/api/actions.py): refused before any lookup, like the above.
    "api:application_checks": Entry("application", pk, public=True, ok="401"),
    "api:application_assignments": Entry("application", pk, public=True, ok="401"),
    "api:check_detail": Entry("application", pk, public=True, ok="401"),
    "api:check_action": Entry("application", lambda o: [o.pk, "complete"], public=True, ok="405"),
    "api:batch_detail": Entry("batch_run", pk, public=True, ok="401"),
    "api:collective_decision": Entry("call", pk, public=True, ok="405"),
    "api:call_publicities": Entry("call", pk, public=True, ok="401"),
    "api:publicity_create": Entry("call", pk, public=True, ok="401"),  # the same path as the list (POST)
    "api:publicity_detail": Entry("application", pk, public=True, ok="401"),
    "api:publicity_add_entries": Entry("application", pk, public=True, ok="405"),
    "api:publicity_action": Entry("application", lambda o: [o.pk, "publish"], public=True, ok="405"),
    "api:check_inspectors": Entry("application", pk, public=True, ok="405"),
    "api:check_photo_add": Entry("application", lambda o: [o.pk, 1], public=True, ok="405"),
    "api:check_photo_delete": Entry("application", lambda o: [o.pk, o.pk], public=True, ok="405"),
    "api:publicity_update": Entry("application", pk, public=True, ok="405"),
    "api:check_item": Entry("application", lambda o: [o.pk, 1, "decide"], public=True, ok="405"),
    "api:assignment_action": Entry("application", lambda o: [o.pk, "set_leader"], public=True, ok="405"),
    "api:publicity_remove_entry": Entry("application", lambda o: [o.pk, o.pk], public=True, ok="405"),
    "api:call_lists": Entry("call", pk, public=True, ok="401"),
    "api:list_create": Entry("call", pk, public=True, ok="401"),  # the same path as the list (POST)
    "api:list_detail": Entry("application", pk, public=True, ok="401"),  # refused before any lookup
    "api:list_add": Entry("application", pk, public=True, ok="405"),
    "api:list_edit": Entry("application", pk, public=True, ok="405"),
    "api:list_remove": Entry("application", lambda o: [o.pk, o.pk], public=True, ok="405"),
    "api:list_action": Entry("application", lambda o: [o.pk, "sign"], public=True, ok="405"),
    # Revoking a token: the owner's own (or the 安全管理员's); tidu/api/tests/test_tokens.py checks who may.
    "api_token_revoke": Entry("application", pk, post=True),
}


# --- the URL patterns of the project --------------------------------------------------------------------

def _parametrised_patterns(resolver=None, namespace="", has_params=False):
    """(full name, takes parameters) for every named pattern, walking includes; Django's admin is left out."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        takes = has_params or bool(_params(pattern))
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _parametrised_patterns(pattern, inner, takes)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", takes


def _params(pattern) -> set[str]:
    route = pattern.pattern
    converters = getattr(route, "converters", None)
    if converters:
        return set(converters)
    return set(route.regex.groupindex)


def patterns_with_parameters() -> set[str]:
    return {name for name, takes in _parametrised_patterns() if takes}


# --- the world: every kind of object, in its states ----------------------------------------------------

@dataclass
class Obj:
    """One object a URL is about, in one state, and who is who for it."""

    state: str
    target: object
    users: dict[str, User | None] = field(default_factory=dict)

    def __getattr__(self, name):
        # Only for attributes of the target (deepcopy and pickling probe dunders before the fields exist).
        if name.startswith("_") or name in ("target", "state", "users"):
            raise AttributeError(name)
        return getattr(self.target, name)


@dataclass
class Plain:
    pk: int = 0
    code: str = ""
    kind: str = ""


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


MEDIA = tempfile.mkdtemp(prefix="tidu-url-access-")
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
BEIJING = testing.BEIJING
BEFORE = dt.datetime(2026, 4, 2, 10, 0, tzinfo=BEIJING)
DURING = dt.datetime(2026, 4, 6, 10, 0, tzinfo=BEIJING)
AFTER = dt.datetime(2026, 4, 10, 9, 0, tzinfo=BEIJING)


@override_settings(MEDIA_ROOT=MEDIA, TASKS=IMMEDIATE, TIDU_NOW="",
                   EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                   PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class UrlAccessMatrix(TestCase):
    """The table above, checked cell by cell against one world built once for the class."""

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    @classmethod
    def setUpTestData(cls):
        w = testing.world()
        cls.w = w
        users, experts = w["users"], w["experts"]
        x = w["units"]["x"]
        admin = User.objects.create_user(username="root", password="x", role=User.Role.ADMIN, is_superuser=True,
                                          is_staff=True)
        e5 = User.objects.create_user(username="e5", password="x", role=User.Role.EXPERT)
        common = {ANON: None, ENT_OTHER: users["ent_b"], TOWN_OWN: users["town_x"], TOWN_OTHER: users["town_y"],
                  CITY: users["city"], EXPERT_ASSIGNED: experts["e1"], EXPERT_UNASSIGNED: e5, ADMIN: admin}
        cls.common = common
        city = users["city"]

        codes = iter(range(100, 1000))

        def enterprise_in_x(key):
            enterprise = testing._enterprise(x, f"天门市矩阵{key}有限公司", f"91429006MA49MX{next(codes):03d}X")
            user = testing._user(f"ent_{key}", User.Role.ENTERPRISE, enterprise.organisation)
            return enterprise, user

        def application_in_x(key):
            enterprise, user = enterprise_in_x(key)
            application = application_services.application_start(enterprise=enterprise, call=w["call"],
                                                                  tier="basic", user=user)
            fill_complete_application(application, user)
            return application, user

        apps = {}
        for state in ("draft", "submitted", "returned", "received", "expert_review", "recognised", "proposed"):
            apps[state] = application_in_x(state.replace("_", ""))
        transition_to = {"submitted": State.SUBMITTED, "returned": State.RETURNED, "received": State.RECEIVED,
                         "expert_review": State.FORMAL_PASSED, "recognised": State.ONSITE_VERIFIED,
                         "proposed": State.ONSITE_VERIFIED}
        for state, target in transition_to.items():
            drive_to(apps[state][0], target)
        # Expert review: e1 assigned, e2 assigned and then declares a conflict (回避).
        review_app = apps["expert_review"][0]
        assigned = expert_services.assign_experts(application=review_app, user=city,
                                                  experts=[experts["e1"], experts["e2"]])
        withdrawn = next(a for a in assigned if a.expert == experts["e2"])
        expert_services.conflict_declare(assignment=withdrawn, user=experts["e2"], reason="曾为该企业提供咨询")
        withdrawn.refresh_from_db()
        active = next(a for a in assigned if a.expert == experts["e1"])
        active.refresh_from_db()
        # Expert review finished (e1, e2, e3 scored): the on-site check is open, e1 is its inspector.
        reviewed = testing.to_expert_reviewed(w, "a")
        apps["expert_reviewed"] = (reviewed, users["ent_a"])
        check = reviewed.onsite_checks.get()
        onsite_services.inspectors_set(check=check, user=city, inspectors=[experts["e1"]])
        item = check.items.order_by("order", "id").first()
        photo = onsite_services.photo_add(item=item, user=experts["e1"], upload=SimpleUploadedFile(
            "现场.jpg", jpeg_bytes(), content_type="image/jpeg"))
        scored = reviewed.expert_assignments.get(expert=experts["e1"])
        # 公示: "recognised" goes through a finalised 公示 (with an objection); "proposed" is on a published one.
        finalised = publicity_services.publicity_create(
            call=w["call"], user=city, title="拟认定名单公示（已认定）", start_date=dt.date(2026, 4, 3), working_days=5,
            contact_office="天门市经济和信息化局", contact_phone="0728-5221234")
        publicity_services.publicity_add_entries(publicity=finalised, application_ids=[apps["recognised"][0].pk],
                                                 user=city)
        publicity_services.publicity_publish(publicity=finalised, user=city, now=BEFORE)
        objection = publicity_services.objection_submit(
            publicity=finalised, entry=finalised.entries.get(), name="某公司", phone="13800000000", email="",
            content="该企业申报的关键指标数据与实际生产情况明显不符，请核实。", client_address="127.0.0.1", now=DURING,
            upload=SimpleUploadedFile("证据.pdf", minimal_pdf_bytes("证据"), content_type="application/pdf"))
        publicity_services.objection_handle(objection=objection, user=city, investigation="已核实",
                                            outcome=Objection.Outcome.NOT_UPHELD, reply="不成立")
        publicity_services.publicity_finalise(publicity=finalised, user=city, now=AFTER)
        published = publicity_services.publicity_create(
            call=w["call"], user=city, title="拟认定名单公示（公示中）", start_date=dt.date(2026, 4, 3), working_days=5,
            contact_office="天门市经济和信息化局", contact_phone="0728-5221234")
        publicity_services.publicity_add_entries(publicity=published, application_ids=[apps["proposed"][0].pk],
                                                 user=city)
        publicity_services.publicity_publish(publicity=published, user=city, now=BEFORE)
        draft_publicity = publicity_services.publicity_create(
            call=w["call"], user=city, title="拟认定名单公示（草稿）", start_date=dt.date(2026, 5, 8), working_days=5,
            contact_office="天门市经济和信息化局", contact_phone="0728-5221234")
        for state, (application, _) in apps.items():
            application.refresh_from_db()
            assert application.status == {"draft": State.DRAFT, "submitted": State.SUBMITTED,
                                          "returned": State.RETURNED, "received": State.RECEIVED,
                                          "expert_review": State.EXPERT_REVIEW,
                                          "expert_reviewed": State.EXPERT_REVIEWED,
                                          "recognised": State.RECOGNISED, "proposed": State.PROPOSED}[state], state

        def own(user, **more):
            return {**common, ENT_OWN: user, **more}

        objects: dict[str, list[Obj]] = {}
        objects["application"] = []
        objects["evidence"] = []
        for state in APP_STATES:
            application, user = apps[state]
            latest = application.latest_submission()
            application.receipt = latest.number if latest else "R-NONE"
            objects["application"].append(Obj(state, application, own(user)))
            objects["evidence"].append(Obj(state, application.evidence.get(topic="maturity_report"), own(user)))

        # A 推荐名单 of unit X with one recommended application on it; a batch run of the city.
        recommended, recommended_user = application_in_x("onlist")
        drive_to(recommended, State.TOWNSHIP_RECOMMENDED)
        # (unit X's list already exists, sent: the applications above were received from it)
        rlist, _ = RecommendationList.objects.get_or_create(call=w["call"], unit=x)
        RecommendationEntry.objects.create(recommendation_list=rlist, application=recommended,
                                           priority=rlist.entries.count() + 1, added_by=users["town_x"])
        objects["rlist"] = [Obj(rlist.status, rlist, own(recommended_user))]
        run = BatchRun.objects.create(action="city_receive", action_label="受理", actor=city)
        objects["batch_run"] = [Obj("done", run, own(users["ent_a"]))]

        # Document jobs.
        draft_app, draft_user = apps["draft"]
        submitted_app, submitted_user = apps["submitted"]
        own_job = document_services.start_bound_dossier(draft_app, draft_user)
        township_job = document_services.start_bound_dossier(submitted_app, users["town_x"])
        legacy = DocumentJob.objects.create(kind=DocumentJob.Kind.BOUND_DOSSIER, application=draft_app,
                                            call=w["call"], created_by=users["town_x"], status=DocumentJob.Status.DONE,
                                            result_name="申报材料（装订版）.pdf")
        legacy.result.save("legacy.pdf", ContentFile(minimal_pdf_bytes("草稿")), save=True)
        received_app, received_user = apps["received"]  # a 汇总表 holds applications on a sent 推荐名单
        summary_job = document_services.start_summary_export(call=w["call"], user=city,
                                                             application_ids=[received_app.pk], unit_name="", fmt="xlsx")
        for job in (own_job, township_job, summary_job):
            job.refresh_from_db()
            assert job.status == DocumentJob.Status.DONE, (job.kind, job.message)
        objects["job"] = [Obj("bound-draft-by-owner", own_job, own(draft_user)),
                          Obj("bound-submitted-by-township", township_job, own(submitted_user)),
                          Obj("legacy-draft-by-township", legacy, own(draft_user)),
                          Obj("summary-by-city", summary_job, own(received_user))]
        document_services.application_document(submitted_app, "application_pdf")
        code = VerificationCode.objects.filter(application=submitted_app).first()
        assert code is not None
        objects["verify_code"] = [Obj("issued", code, own(submitted_user)),
                                  Obj("unknown", Plain(code="AAAAAAAAAA"), own(submitted_user))]
        template = DocumentTemplate.objects.create(call=w["call"], kind=DocumentTemplate.Kind.APPLICATION_DOCX,
                                                   original_name="模板.docx", sha256="0" * 64, uploaded_by=city,
                                                   is_active=False)
        template.file.save("template.docx", ContentFile(b"PK"), save=False)
        template.preview.save("preview.docx", ContentFile(b"PK"), save=True)
        objects["template"] = [Obj("active", template, own(submitted_user))]
        objects["builtin_kind"] = [Obj("builtin", Plain(kind="application_docx"), own(submitted_user))]
        objects["call"] = [Obj("open", w["call"], own(submitted_user))]
        draft = DraftCreate(w["call"], pack_id=w["call"].call_pack.pack_id, version="2026.99", code=w["call"].code,
                            title=w["call"].title, year=w["call"].year).execute(city)
        objects["draft"] = [Obj("draft", draft, own(submitted_user))]
        whatif_run = whatif_services.start_whatif(draft=draft, call=w["call"], user=city)
        assert whatif_run.status == "done", whatif_run.message
        objects["whatif_run"] = [Obj("done", whatif_run, own(submitted_user))]
        archive_job = ArchiveJob.objects.create(call=w["call"], created_by=city, status=ArchiveJob.Status.DONE,
                                                result_name="归档包.zip")
        archive_job.result.save("archive.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=True)
        objects["archive_job"] = [Obj("done-by-city", archive_job, own(submitted_user))]
        objects["reset_link"] = [Obj("invalid", Plain(), own(submitted_user))]

        # Enterprises: a confirmed one and one waiting for its township.
        pending, pending_user = enterprise_in_x("pending")
        pending.status = pending.Status.PENDING
        pending.save(update_fields=["status"])
        objects["enterprise"] = [Obj("confirmed", submitted_app.enterprise, own(submitted_user)),
                                 Obj("pending", pending, own(pending_user))]
        # A bulk import of enterprises by unit X's township, checked and waiting for its confirmation.
        registry = EnterpriseImport.objects.create(created_by=users["town_x"], unit=x, file_name="名录.csv",
                                                   sha256="0" * 64, status=EnterpriseImport.Status.CHECKED,
                                                   total=1, valid=1)
        registry.file.save("registry.csv", ContentFile(b"x"), save=True)
        objects["enterprise_import"] = [Obj("checked", registry, own(submitted_user))]

        # Expert review objects.
        profile = experts["e4"].expert_profile
        relation = ExpertRelation.objects.create(profile=profile, enterprise=w["enterprises"]["b"],
                                                 kind=ExpertRelation.Kind.OTHER, note="亲属",
                                                 declared_by=city)
        objects["expert_profile"] = [Obj("active", profile, own(users["ent_a"]))]
        objects["expert_relation"] = [Obj("declared", relation, own(users["ent_b"]))]
        objects["rubric"] = [Obj("default", Rubric.objects.get(pk=active.rubric_id), own(users["ent_a"]))]
        session = ReviewSession.objects.create(call=w["call"], name="第一次评审会", date=dt.date(2026, 4, 8),
                                               created_by=city)
        session.experts.set([experts["e1"]])
        objects["review_session"] = [Obj("scheduled", session, own(users["ent_a"]))]
        review_user = apps["expert_review"][1]

        def assignment(state, a, user, expert):
            a.evidence_pk = a.application.evidence.get(topic="maturity_report").pk
            return Obj(state, a, own(user, **{EXPERT_ASSIGNED: expert}))

        objects["assignment"] = [assignment("active", active, review_user, experts["e1"]),
                                 assignment("withdrawn", withdrawn, review_user, experts["e2"]),
                                 assignment("submitted", scored, users["ent_a"], experts["e1"])]

        # On-site verification.
        objects["onsite_check"] = [Obj("open", check, own(users["ent_a"]))]
        objects["check_item"] = [Obj("open", item, own(users["ent_a"]))]
        objects["photo"] = [Obj("open", photo, own(users["ent_a"]))]

        # Notifications.
        notice = Notification.objects.create(recipient=submitted_user, kind="test", title="您的申报已受理",
                                             link="/applications/")
        objects["notification"] = [Obj("unread", notice, own(submitted_user))]

        # 公示.
        recognised_user = apps["recognised"][1]
        objects["publicity"] = [Obj("draft", draft_publicity, own(recognised_user)),
                                Obj("published", published, own(apps["proposed"][1])),
                                Obj("finalised", finalised, own(recognised_user))]
        objects["publicity_entry"] = [Obj("published", published.entries.get(), own(apps["proposed"][1]))]
        objects["objection"] = [Obj("handled", Objection.objects.get(pk=objection.pk), own(recognised_user))]
        day = CalendarDay.objects.create(date=dt.date(2026, 5, 1), kind=CalendarDay.Kind.HOLIDAY, note="劳动节",
                                         created_by=city)
        objects["calendar_day"] = [Obj("holiday", day, own(users["ent_a"]))]
        cls.objects = objects

    # --- checking -----------------------------------------------------------------------------------

    def outcome(self, response) -> str:
        if response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")):
            return "login"
        return str(response.status_code)

    def check_names(self, names):
        mismatches = []
        for name in sorted(names):
            entry = TABLE[name]
            for obj in self.objects[entry.kind]:
                url = reverse(name, args=entry.args(obj))
                for role in ROLES:
                    expected = entry.expect(role, obj.state)
                    if expected == "ok":
                        continue
                    user = obj.users[role]
                    if user is None:
                        self.client.logout()
                    else:
                        self.client.force_login(user)
                    response = self.client.post(url) if entry.post else self.client.get(url)
                    got = self.outcome(response)
                    if got != expected:
                        mismatches.append(f"{name} [{obj.state}] as {role}: expected {expected}, got {got} ({url})")
        self.assertEqual(mismatches, [], "\n" + "\n".join(mismatches))

    def names_in(self, *prefixes):
        return [name for name in TABLE if name.split(":")[0] in prefixes]

    def test_applications(self):
        self.check_names(self.names_in("applications"))

    def test_documents(self):
        self.check_names(self.names_in("documents"))

    def test_review_and_enterprises(self):
        self.check_names(self.names_in("review", "enterprises"))

    def test_experts_and_onsite(self):
        self.check_names(self.names_in("experts", "onsite"))

    def test_publicity_notifications_policy_accounts(self):
        self.check_names(self.names_in("publicity", "notifications", "policy", "accounts", "decisions", "whatif"))

    def test_api(self):
        self.check_names(self.names_in("api", "api_token_revoke"))

    def test_each_kind_answers_the_same_for_one_object_and_for_a_list(self):
        """``can_view_<kind>(user, obj)`` and ``<kinds>_visible_to(user)`` never disagree, for any role or state."""
        from tidu.applications import selectors as applications
        from tidu.documents import selectors as documents
        from tidu.enterprises import selectors as enterprises
        from tidu.experts import selectors as experts
        from tidu.notifications import selectors as notifications
        from tidu.onsite import selectors as onsite
        from tidu.publicity import selectors as publicity
        from tidu.review import selectors as review

        pairs = {
            "application": (applications.applications_visible_to, applications.can_view_application),
            "evidence": (applications.evidence_visible_to, applications.can_view_evidence),
            "enterprise": (enterprises.enterprises_visible_to, enterprises.can_view_enterprise),
            "rlist": (review.lists_visible_to, review.can_view_list),
            "assignment": (experts.assignments_visible_to, experts.can_view_assignment),
            "onsite_check": (onsite.checks_visible_to, onsite.can_view_check),
            "photo": (onsite.photos_visible_to, onsite.can_view_photo),
            "notification": (notifications.notifications_visible_to, notifications.can_view_notification),
            "objection": (publicity.objections_visible_to, publicity.can_view_objection),
            "publicity": (publicity.publicities_visible_to,
                          lambda user, obj: publicity.can_view_publicity(user, obj, internal=True)),
        }
        disagreements = []
        for kind, (visible_to, can_view) in pairs.items():
            for obj in self.objects[kind]:
                for role in ROLES:
                    user = obj.users[role] or AnonymousUser()
                    listed = visible_to(user).filter(pk=obj.pk).exists()
                    if listed != can_view(user, obj.target):
                        disagreements.append(f"{kind} [{obj.state}] as {role}: list {listed}, object {not listed}")
        for obj in self.objects["application"]:
            for role in ROLES:
                user = obj.users[role] or AnonymousUser()
                listed = documents.documents_visible_to(user).filter(application=obj.target).exists()
                if obj.target.documents.exists() and listed != documents.can_view_dossier(user, obj.target):
                    disagreements.append(f"documents of [{obj.state}] as {role}")
        for obj in self.objects["job"]:
            for role in ROLES:
                user = obj.users[role] or AnonymousUser()
                listed = documents.jobs_visible_to(user).filter(pk=obj.pk).exists()
                if documents.can_view_job(user, obj.target) and not listed:
                    disagreements.append(f"job [{obj.state}] as {role}")
        self.assertEqual(disagreements, [])

    def test_every_state_and_role_has_a_user(self):
        for kind, objs in self.objects.items():
            for obj in objs:
                self.assertEqual(set(obj.users), set(ROLES), kind)
        self.assertEqual([o.state for o in self.objects["application"]], list(APP_STATES))

    def test_django_admin_is_for_staff_only(self):
        """Django's /admin/ (left out of the table): every business role is sent to the admin login."""
        url = reverse("admin:accounts_user_change", args=[self.common[CITY].pk])
        for role in (ENT_OTHER, TOWN_OWN, CITY, EXPERT_ASSIGNED):
            self.client.force_login(self.common[role])
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, role)
            self.assertIn(reverse("admin:login"), response["Location"])


def test_the_table_has_exactly_the_urls_that_take_a_parameter():
    """A new URL with an object parameter fails here until the table says who may see it."""
    assert patterns_with_parameters() == set(TABLE), (
        f"missing from TABLE: {sorted(patterns_with_parameters() - set(TABLE))}; "
        f"no longer URLs: {sorted(set(TABLE) - patterns_with_parameters())}")


def test_the_pattern_walk_would_notice_a_new_url(monkeypatch):
    """The property above can fail: a URL added with an id is found by the walk and is not in the table."""
    from django.urls import include, path

    from tidu import urls

    def view(request, pk):  # pragma: no cover - never called
        raise AssertionError

    extra = path("extra/", include(([path("things/<int:pk>/", view, name="thing")], "extra")))
    monkeypatch.setattr(urls, "urlpatterns", [*urls.urlpatterns, extra])
    clear_url_caches()
    try:
        found = patterns_with_parameters()
    finally:
        monkeypatch.undo()
        clear_url_caches()
    assert "extra:thing" in found and "extra:thing" not in TABLE
    assert "applications:home" not in found  # a URL without a parameter is not an object URL
