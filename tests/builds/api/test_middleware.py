"""The dashboard never loads Django REST framework: only requests under /api/ resolve against the API's URLconf."""

import json
import subprocess
import sys

import pytest

DASHBOARD_ONLY = """
import json, sys
import django
django.setup()
from django.core import checks
from django.test import Client
problems = [str(m) for m in checks.run_checks() if m.level >= checks.ERROR]
page = Client().get("/login/", HTTP_HOST="127.0.0.1")
loaded = sorted({name.split(".")[0] for name in sys.modules if name.split(".")[0] in ("rest_framework", "drf_spectacular")})
api = Client().get("/api/v1/schema/?format=json", HTTP_HOST="127.0.0.1")
print(json.dumps({"problems": problems, "page": page.status_code, "loaded_before_api": loaded,
                  "api": api.status_code, "loaded_after_api": "rest_framework" in sys.modules}))
"""


def test_dashboard_pages_and_checks_do_not_import_the_api_until_an_api_request(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": ".", "PATH": "/usr/bin:/bin",
           "IMAGEHUB_DATA_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", DASHBOARD_ONLY], capture_output=True, text=True, env=env,
                         timeout=120)

    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found == {"problems": [], "page": 200, "loaded_before_api": [], "api": 200, "loaded_after_api": True}


@pytest.mark.django_db
def test_an_unknown_url_under_api_outside_v1_is_a_json_404(client):
    response = client.get("/api/v2/templates/")

    assert response.status_code == 404 and response.json()["detail"].startswith(
        "ImageHub's API has no URL /api/v2/templates/.")
