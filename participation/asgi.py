"""ASGI entry point: HTTP and WebSockets in one process (make run), or /ws/ only at city scale."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "participation.settings")

# Django must be set up before anything imports models (the routing does).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from consultations.routing import websocket_urlpatterns  # noqa: E402

# Pages' sockets (/ws/live/) carry a signed token: the session is read only if the token does
# not suffice (consultations/live_tokens.py), so a connect usually touches no database. Every
# other socket loads the session and the user before routing, as Channels does.
PAGE_SOCKET_PATH = "/ws/live/"
page_sockets = SessionMiddlewareStack(URLRouter(websocket_urlpatterns))
other_sockets = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))


async def websockets(scope, receive, send):
    app = page_sockets if scope.get("path") == PAGE_SOCKET_PATH else other_sockets
    return await app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(websockets),
    }
)
