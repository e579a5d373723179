"""The admin lists and opens saved searches and coding batches (read-only: no adding a batch by hand)."""
from django.urls import reverse

from apps.search.selectors import SearchParams
from apps.search.services import code_all, saved_search_create


def test_saved_searches_and_batches_open_in_the_admin(admin_client, project, study, owner, russian_interest):
    saved = saved_search_create(project=project, name="Kant", params=SearchParams(q="Kant"), actor=owner)
    batch, _ = code_all(project=project, params=SearchParams(q="Kant"), code=russian_interest, coder=owner)
    for url in (reverse("admin:search_savedsearch_changelist"), reverse("admin:search_codingbatch_changelist"),
                reverse("admin:search_savedsearch_change", args=[saved.pk]),
                reverse("admin:search_codingbatch_change", args=[batch.pk])):
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(reverse("admin:search_codingbatch_add")).status_code == 403
