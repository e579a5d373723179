"""manage.py requeue_imports [--minutes N]: queue again the .qdpx imports, the search
indexing of long texts and the transcriptions of recordings that a worker that died
(killed, out of memory, a machine lost) left running. `make run` runs it before its worker;
in production run it from cron or before each worker starts (docs/deploy.md)."""
from datetime import timedelta

from django.core.management.base import BaseCommand

from apps.exports.services import qdpx_jobs_requeue_abandoned
from apps.media.services import transcription_jobs_requeue_abandoned
from apps.search.services import passages_index_requeue_abandoned


class Command(BaseCommand):
    help = "Queue again the .qdpx imports, search indexing and transcriptions left running by a worker that died."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=float, default=10.0,
                            help="without progress for this long, a running import counts as abandoned (default 10)")

    def handle(self, *args, minutes: float, **options):
        jobs = qdpx_jobs_requeue_abandoned(older_than=timedelta(minutes=minutes))
        jobs += passages_index_requeue_abandoned(older_than=timedelta(minutes=minutes))
        jobs += transcription_jobs_requeue_abandoned(older_than=timedelta(minutes=minutes))
        for job in jobs:
            self.stdout.write(f"queued again: {job.label} (job {job.pk})")
        self.stdout.write(f"{len(jobs)} abandoned job{'s' if len(jobs) != 1 else ''} queued again.")
