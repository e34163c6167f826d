from django.core.management.base import BaseCommand

from consultations.realtime import EVENT_RETENTION, prune_events


class Command(BaseCommand):
    help = (
        "Delete live events older than the catch-up window now. The worker does this daily "
        "(consultations.tasks.housekeeping); this command is for a site run without workers."
    )

    def handle(self, *args, **options):
        deleted = prune_events()
        self.stdout.write(f"Deleted {deleted} live events older than {EVENT_RETENTION}.")
