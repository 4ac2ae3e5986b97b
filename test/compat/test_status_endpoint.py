"""Readiness, licence and error conventions the client and its integration harness rely on.

Upstream counterparts: thehive4py tests/utils.py (polls GET /api/status, reads
GET /api/v1/license/current before every session) and the error handling of
thehive4py/session.py (``TheHiveError("<type> - <message>")``).
"""

import requests

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.helpers import now_to_ts


class TestStatusEndpoint:
    def test_status_answers_without_authentication(self, test_config):
        response = requests.get(f"{test_config.url}/api/status", timeout=5)
        assert response.ok

    def test_license_fallback_expires_in_the_future(self, thehive: TheHiveApi):
        current_license = thehive.session.make_request("GET", "/api/v1/license/current")
        assert current_license["fallback"]["expiresAt"] > now_to_ts()

    def test_unknown_entity_is_a_not_found_error(self, thehive: TheHiveApi):
        with pytest.raises(TheHiveError) as info:
            thehive.case.get("~999999999")
        assert info.value.response is not None
        assert info.value.response.status_code == 404
        assert str(info.value).startswith("NotFoundError - ")

    def test_wrong_password_is_an_authentication_error(self, test_config):
        client = TheHiveApi(
            url=test_config.url, username=test_config.user, password="wrong-password", max_retries=0
        )
        with pytest.raises(TheHiveError, match="AuthenticationError") as info:
            client.user.get_current()
        assert info.value.response.status_code == 401

    def test_default_organisation_is_used_without_header(self, test_config):
        # no X-Organisation header: the user's default organisation (test-org) applies
        client = TheHiveApi(url=test_config.url, username=test_config.user, password=test_config.password, max_retries=0)
        case = client.case.create(case={"title": "no organisation header", "description": "..."})
        main = TheHiveApi(
            url=test_config.url,
            username=test_config.user,
            password=test_config.password,
            organisation=test_config.main_org,
            max_retries=0,
        )
        assert main.case.get(case["_id"]) == case
        assert client.user.get_current()["organisation"] == test_config.main_org

    def test_invalid_input_is_a_client_error_with_type_and_message(self, thehive: TheHiveApi):
        with pytest.raises(TheHiveError) as info:
            thehive.case.create(case={"description": "a case without title"})  # type: ignore[typeddict-item]
        response = info.value.response
        assert 400 <= response.status_code < 500
        body = response.json()
        assert isinstance(body.get("type"), str) and isinstance(body.get("message"), str)
        assert str(info.value) == f"{body['type']} - {body['message']}"
