"""Store the search index of the transcripts anew: after a bulk load that sent no signals,
or to check that it matches the text (--check changes nothing)."""
from django.core.management.base import BaseCommand, CommandError

from apps.projects.models import Project
from apps.search.index import passage_rows
from apps.search.models import Passage
from apps.search.services import passages_rebuild
from apps.transcripts.models import Transcript


class Command(BaseCommand):
    help = "Store the search index of every transcript (or one project's) anew, or --check it."

    def add_arguments(self, parser):
        parser.add_argument("--project", help="the project's address (slug); all projects when not given")
        parser.add_argument("--check", action="store_true", help="only report transcripts whose index differs")

    def handle(self, *args, project=None, check=False, **options):
        chosen = None
        if project:
            chosen = Project.objects.filter(slug=project).first()
            if chosen is None:
                raise CommandError(f"There is no project '{project}'.")
        if check:
            stale = self.stale(chosen)
            for title in stale:
                self.stdout.write(f"out of step: {title}")
            self.stdout.write(f"{len(stale)} transcript(s) out of step.")
            if stale:
                raise CommandError("The search index is out of step; run search_index without --check.")
            return
        n = passages_rebuild(project=chosen)
        self.stdout.write(self.style.SUCCESS(f"Stored the search index of {n} transcript(s)."))

    def stale(self, project) -> list[str]:
        transcripts = Transcript.objects.prefetch_related("turns").order_by("pk")
        if project is not None:
            transcripts = transcripts.filter(project=project)
        out = []
        for transcript in transcripts.iterator(chunk_size=50):
            wanted = [(r.paragraph, r.start, r.end, r.folded) for r in passage_rows(
                project_id=transcript.project_id, transcript_id=transcript.pk, text=transcript.text,
                turns=[(t.number, t.start, t.end) for t in transcript.turns.all()])]
            stored = list(Passage.objects.filter(transcript=transcript).order_by("start")
                          .values_list("paragraph", "start", "end", "folded"))
            if wanted != stored:
                out.append(transcript.title)
        return out
