"""`manage.py api_token USER NAME`: a personal API token for USER (e.g. for `imagehub build`'s IMAGEHUB_TOKEN)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from builds.tokens import issue_token


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it (it is shown only this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the account the token acts for, with that account's roles")
        parser.add_argument("name", help="what the token is for, e.g. 'ci' or 'laptop'")

    def handle(self, *, username: str, name: str, **options) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f'There is no active account "{username}".')
        self.stdout.write(issue_token(user, name))
