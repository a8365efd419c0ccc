"""applications reads review's "sent" status through the relation (no copy of the literal that could drift)."""

from tidu.applications.models import sent_list_status
from tidu.review.models import RecommendationList


def test_the_sent_status_applications_uses_is_the_one_review_declares():
    assert sent_list_status() == RecommendationList.Status.SENT
