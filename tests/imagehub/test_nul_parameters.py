"""Tests of imagehub.nul_parameters: a NUL in a query parameter is a clear 400, on pages and in the API."""

import pytest

from imagehub.nul_parameters import MESSAGE

pytestmark = pytest.mark.django_db


def test_a_page_asked_with_a_nul_in_a_parameter_is_a_bad_request(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nina"))
    response = client.get("/builds/?template=web%00x")
    assert response.status_code == 400 and response.content.decode() == MESSAGE


def test_the_api_answers_json(client):
    response = client.get("/api/v1/images/check?id=ami-1%00&region=eu-west-1")
    assert response.status_code == 400 and response.json() == {"detail": MESSAGE}


def test_other_parameters_pass(client):
    assert client.get("/login/?next=/templates/%20x").status_code == 200
