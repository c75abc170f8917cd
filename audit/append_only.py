"""Records written once and then only read: the audit trail, assessments, feedback.

The model refuses to save a stored row again or to delete one; its queryset
refuses bulk update and delete, which would skip the model. Each model says in
its own words what it refuses, and may raise its own subclass of
AppendOnlyError (`refusal`).
"""

from django.db import models


class AppendOnlyError(Exception):
    """An attempt to change or delete an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise self.model.refusal(self.model.change_refused)

    def delete(self):
        raise self.model.refusal(self.model.delete_refused)

    update.queryset_only = True
    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    refusal = AppendOnlyError
    change_refused = "This record cannot be changed."
    delete_refused = "This record cannot be deleted."

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.refusal(self.change_refused)
        # An insert even when the object carries the key of a stored row, which it must not overwrite.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.refusal(self.delete_refused)
