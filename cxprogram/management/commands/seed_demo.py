"""`manage.py seed_demo`: the idempotent demo program; each app adds its part through its `demo` module, named in
the DEMO_SEEDERS setting."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

from cxprogram.demo import COMPANY, DemoOptions
from cxprogram.models import Unit

DEMO_COMPANY_CODE = COMPANY[0]


class Command(BaseCommand):
    help = "Create or update the demo program of a retailer, with the users lead, manager, alice and bob."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo", help="Password of every demo user (default: demo).")
        parser.add_argument(
            "--once", action="store_true", help="Do nothing if the demo company exists already (used by make run)."
        )
        parser.add_argument(
            "--responses", type=int, default=0, help="How many survey responses to generate (bulk inserts; default 0)."
        )
        parser.add_argument("--customers", type=int, default=2400, help="How many demo customers (default: 2400).")

    def handle(self, *args, password: str, customers: int, responses: int, once: bool, **options):
        if not password:
            raise CommandError("--password cannot be empty.")
        if customers < 0 or responses < 0:
            raise CommandError("--customers and --responses cannot be negative.")
        if once and Unit.objects.filter(code=DEMO_COMPANY_CODE).exists():
            self.stdout.write("The demo is already seeded; run seed_demo without --once to refresh it.")
            return
        demo_options = DemoOptions(password=password, customers=customers, responses=responses, log=self.stdout.write)
        with transaction.atomic():
            for seeder in settings.DEMO_SEEDERS:  # cxprogram ← surveys ← journeys ← kpis
                import_string(seeder)(demo_options)
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready. Sign in as lead, manager, alice or bob with the password “{password}”.")
        )
