"""client_ip(): X-Forwarded-For is believed for TRUSTED_PROXY_COUNT proxies, and no further."""

import pytest
from django.test import RequestFactory

from participation.client_addresses import client_ip


def request(peer="198.51.100.7", forwarded_for=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **headers)


def scope(peer="198.51.100.7", *forwarded_for):
    headers = [(b"host", b"example.org")]
    headers += [(b"X-Forwarded-For", value.encode()) for value in forwarded_for]
    return {"type": "websocket", "client": (peer, 51234), "headers": headers}


@pytest.mark.parametrize(
    ("count", "forwarded_for", "expected"),
    [
        (0, None, "198.51.100.7"),
        (0, "10.0.0.1", "198.51.100.7"),  # no proxy: the header is anybody's invention
        (1, None, "198.51.100.7"),  # past the proxy: the peer counts
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "10.0.0.1, 203.0.113.5", "203.0.113.5"),  # the client's own entry is ignored
        (2, "10.0.0.1, 203.0.113.5, 192.0.2.1", "203.0.113.5"),
        (2, "203.0.113.5", "198.51.100.7"),  # fewer entries than proxies: the peer counts
        (1, "not an address", "198.51.100.7"),
        (1, "203.0.113.5:4711", "203.0.113.5"),
        (1, "[2001:db8::1]:4711", "2001:db8::1"),
        (1, '"><script>', "198.51.100.7"),
    ],
)
def test_requests_and_sockets_count_by_the_same_address(settings, count, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request(forwarded_for=forwarded_for)) == expected
    headers = (forwarded_for,) if forwarded_for is not None else ()
    assert client_ip(scope("198.51.100.7", *headers)) == expected


def test_several_forwarded_for_headers_on_a_socket_count_as_one_list(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(scope("127.0.0.1", "10.0.0.1", "203.0.113.5")) == "203.0.113.5"


def test_an_unusable_peer_still_gives_an_address_to_count_by(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(peer="")) == "0.0.0.0"
    assert client_ip({"type": "websocket", "headers": []}) == "0.0.0.0"


@pytest.mark.parametrize(
    ("address", "counted"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
    ],
)
def test_limits_count_an_ipv6_client_by_its_64_network(address, counted):
    from participation.client_addresses import counted_network

    assert counted_network(address) == counted
