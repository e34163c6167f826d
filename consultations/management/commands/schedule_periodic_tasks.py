from django.core.management.base import BaseCommand

from consultations import tasks


class Command(BaseCommand):
    help = (
        "Queue the next run of every periodic task that has none (safe to run any time; "
        "run it before the workers start)."
    )

    def handle(self, *args, **options):
        scheduled = tasks.schedule_periodic_tasks()
        for path in scheduled:
            self.stdout.write(f"Scheduled {path}.")
        if not scheduled:
            self.stdout.write("Every periodic task was scheduled already.")
