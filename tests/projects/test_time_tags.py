"""`{{ when|ago }}` (apps/projects/templatetags/time_tags.py): Django's `timesince` words,
without its lazy translations."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone
from django.utils.timesince import timesince


@pytest.mark.parametrize("delta", [
    timedelta(0), timedelta(seconds=59), timedelta(minutes=1), timedelta(minutes=2, seconds=30),
    timedelta(hours=1, minutes=15), timedelta(hours=1), timedelta(days=1, hours=2), timedelta(days=16),
    timedelta(days=45), timedelta(days=400), timedelta(days=800), timedelta(minutes=-5),
])
def test_ago_says_what_django_s_timesince_says(delta):
    when = timezone.now() - delta  # both render within the same second
    rendered = Template("{% load time_tags %}{{ when|ago }}").render(Context({"when": when}))
    expected = Template("{{ when|timesince }}").render(Context({"when": when}))
    assert rendered == expected and rendered


def test_ago_says_one_and_many_as_english_does():
    from apps.projects.templatetags.time_tags import ago

    now = timezone.now()
    assert ago(now - timedelta(minutes=1, seconds=5)) == "1\xa0minute"
    assert ago(now - timedelta(days=14, hours=1)) == "2\xa0weeks"
    assert timesince(now - timedelta(days=14, hours=1)) == "2\xa0weeks"


def test_ago_of_nothing_is_nothing():
    assert Template("{% load time_tags %}[{{ when|ago }}]").render(Context({"when": None})) == "[]"
