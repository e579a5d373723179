"""A recording's file is removed from storage once its row is gone for good (deleted, or
its transcript or project deleted), after the transaction commits: a rolled-back delete
keeps its file."""
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Recording


@receiver(post_delete, sender=Recording)
def recording_file_remove(sender, instance: Recording, **kwargs):
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
