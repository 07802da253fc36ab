"""The dashboard benchmarks' setting: Django over a throwaway data directory, users, a populated catalog.

`use_data_dir(path)` must run before anything imports Django's settings; the
benchmark scripts call it first. The server under test (`imagehub serve` in a
subprocess, see tests/fixtures/dashboard.py) is then started on the same
directory, so it serves what was put there.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import statistics
import sys
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PASSWORD = "benchmark password 1"
TEN_SOURCES = REPO / "tests" / "bench" / "fixtures" / "ten_sources" / "ten_sources.pkr.hcl"
LABELS = ("aws", "gcp", "azure", "ubuntu", "debian", "rhel", "windows", "base", "web", "api", "worker", "db",
          "cache", "gpu", "arm64", "amd64", "hardened", "cis", "dev", "staging", "prod", "eu", "us", "ap",
          "docker", "k8s", "ci", "edge", "batch", "ml")
WORDS = ("ubuntu", "debian", "rhel", "windows", "alpine", "amazon", "rocky", "fedora")


def use_data_dir(path: Path) -> None:
    """Point Django at an empty data directory (SQLite, secret key) and set it up with its tables."""
    os.environ["IMAGEHUB_DATA_DIR"] = str(path)
    os.environ["DJANGO_SETTINGS_MODULE"] = "imagehub.settings"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_user(username: str, role_name: str):
    """Create a user with the role `role_name` (imagehub.roles.Role) and PASSWORD; return it."""
    from django.contrib.auth import get_user_model

    from imagehub.roles import Role, assign_role

    user = get_user_model().objects.create_user(username, password=PASSWORD)
    assign_role(user, Role[role_name])
    return user


def populate_catalog(templates: int, versions_per_template: int, owner) -> None:
    """Insert `templates` templates with `versions_per_template` versions each (one file per version).

    Each version holds the 216-line, ten-source fixture with a different
    image version stamped in, and the diagnostics and summary a save would
    have stored; each template has two labels.
    """
    from django.db import transaction
    from django.utils import timezone

    from imagehub import analysis
    from imagehub.models import Label, PackerTemplate, TemplateFile, TemplateVersion, content_hash

    text = TEN_SOURCES.read_text()
    found = analysis.check({"main.pkr.hcl": text})
    start = timezone.now() - timedelta(days=400)
    with transaction.atomic():
        labels = Label.objects.bulk_create([Label(id=n + 1, name=name) for n, name in enumerate(LABELS)])
        PackerTemplate.objects.bulk_create(
            PackerTemplate(
                id=t + 1,
                name=f"{WORDS[t % len(WORDS)]}-{LABELS[t % len(LABELS)]}-{t:04d}",
                slug=f"{WORDS[t % len(WORDS)]}-{LABELS[t % len(LABELS)]}-{t:04d}",
                description=f"Image {t} of the benchmark catalog. " * 8,
                owner=owner,
                created=start,
                updated=start + timedelta(minutes=t * 7),
            )
            for t in range(templates)
        )
        through = PackerTemplate.labels.through
        through.objects.bulk_create(
            through(packertemplate_id=t + 1, label_id=labels[(t + k * 7) % len(labels)].id)
            for t in range(templates)
            for k in range(2)
        )
        version_id = 0
        for t in range(templates):
            versions, files = [], []
            for number in range(1, versions_per_template + 1):
                version_id += 1
                body = text.replace('default     = "1.4.0"', f'default     = "1.{number}.{t}"')
                versions.append(TemplateVersion(
                    id=version_id, template_id=t + 1, number=number, author=owner,
                    created=start + timedelta(minutes=t * 7, seconds=number), message=f"Change {number}",
                    content_hash=content_hash({"main.pkr.hcl": body}), is_valid=True,
                    diagnostics=found.diagnostics, summary=found.summary,
                ))
                files.append(TemplateFile(version_id=version_id, name="main.pkr.hcl", content=body))
            TemplateVersion.objects.bulk_create(versions)
            TemplateFile.objects.bulk_create(files)
            PackerTemplate.objects.filter(id=t + 1).update(latest_version_id=version_id)


def signed_in_opener(base_url: str, username: str, password: str = PASSWORD) -> tuple[urllib.request.OpenerDirector, str]:
    """Sign in through the login form; return an opener carrying the session and the CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base_url + "/login/", timeout=30) as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', form).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password,
                                   "next": "/"}).encode()
    with opener.open(base_url + "/login/", data=body, timeout=30) as response:
        if not response.url.rstrip("/").endswith(base_url.split("//")[1]):
            raise RuntimeError(f"sign-in as {username} failed: ended at {response.url}")
    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    return opener, csrf


def process_cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) process `pid` has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """Return count, median, p95 and max of `seconds`, in milliseconds."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "median": statistics.median(ordered) * 1e3,
        "p95": p95 * 1e3,
        "max": ordered[-1] * 1e3,
    }
