"""Records written once and then only read: the audit trail, assessments, feedback.

The model refuses to save a stored row again or to delete one; its queryset
refuses bulk update and delete, which would skip the model, and so does the
base manager Django uses for related objects. A delete through any other
queryset is stopped by `refuse_delete` (a pre_delete receiver, which also keeps
Django from deleting these rows without asking the model). Each model says in
its own words what it refuses, and may raise its own subclass of
AppendOnlyError (`refusal`).

Python is not the last word: database triggers, made by the migrations
audit/0009 and cases/0013, refuse UPDATE and DELETE of these tables on SQLite
and PostgreSQL, and TRUNCATE on PostgreSQL, whatever the SQL comes from.
"""

from django.db import models


class AppendOnlyError(Exception):
    """An attempt to change or delete an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise self.model.refusal(self.model.change_refused)

    def delete(self):
        raise self.model.refusal(self.model.delete_refused)

    def _raw_delete(self, using):
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
        # Related lookups and Django internals use the base manager: it refuses too.
        base_manager_name = "objects"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.refusal(self.change_refused)
        # An insert even when the object carries the key of a stored row, which it must not overwrite.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.refusal(self.delete_refused)


def refuse_delete(sender, instance, **kwargs):
    """pre_delete for every append-only model: `QuerySet(model=…).delete()` asks here, row by row."""
    if isinstance(instance, AppendOnlyModel):
        raise instance.refusal(instance.delete_refused)
