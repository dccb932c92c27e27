"""Recount the rollups (scores, choices, responses and comments, the cases' and, for all surveys, the customer counts)
from the raw rows (all surveys, or one)."""

from django.core.management.base import BaseCommand, CommandError

from surveys.models import Survey
from surveys.services.rollups_rebuild import rollups_rebuild


class Command(BaseCommand):
    help = "Recount the rollups from the raw responses and answers; submissions wait while it runs."

    def add_arguments(self, parser):
        parser.add_argument("--survey", help="public id of one survey (default: every survey)")

    def handle(self, *args, **options):
        survey = None
        if options["survey"]:
            survey = Survey.objects.filter(public_id=options["survey"]).first()
            if survey is None:
                raise CommandError(f"No survey with the public id {options['survey']!r}.")
        rows = rollups_rebuild(survey=survey)
        self.stdout.write(f"{rows} rollup groups counted.")
