"""Keeps the stored case memberships (CaseMembership) in step with what the rule reads:
segments' ranges and trash state, segments' cases and transcripts' cases.

Receivers rather than calls in each service: the links also change in the cases app
(`transcript_cases_set`, `case_transcripts_set`), which must not import this one, and
the admin and the ORM change them too. Each receiver refreshes the smallest scope the
change can reach, in the writer's transaction; a service that makes several such changes
in one write collects them with `case_memberships_refreshed_once`. Bulk writes that send
no signals (bulk_create, queryset.update, a text edit's re-anchoring, a segment put in
the trash) call `case_membership_refresh` or `segment_memberships_refresh` themselves.
"""
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from apps.cases.models import Case

from .models import Segment
from .services import case_membership_refresh, segment_memberships_refresh

# A segment's membership changes with these fields only (its transcript never changes).
RULE_FIELDS = frozenset({"start", "end", "deleted_at"})


@receiver(post_save, sender=Segment, dispatch_uid="membership_segment_saved")
def _segment_saved(sender, instance: Segment, created: bool, raw: bool, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not RULE_FIELDS & set(update_fields)):
        return
    segment_memberships_refresh(instance, new=created)


@receiver(m2m_changed, sender=Segment.cases.through, dispatch_uid="membership_segment_cases")
def _segment_cases_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs):
    if not reverse:  # segment.cases.add/remove/set/clear: the segments it overlaps change with it
        if action in ("post_add", "post_remove") and pk_set or action == "post_clear":
            case_membership_refresh(project_id=instance.project_id, transcript_ids=[instance.transcript_id])
        return
    # case.segments...: `instance` is the case, `pk_set` the segments
    if action == "pre_clear":
        instance._membership_transcripts = _transcripts_of(instance.segments.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove") and pk_set:
        case_membership_refresh(project_id=instance.project_id, transcript_ids=_transcripts_of(pk_set))
    elif action == "post_clear":
        case_membership_refresh(project_id=instance.project_id,
                                transcript_ids=getattr(instance, "_membership_transcripts", []))


def _transcripts_of(segment_ids) -> list[int]:
    return list(Segment.all_objects.filter(pk__in=segment_ids).values_list("transcript_id", flat=True).distinct())


@receiver(m2m_changed, sender=Case.transcripts.through, dispatch_uid="membership_case_transcripts")
def _case_transcripts_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs):
    if reverse:  # transcript.cases...: `instance` is the transcript
        if action in ("post_add", "post_remove") and pk_set or action == "post_clear":
            case_membership_refresh(project_id=instance.project_id, transcript_ids=[instance.pk])
        return
    # case.transcripts...: `instance` is the case, `pk_set` the transcripts
    if action == "pre_clear":
        instance._membership_transcripts = list(instance.transcripts.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove") and pk_set:
        case_membership_refresh(project_id=instance.project_id, transcript_ids=pk_set)
    elif action == "post_clear":
        case_membership_refresh(project_id=instance.project_id,
                                transcript_ids=getattr(instance, "_membership_transcripts", []))

