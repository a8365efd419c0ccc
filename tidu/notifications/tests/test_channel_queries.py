"""Sending one notice to many people reads their channel choices once for the batch, not once per person."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tidu import testing
from tidu.notifications.services import deliver

pytestmark = pytest.mark.django_db


def preference_queries(queries) -> int:
    return sum(1 for query in queries if "notifications_channelpreference" in query["sql"]
               and query["sql"].lstrip().upper().startswith("SELECT"))


@pytest.mark.parametrize("people", [2, 12])
def test_channel_choices_are_read_once_per_batch(people):
    town = testing.unit("岳口镇", kind=testing.Organisation.Kind.TOWNSHIP)
    officers = [testing.officer(town, f"officer{n}", email=None) for n in range(people)]
    testing.channels(officers[0], email=False)  # one chose no e-mail; the others keep the default
    with CaptureQueriesContext(connection) as captured:
        created = deliver(officers, kind="test", title="推荐名单报送截止提醒", body="请按时报送。")
    assert len(created) == people
    assert preference_queries(captured.captured_queries) == 1
    assert officers[0].email not in [address for message in mail.outbox for address in message.to]
    assert len(mail.outbox) == people - 1
