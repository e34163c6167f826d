"""The address a request or a socket really comes from: the one thing every limit counts by.

Anybody can send ``X-Forwarded-For``. It is believed only as far as ``TRUSTED_PROXY_COUNT``
says: with ``N`` trusted proxies in front of the app, the ``N``-th address from the right is the
one the outermost trusted proxy saw (each proxy appends the address it was connected from).
With ``0`` (no proxy, the default) the header is ignored and the socket's peer counts. A
request that reached the app past the proxies (too few entries) counts by its peer, which it
cannot forge. The same rule applies to HTTP requests and to WebSocket scopes.

The ASGI server must not rewrite the peer address from the header on its own: uvicorn does so
for connections from 127.0.0.1 unless started with ``--no-proxy-headers`` (see README,
"Client addresses behind proxies").
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

# Counted by when a request names no usable address at all (never bound to).
UNKNOWN = "0.0.0.0"


def _clean(value: str | None) -> str | None:
    """A canonical IP address, or None for anything else (ports and brackets removed)."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _from_headers(forwarded_for: str | None, peer: str | None) -> str:
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if count > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",")]
        if len(hops) >= count:
            address = _clean(hops[-count])
            if address:
                return address
    return _clean(peer) or UNKNOWN


def client_ip(request_or_scope) -> str:
    """The client's address for a Django request or an ASGI (WebSocket) scope."""
    if isinstance(request_or_scope, dict):
        scope = request_or_scope
        forwarded_for = None
        for name, value in scope.get("headers") or ():
            if name.lower() == b"x-forwarded-for":
                # Several headers count as one comma-separated list (RFC 9110, 5.3).
                text = value.decode("latin-1")
                forwarded_for = f"{forwarded_for}, {text}" if forwarded_for else text
        client = scope.get("client") or (None, None)
        return _from_headers(forwarded_for, client[0])
    request = request_or_scope
    return _from_headers(request.META.get("HTTP_X_FORWARDED_FOR"), request.META.get("REMOTE_ADDR"))


def counted_network(address: str) -> str:
    """What a per-address limit counts by: the address, or for IPv6 its /64 network (one
    household or server gets a whole /64 and could rotate through it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network(f"{ip}/64", strict=False).network_address) + "/64"
