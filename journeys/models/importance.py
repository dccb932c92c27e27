"""Touchpoint importance computed in the background: a driver analysis over customers is too heavy for a page view,
so the map shows the figure stored for its period and scope, with the time it was computed."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from journeys.models.journeys import Journey, Touchpoint

__all__ = ["ImportanceRun", "TouchpointImportance"]


class ImportanceRun(models.Model):
    """A journey's touchpoint importance for one period and scope: asked for (`requested_at`, when a job was last
    queued) and, once a job has finished, computed (`computed_at`, the moment its figures are true of).

    `unit_id` and `segment_id` are plain numbers (0 = every unit, every segment): the scope's unit subtree and
    segment, like the map's filters. `basis` fingerprints what the figures were computed against (the outcome
    question and every measure), so figures of a journey changed since are never shown as its own."""

    journey = models.ForeignKey(
        Journey, verbose_name=_("journey"), on_delete=models.CASCADE, related_name="importance_runs"
    )
    date_from = models.DateField(_("first day"))
    date_to = models.DateField(_("last day"))
    unit_id = models.IntegerField(_("unit"), default=0)
    segment_id = models.IntegerField(_("segment"), default=0)
    basis = models.CharField(_("computed against"), max_length=64, blank=True)
    requested_at = models.DateTimeField(_("requested"))
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)

    class Meta:
        verbose_name = _("touchpoint importance computation")
        verbose_name_plural = _("touchpoint importance computations")
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "date_from", "date_to", "unit_id", "segment_id"], name="importance_run_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.journey_id} · {self.date_from} – {self.date_to} · {self.unit_id}/{self.segment_id}"


class TouchpointImportance(models.Model):
    """One touchpoint's importance in a computation: Pearson r over the customers who answered both (None when too
    few did or either side did not vary)."""

    run = models.ForeignKey(
        ImportanceRun, verbose_name=_("computation"), on_delete=models.CASCADE, related_name="figures"
    )
    touchpoint = models.ForeignKey(Touchpoint, verbose_name=_("touchpoint"), on_delete=models.CASCADE, related_name="+")
    r = models.FloatField(_("correlation"), null=True, blank=True)
    pairs = models.IntegerField(_("customers"))

    class Meta:
        verbose_name = _("touchpoint importance")
        verbose_name_plural = _("touchpoint importances")
        constraints = [models.UniqueConstraint(fields=["run", "touchpoint"], name="touchpoint_importance_once")]

    def __str__(self) -> str:
        return f"{self.touchpoint_id}: r = {self.r}"
