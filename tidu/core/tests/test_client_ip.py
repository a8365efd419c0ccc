import pytest
from django.test import RequestFactory

from tidu.core.client_ip import client_address


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "192.0.2.1, 203.0.113.7", "10.0.0.2"),          # no proxy trusted: the header is ignored
    (1, "192.0.2.1, 203.0.113.7", "203.0.113.7"),       # nginx appended the real client: rightmost
    (2, "192.0.2.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
    (1, "", "10.0.0.2"),                                # header missing: the connection's address
    (2, "203.0.113.7", "10.0.0.2"),                      # fewer hops than proxies: not trusted
])
def test_client_address_trusts_only_what_the_proxies_appended(settings, proxies, forwarded, expected):
    settings.TIDU_TRUSTED_PROXIES = proxies
    settings.TIDU_CLIENT_IP_HEADER = ""
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_a_single_value_header_set_by_nginx(settings):
    settings.TIDU_TRUSTED_PROXIES = 1
    settings.TIDU_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.7",
                                   HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert client_address(request) == "203.0.113.7"
