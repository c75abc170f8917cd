"""After a guidance version is published, mark which cases it would change.

The comparison runs in the background (cases.marking, a django-tasks task),
queued once the publication is committed (an editor's publish, or one of
`manage.py load_guidance`), and after `migrate` for a comparison left
unfinished. Until it has been through every case, the reviewer's page says
that some cases are not yet compared.
"""

from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from guidance.models import GuidanceVersion
from guidance.selectors import guidance_current

from .marking import cases_mark_later, cases_pending


@receiver(post_save, sender=GuidanceVersion, dispatch_uid="cases_check_on_publish")
def check_cases_on_publish(sender, instance, **kwargs):
    # No case assessed under an older version (a new database, as load_guidance fills it): nothing to queue.
    if instance.status == GuidanceVersion.Status.PUBLISHED and cases_pending(instance).exists():
        cases_mark_later(version=instance)


@receiver(post_migrate, dispatch_uid="cases_check_after_migrate")
def check_cases_after_migrate(sender, plan=None, **kwargs):
    """Carry on a comparison a stopped worker left unfinished, since every deployment migrates.

    (Data migrations once published guidance here; the guidance is loaded by load_guidance now.)
    """
    # Only after migrating forwards: backwards the tables may be gone, and nothing was published.
    if sender.name != "cases" or not plan or any(backwards for _, backwards in plan):
        return
    version = guidance_current()
    if version is not None and cases_pending(version).exists():
        cases_mark_later(version=version)
