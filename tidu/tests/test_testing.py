"""The test-data builder (``tidu.testing``): every state the lifecycle can reach, with its audit trail; valid
identities; enterprises through the registration operations when asked."""

from __future__ import annotations

import pytest

from tidu import testing as build
from tidu.accounts.models import Organisation
from tidu.applications.workflow import RETURN_TO, TRANSITIONS, State
from tidu.core.models import AuditEntry
from tidu.enterprises import credit_code
from tidu.enterprises.models import Enterprise
from tidu.review.models import RecommendationList

REACHABLE = [State.DRAFT, *build.PATH]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIDU_NOW = ""


@pytest.fixture
def world(db):
    call = build.load_call()
    x = build.unit("竟陵街道办事处")
    build.officer(x, "town_x")
    build.city_officer()
    enterprise = build.enterprise(x, "天门市华楚精密机械有限公司")
    build.enterprise_user(enterprise, "ent_a")
    return {"call": call, "unit": x, "enterprise": enterprise}


def _path_to(state):
    """The states from draft to ``state`` along the builder's PATH."""
    states = [state]
    while states[-1] != State.DRAFT:
        states.append(build.PATH[states[-1]][0])
    return states[::-1]


def test_path_covers_every_state_the_table_can_reach():
    targets = {row.target for row in TRANSITIONS if row.target != RETURN_TO}  # a return goes back to its source
    assert set(REACHABLE) >= targets | {State.DRAFT}
    assert {value for key, value in vars(State).items() if key.isupper()} == set(REACHABLE)


@pytest.mark.parametrize("state", REACHABLE)
def test_drive_to_reaches_the_state_with_one_audit_row_per_step(world, state):
    application = build.application(world["enterprise"], call=world["call"])
    build.drive_to(application, state)
    application.refresh_from_db()
    assert application.status == state
    steps = [(e.from_status, e.to_status) for e in application.events if e.from_status != e.to_status]
    expected = _path_to(state)
    # application_start writes the creation row ("" → draft), then one row per step of the path
    assert steps == [("", State.DRAFT), *zip(expected, expected[1:], strict=False)]
    actions = [e.action for e in application.events if e.from_status != e.to_status]
    assert all(actions), actions
    if state in (State.RECEIVED, State.RECOGNISED):  # 受理 only from the unit's sent 推荐名单
        rlist = RecommendationList.objects.get(call=world["call"], unit=world["unit"])
        assert rlist.entries.filter(application=application).exists()
        assert rlist.sent_at is not None


def test_drive_to_continues_from_where_the_application_is(world):
    application = build.application(world["enterprise"], call=world["call"], filled=True)
    build.drive_to(application, State.TOWNSHIP_RECOMMENDED)
    build.drive_to(application, State.FORMAL_PASSED)
    assert [e.to_status for e in application.events if e.from_status != e.to_status][-1] == State.FORMAL_PASSED
    with pytest.raises(ValueError):
        build.drive_to(application, State.DRAFT)


def test_credit_codes_are_valid_and_distinct():
    codes = {build.valid_credit_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert credit_code.validate(code) == code
    assert build.valid_credit_code(7) == build.valid_credit_code(7)


def test_enterprise_through_registration_is_audited(world):
    made = build.enterprise(world["unit"], "天门市新建机电有限公司", register=True, username="ent_new")
    assert made.status == Enterprise.Status.CONFIRMED
    assert made.organisation.parent == world["unit"]
    actions = list(AuditEntry.objects.filter(object_type="enterprise", object_id=made.pk)
                   .values_list("action", flat=True))
    assert len(actions) == 2, actions
    pending = build.enterprise(world["unit"], "天门市待确认机电有限公司", confirmed=False)
    assert pending.status == Enterprise.Status.PENDING


def test_expert_review_through_the_services(world):
    experts = [build.expert(f"e{n}", f"专家{n}", profile=True) for n in range(1, 4)]
    application = build.application(world["enterprise"], call=world["call"])
    build.expert_reviewed(application, experts)
    assert application.status == State.EXPERT_REVIEWED
    assert application.expert_assignments.count() == 3
    assert {e.to_status for e in application.events} >= {State.EXPERT_REVIEW, State.EXPERT_REVIEWED}


def test_city_officer_shares_one_bureau(db):
    first, second = build.city_officer("c1"), build.city_officer("c2")
    assert first.organisation == second.organisation
    assert first.organisation.kind == Organisation.Kind.CITY_BUREAU
