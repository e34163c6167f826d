"""``manage.py load_demo``: the fictional town of Musterstadt, for development and demos.

The content is data (``cms/demo/musterstadt.toml``), loaded by ``cms/demo/loader.py``, which
writes accounts, roles and all participation data through the actions (checked and logged as
in the admin) and pages through Wagtail's API. Running it twice changes nothing. The demo
accounts (password ``mitreden-demo``) are for development only.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cms.demo.loader import DEMO_PASSWORD, DemoLoader, read_data


class Command(BaseCommand):
    help = "Load the Musterstadt demo content and demo accounts (idempotent)."

    def handle(self, *args, **options):
        loader = DemoLoader(read_data(), today=timezone.localdate(), say=self.stdout.write)
        with transaction.atomic():
            accounts = loader.load()
        if loader.created:
            self.stdout.write(self.style.SUCCESS("Created: " + ", ".join(loader.created)))
        else:
            self.stdout.write("Demo content is already complete; nothing changed.")
        self.stdout.write("")
        self.stdout.write("Demo accounts (development only), password: " + DEMO_PASSWORD)
        for user, role in accounts:
            self.stdout.write(f"  {user.email:<28} {role:<32} „{user.pseudonym}“")
