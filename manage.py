#!/usr/bin/env python3
"""Django's command-line utility for ImageHub (the same as `imagehub manage`)."""

import os
import sys


def main() -> None:
    """Run the Django management command named on the command line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagehub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
