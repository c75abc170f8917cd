"""The project's own table: the heartbeat /healthz writes (and rolls back) to prove the database takes writes."""

from django.db import models


class Heartbeat(models.Model):
    """Never holds a row: /healthz inserts one and rolls it back."""

    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = "health check heartbeat"

    def __str__(self):
        return f"heartbeat {self.beat_at:%Y-%m-%d %H:%M:%S}"
