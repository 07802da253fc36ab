"""A URL under /api/v1/ that names nothing is a JSON 404 saying so, never the dashboard's HTML page."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_url_is_a_json_404_naming_it(client):
    response = client.get("/api/v1/templates/a%0Ab/versions/-3/")

    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("ImageHub's API has no URL /api/v1/templates/a\nb/versions/-3/.")


def test_a_url_missing_its_final_slash_is_told_the_one_that_exists(client):
    response = client.get("/api/v1/builds")

    assert response.status_code == 404
    assert "Did you mean /api/v1/builds/?" in response.json()["detail"]
    assert "Did you mean" not in client.get("/api/v1/nothing-here").json()["detail"]


def test_ids_longer_than_a_database_key_match_no_url(api, tokens):
    status, answer = api.get("builds/1234567890123456789/", tokens["viewer"])

    assert status == 404 and "has no URL" in answer["detail"]
    assert api.get("builds/123456789012345678/", tokens["viewer"]) == (
        404, {"detail": "ImageHub has no build #123456789012345678."})


def test_a_post_to_an_unknown_url_is_a_json_404_not_a_csrf_refusal(api, tokens):
    status, answer = api.post("templates/no%20such/versions/", {"files": {}}, tokens["editor"])

    assert status == 404 and answer["detail"].startswith("ImageHub's API has no URL /api/v1/templates/no such/")
