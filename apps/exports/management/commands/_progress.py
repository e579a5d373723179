"""Progress bars for the export and import commands (rich), quiet when not on a terminal."""
from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def progress_bar(stderr=None):
    """Yields report(label, done, total) that drives one bar per label."""
    console = Console(stderr=True)
    bars: dict[str, int] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False, disable=not console.is_terminal) as progress:
        def report(label: str, done: int, total: int) -> None:
            if label not in bars:
                bars[label] = progress.add_task(label, total=total)
            progress.update(bars[label], completed=done, total=total)

        yield report


def project_or_error(slug: str):
    from apps.projects.models import Project

    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise CommandError(f"No project with the slug {slug!r}.")
    return project


def command_error(error: ValidationError) -> CommandError:
    return CommandError("; ".join(error.messages))
