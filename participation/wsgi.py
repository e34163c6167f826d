"""WSGI entry point: pages and forms at city scale (gunicorn participation.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "participation.settings")

application = get_wsgi_application()
