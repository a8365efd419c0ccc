"""Demo applications for the seed call: submitted ones and a ready-made draft. Who submitted on which day, the
drafts and the application returned for revision are demo data (tidu/core/demo_data/seed_call.yaml,
``applications``).

Submissions are dated inside the call window (the call closed on 2026-03-15), as if made then.
"""

import datetime as dt

from tidu.accounts.models import User
from tidu.applications import services
from tidu.applications.models import Application
from tidu.applications.testing import complete_section_data, fill_complete_application
from tidu.core import clock
from tidu.core.demo import at, demo_data, moment
from tidu.core.timezones import BEIJING
from tidu.enterprises.models import Enterprise
from tidu.policy.models import Call

_DATA = demo_data("seed_call")
CALL_CODE = _DATA["call"]
# username → day of February 2026 it was submitted (before the township deadline, 1 March)
SUBMITTED = _DATA["applications"]["submitted"]
# Drafts with only these sections filled in (the review demo may later complete and submit one).
DRAFTS = _DATA["applications"]["drafts"]


# Submitted, then returned for revision by the township with a reason per section, and a 补正期限 the officer
# entered (the 2026 call sets no default): DEMO_REVISION_DAYS days after the day the demo is loaded.
DEMO_REVISION_DAYS = 14
RETURNED_AT = moment(2, 20, 15)
DRAFTED_AT = moment(2, 5, 14)
# username → (officer who returned it, reason per section)
RETURNED = {username: (row["officer"], row["reasons"]) for username, row in _DATA["applications"]["returned"].items()}


def _user_and_enterprise(username):
    user = User.objects.get(username=username)
    return user, Enterprise.objects.get(organisation=user.organisation)


def load(out) -> list[tuple[str, str, str]]:
    call = Call.objects.get(code=CALL_CODE)
    created = 0
    for username, day in SUBMITTED.items():
        user, enterprise = _user_and_enterprise(username)
        if Application.objects.filter(enterprise=enterprise, call=call).exists():
            continue
        with at(moment(2, day - 3)):  # started and filled in a few days before it was submitted
            application = services.application_start(enterprise=enterprise, call=call, tier="basic", user=user)
            fill_complete_application(application, user)
        with at(dt.datetime(2026, 2, day, 10, 30, tzinfo=BEIJING)) as submitted_at:
            services.application_submit(application=application, user=user, idempotency_key=f"demo-{username}",
                                        now=submitted_at)
        created += 1
    for username, (officer, reasons) in RETURNED.items():
        _, enterprise = _user_and_enterprise(username)
        application = Application.objects.get(enterprise=enterprise, call=call)
        if application.status == "submitted":
            due = clock.business_today() + dt.timedelta(days=DEMO_REVISION_DAYS)  # from the day of loading
            with at(RETURNED_AT):
                services.application_transition(application=application, action="township_return",
                                                user=User.objects.get(username=officer),
                                                section_reasons=dict(reasons), due_date=due)
    for username, sections in DRAFTS.items():
        user, enterprise = _user_and_enterprise(username)
        if Application.objects.filter(enterprise=enterprise, call=call).exists():
            continue
        with at(DRAFTED_AT):
            application = services.application_start(enterprise=enterprise, call=call, tier="basic", user=user)
            data = complete_section_data(application)
            for row in application.sections.filter(key__in=sections):
                services.application_section_save(application=application, key=row.key, data=data[row.key],
                                                  base_revision=row.revision, user=user)
        created += 1
    out.write(f"申报：新建 {created} 份（已提交 {len(SUBMITTED)} 份，草稿 {len(DRAFTS)} 份）\n")
    return []
