"""`manage.py api_token USER NAME [--scope ROLE]`: a personal API token for USER, printed once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from builds.tokens import SCOPES, ScopeRefused, check_scope, issue_token


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it (it is shown only this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the account the token acts for")
        parser.add_argument("name", help="what the token is for, e.g. 'ci' or 'laptop'")
        parser.add_argument("--scope", default=SCOPES[0], choices=SCOPES,
                            help="the most the token may do, as a role the account holds (default: viewer)")

    def handle(self, *, username: str, name: str, scope: str, **options) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f'There is no active account "{username}".')
        try:
            check_scope(user, scope)
        except ScopeRefused as error:
            raise CommandError(str(error))
        self.stdout.write(issue_token(user, name, scope))
