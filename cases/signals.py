"""After a guidance version is published, mark which cases it would change.

The comparison runs once the publication is committed, in the publishing
request, while few enough cases are waiting; past that it is left to
`manage.py check_cases_against_guidance`, and the reviewer's page says that
some cases are not yet compared.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from guidance.models import GuidanceVersion
from guidance.selectors import guidance_current

from .selectors import Outlook, case_review_list
from .services import cases_check_guidance

logger = logging.getLogger(__name__)

# A second or two of engine work; more would keep an editor's publish request waiting.
CHECK_IN_REQUEST_LIMIT = 10_000


@receiver(post_save, sender=GuidanceVersion, dispatch_uid="cases_check_on_publish")
def check_cases_on_publish(sender, instance, **kwargs):
    if instance.status == GuidanceVersion.Status.PUBLISHED:
        transaction.on_commit(lambda: check_cases_now(instance))


@receiver(post_migrate, dispatch_uid="cases_check_after_migrate")
def check_cases_after_migrate(sender, plan=None, **kwargs):
    """A data migration can publish guidance (v2 did): compare the cases then, as a publish does."""
    # Only after migrating forwards: backwards the tables may be gone, and nothing was published.
    if sender.name != "cases" or not plan or any(backwards for _, backwards in plan):
        return
    version = guidance_current()
    if version is not None and case_review_list(current_version=version.number, outlook=Outlook.UNCHECKED).exists():
        check_cases_now(version)


def check_cases_now(version):
    pending = case_review_list(current_version=version.number, outlook=Outlook.UNCHECKED)
    if pending[CHECK_IN_REQUEST_LIMIT:].exists():
        logger.warning(
            "Guidance v%s published: more than %s cases to compare with it; "
            "run `manage.py check_cases_against_guidance`.",
            version.number,
            CHECK_IN_REQUEST_LIMIT,
        )
        return
    checked, changing = cases_check_guidance(version=version)
    logger.info("Guidance v%s published: %s cases compared, %s would change.", version.number, checked, changing)
