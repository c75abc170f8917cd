"""After a guidance version is published, mark which cases it would change.

The comparison runs in the background (cases.marking, a django-tasks task),
queued once the publication is committed, once `manage.py load_guidance`
published the shipped versions, and after `migrate` for a comparison left
unfinished. Until it has been through every case, the reviewer's page says
that some cases are not yet compared.
"""

from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from guidance.loading import guidance_loaded
from guidance.models import GuidanceVersion
from guidance.selectors import guidance_current

from .marking import cases_mark_later, cases_pending


@receiver(post_save, sender=GuidanceVersion, dispatch_uid="cases_check_on_publish")
def check_cases_on_publish(sender, instance, **kwargs):
    if instance.status == GuidanceVersion.Status.PUBLISHED:
        cases_mark_later(version=instance)


@receiver(guidance_loaded, dispatch_uid="cases_check_after_load")
def check_cases_after_load(sender, version, **kwargs):
    """load_guidance published shipped versions, `version` the current one: compare the cases that wait, if any."""
    if cases_pending(version).exists():
        cases_mark_later(version=version)


@receiver(post_migrate, dispatch_uid="cases_check_after_migrate")
def check_cases_after_migrate(sender, plan=None, **kwargs):
    """Carry on a comparison a stopped worker left unfinished, since every deployment migrates."""
    # Only after migrating forwards: backwards the tables may be gone, and nothing was published.
    if sender.name != "cases" or not plan or any(backwards for _, backwards in plan):
        return
    version = guidance_current()
    if version is not None and cases_pending(version).exists():
        cases_mark_later(version=version)
