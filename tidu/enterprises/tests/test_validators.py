import pytest
from django.core.exceptions import ValidationError

from tidu.enterprises.validators import clean_phone


@pytest.mark.parametrize(("value", "expected"), [
    ("13907281234", "13907281234"), ("139 0728 1234", "13907281234"), ("139-0728-1234", "13907281234"),
    ("+86 139 0728 1234", "13907281234"), ("0086-13907281234", "13907281234"),
    ("0728-5221234", "0728-5221234"), ("07285221234", "07285221234"), ("(0728)5221234", "07285221234"),
    ("0728 5221234", "07285221234"), ("0728-5221234-801", "0728-5221234-801"),
    ("0728-5221234转801", "0728-5221234-801"), ("027-87654321", "027-87654321"), ("400-123-4567", "400-123-4567"),
    ("１３９０７２８１２３４", "13907281234"),
])
def test_accepted_phones(value, expected):
    assert clean_phone(value) == expected


@pytest.mark.parametrize("value", ["12345", "5221234", "1390728123", "139072812345", "12907281234", "电话",
                                   "0728-0221234", "abc-5221234", ""])
def test_rejected_phones(value):
    with pytest.raises(ValidationError) as caught:
        clean_phone(value)
    assert "联系电话" in caught.value.messages[0]
