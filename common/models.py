from django.db import models
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """A version column for optimistic locking: a stale second save is refused."""

    version = models.PositiveIntegerField(_("版"), default=1, editable=False)

    class Meta:
        abstract = True
