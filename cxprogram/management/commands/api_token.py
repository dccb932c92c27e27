"""`manage.py api_token <username> [--revoke] [--regenerate]`: show, create, replace or revoke a user's API token."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print the API token of a user (created if missing); --regenerate replaces it, --revoke deletes it."

    def add_arguments(self, parser):
        parser.add_argument("username")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--revoke", action="store_true", help="Delete the user's token; requests with it fail.")
        group.add_argument("--regenerate", action="store_true", help="Replace the token with a new one.")

    def handle(self, *args, username: str, revoke: bool, regenerate: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if revoke:
            deleted, _ = Token.objects.filter(user=user).delete()
            self.stdout.write(f"Revoked the token of {username}." if deleted else f"{username} had no token.")
            return
        if regenerate:
            Token.objects.filter(user=user).delete()
        token, _created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
