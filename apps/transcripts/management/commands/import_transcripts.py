"""python manage.py import_transcripts PATH... --project SLUG [--expert E3] [--pseudonyms FILE]
[--allow-duplicates] [--user NAME] [--reject-label LABEL] [--take-label LABEL]
[--merge-label "LABEL -> INTO"] [--whole-page]

Imports each file (a directory: the transcript files in it) through the same service as
the upload page: each file all or nothing, one bad file does not stop the others. Prints
which files went in and why the others did not; the exit status is 1 if any file was not
imported. The label options are the corrections of the upload page's preview, for every
file: a label that is not a speaker, one that is, two spellings of one speaker.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from apps.projects.access import CODE, can, membership_for
from apps.projects.models import Project, Role
from apps.transcripts.importers import EXTENSIONS
from apps.transcripts.services import ImportFile, ImportStatus, pseudonym_mapping_parse, transcript_import_files
from apps.transcripts.text import SpeakerChoices


@contextmanager
def progress_bar(console: Console, *, show: bool):
    """Yields report(label, done, total): one bar per stage ("Reading", "Storing")."""
    bars: dict[str, int] = {}
    with Progress(TextColumn("{task.description:8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False, disable=not show) as progress:
        def report(label: str, done: int, total: int) -> None:
            if label not in bars:
                bars[label] = progress.add_task(label, total=total)
            progress.update(bars[label], completed=done, total=total)

        yield report


class Command(BaseCommand):
    help = "Import transcript files into a project: each file all or nothing, with a summary of which went in."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, or directories of transcript files")
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("--expert", default="", help="the expert of every file (default: E<n> from each file "
                                                         "name, else a new E<n>)")
        parser.add_argument("--pseudonyms", default="", metavar="FILE",
                            help="a text file of 'Ivan Petrov -> E3' lines: names replaced in the texts")
        parser.add_argument("--allow-duplicates", action="store_true",
                            help="import a text even if the same text is in the project already")
        parser.add_argument("--user", default="", help="who imports (default: the project's first owner)")
        parser.add_argument("--progress", action="store_true",
                            help="show the progress bar even when the output is not a terminal")
        parser.add_argument("--reject-label", action="append", default=[], metavar="LABEL",
                            help="a label that is not a speaker (its lines stay in the speech); repeatable")
        parser.add_argument("--take-label", action="append", default=[], metavar="LABEL",
                            help="a label that is a speaker although it was not taken; repeatable")
        parser.add_argument("--merge-label", action="append", default=[], metavar="'LABEL -> INTO'",
                            help="two spellings of one speaker: LABEL's turns go to INTO; repeatable")
        parser.add_argument("--whole-page", action="store_true",
                            help="keep all of a web page, its navigation and footer too")

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {options['project']!r}.")
        user = self._user(project, options["user"])
        mapping = self._mapping(options["pseudonyms"])
        speakers = self._speaker_choices(options)
        files, missing = self._files(options["paths"], expert=options["expert"],
                                     allow_duplicate=options["allow_duplicates"], speakers=speakers,
                                     whole_page=options["whole_page"])
        console = Console(file=self.stderr._out, force_terminal=True if options["progress"] else None,
                          width=100 if options["progress"] else None, highlight=False)
        try:
            with progress_bar(console, show=options["progress"] or console.is_terminal) as progress:
                results = transcript_import_files(project=project, files=files, mapping=mapping, actor=user,
                                                  progress=progress)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages))
        failed = missing + [r for r in results if r.status != ImportStatus.STORED]
        self._summary(results, missing)
        if failed:
            raise CommandError(f"{len(failed)} of {len(files) + len(missing)} files were not imported.")

    def _user(self, project: Project, username: str):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}.")
            if not can(membership_for(user, project), CODE):
                raise CommandError(f"{username} is not an owner or coder of {project.slug}; only they may import.")
            return user
        membership = project.memberships.filter(role=Role.OWNER).select_related("user").order_by("created_at").first()
        if membership is None:
            raise CommandError(f"The project {project.slug} has no owner; pass --user.")
        return membership.user

    def _mapping(self, path: str) -> list[tuple[str, str]]:
        if not path:
            return []
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read the pseudonyms file {path}: {error}")
        try:
            return pseudonym_mapping_parse(text)
        except ValidationError as error:
            raise CommandError(f"{path}: " + " ".join(error.messages))

    def _speaker_choices(self, options) -> SpeakerChoices:
        merges = []
        for value in options["merge_label"]:
            label, arrow, into = value.partition("->")
            if not arrow or not label.strip() or not into.strip():
                raise CommandError(f"--merge-label {value!r}: write the label, '->' and the speaker, "
                                   "e.g. 'Putin -> Vladimir Putin'.")
            merges.append((label.strip(), into.strip()))
        return SpeakerChoices.of(reject=options["reject_label"], take=options["take_label"], merge=merges)

    def _files(self, paths: list[str], *, expert: str, allow_duplicate: bool, speakers: SpeakerChoices,
               whole_page: bool):
        files: list[ImportFile] = []
        missing: list[tuple[str, str]] = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)
                if not found:
                    missing.append((raw, f"{raw}: the directory holds no transcript files ({', '.join(EXTENSIONS)})"))
            elif path.is_file():
                found = [path]
            else:
                missing.append((raw, f"{raw}: no such file"))
                continue
            for p in found:
                files.append(ImportFile(p.name, p.stat().st_size, p.read_bytes, expert=expert,
                                        allow_duplicate=allow_duplicate, speakers=speakers, whole_page=whole_page))
        return files, missing

    def _summary(self, results, missing) -> None:
        console = Console(file=self.stdout._out, highlight=False, soft_wrap=True)
        stored = [r for r in results if r.status == ImportStatus.STORED]
        if stored:
            table = Table(title=f"Imported {len(stored)} of {len(results) + len(missing)} files", title_justify="left")
            for column in ("file", "transcript", "expert", "words", "speakers"):
                table.add_column(column, justify="right" if column == "words" else "left")
            for r in stored:
                speakers = ", ".join(f"{name} ({turns})" for name, turns in r.speakers) or "none found"
                table.add_row(r.filename, r.transcript.title, r.expert + (" (new)" if r.expert_is_new else ""),
                              str(r.words), speakers)
            console.print(table)
        else:
            console.print(f"Imported 0 of {len(results) + len(missing)} files.")
        for r in stored:
            for warning in r.warnings:
                console.print(f"  warning: {warning}")
        not_imported = [reason for _, reason in missing]
        not_imported += [r.reason for r in results if r.status != ImportStatus.STORED]
        if not_imported:
            console.print("Not imported:")
            for reason in not_imported:
                console.print(f"  {reason}")
            if any(r.status == ImportStatus.DUPLICATE for r in results):
                console.print("  (add --allow-duplicates to import the duplicates anyway)")
