"""Append-only, hash-chained events: the evidence of what happened to each batch and notice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    RESIDENT = "resident", _("Resident")
    SYSTEM = "system", _("System")


class EvidenceChain(models.Model):
    """The head of one chain (one per batch), kept apart from its links to reveal truncation.

    Appending locks this row, so two writers cannot fork a chain.
    """

    key = models.CharField(max_length=64, unique=True)
    length = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.key} ({self.length})"


class Event(models.Model):
    chain = models.ForeignKey(EvidenceChain, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=64)
    occurred_at = models.DateTimeField(_("time"))
    actor_kind = models.CharField(_("actor"), max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["chain", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="event_unique_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.chain.key}#{self.sequence} {self.kind}"
