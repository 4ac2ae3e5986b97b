"""Users through thehive4py's ``UserEndpoint``.

Mirrors thehive4py tests/test_user_endpoint.py, plus authentication with an API key, defaults
and queries.
"""

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq, Like
from thehive4py.query.sort import Asc


class TestUserEndpoint:
    def test_get_current(self, thehive: TheHiveApi, test_config):
        current_user = thehive.user.get_current()
        assert current_user["login"] == test_config.user
        assert current_user["organisation"] == test_config.main_org
        assert current_user["profile"] == "org-admin"
        assert current_user["hasPassword"] is True

    def test_current_user_in_admin_organisation(self, thehive_admin: TheHiveApi, test_config):
        current_user = thehive_admin.user.get_current()
        assert current_user["organisation"] == test_config.admin_org
        assert current_user["profile"] == "admin"

    def test_create_and_get(self, thehive: TheHiveApi):
        created_user = thehive.user.create(user={"login": "bailando@sin.ti", "name": "Bailando", "profile": "analyst"})
        created_again = thehive.user.create(user={"login": "bailando@sin.ti", "name": "Bailando", "profile": "analyst"})
        assert created_user == created_again
        assert thehive.user.get(created_user["_id"]) == created_user

    def test_create_defaults(self, test_user: dict, test_config):
        assert test_user["login"] == "user@example.com"
        assert test_user["name"] == "test user"
        assert test_user["email"] == "user@example.com"
        assert test_user["profile"] == "analyst"
        assert test_user["organisation"] == test_config.main_org
        assert test_user["hasKey"] is False
        assert test_user["hasPassword"] is False
        assert test_user["hasMFA"] is False
        assert test_user["locked"] is False
        assert test_user["type"] == "Normal"
        assert test_user["_createdBy"] == test_config.user

    def test_get_by_login(self, thehive: TheHiveApi, test_user: dict):
        assert thehive.user.get(test_user["login"]) == test_user

    def test_update(self, thehive: TheHiveApi, test_user: dict, test_config):
        update_fields = {
            "name": "Updated user",
            "profile": "read-only",
            "email": "whatever@example.com",
            "organisation": test_config.main_org,
        }
        thehive.user.update(user_id=test_user["_id"], fields=update_fields)
        updated_user = thehive.user.get(user_id=test_user["_id"])
        for field, value in update_fields.items():
            assert updated_user.get(field) == value

    def test_lock_and_unlock(self, thehive: TheHiveApi, test_user: dict):
        with pytest.deprecated_call():
            thehive.user.lock(user_id=test_user["_id"])
        assert thehive.user.get(user_id=test_user["_id"])["locked"] is True
        with pytest.deprecated_call():
            thehive.user.unlock(user_id=test_user["_id"])
        assert thehive.user.get(user_id=test_user["_id"])["locked"] is False

    def test_locked_user_cannot_log_in(self, thehive: TheHiveApi, test_user: dict, test_config):
        thehive.user.set_password(user_id=test_user["_id"], password="a-good-password")
        thehive.user.update(user_id=test_user["_id"], fields={"locked": True})
        locked = TheHiveApi(url=test_config.url, username=test_user["login"], password="a-good-password", max_retries=0)
        with pytest.raises(TheHiveError) as info:
            locked.user.get_current()
        assert info.value.response.status_code in (401, 403)

    def test_delete(self, thehive: TheHiveApi, test_user: dict):
        thehive.user.delete(user_id=test_user["_id"], organisation=test_user["organisation"])
        with pytest.raises(TheHiveError):
            thehive.user.get(user_id=test_user["_id"])

    def test_set_organisations(self, thehive: TheHiveApi, test_user: dict, test_config):
        organisations = [
            {"default": True, "organisation": test_user["organisation"], "profile": "analyst"},
            {"default": False, "organisation": test_config.admin_org, "profile": "admin"},
        ]
        assert thehive.user.set_organisations(user_id=test_user["_id"], organisations=organisations) == organisations

    def test_set_and_change_password(self, thehive: TheHiveApi, test_user: dict, test_config):
        assert test_user["hasPassword"] is False
        thehive.user.set_password(user_id=test_user["_id"], password="super-secruht!")
        assert thehive.user.get(test_user["_id"])["hasPassword"] is True

        as_user = TheHiveApi(url=test_config.url, username=test_user["login"], password="super-secruht!", max_retries=0)
        user_with_password = as_user.user.get_current()
        assert user_with_password["login"] == test_user["login"]

        as_user.user.change_password(
            user_id=user_with_password["login"], password="l4m0u|2t0uj0u|25", current_password="super-secruht!"
        )
        with pytest.raises(TheHiveError, match="AuthenticationError"):
            as_user.user.get_current()
        as_user_new = TheHiveApi(url=test_config.url, username=test_user["login"], password="l4m0u|2t0uj0u|25", max_retries=0)
        assert as_user_new.user.get_current()["login"] == test_user["login"]

    def test_renew_get_and_remove_apikey(self, thehive: TheHiveApi, test_user: dict, test_config):
        assert test_user["hasKey"] is False
        renewed = thehive.user.renew_apikey(user_id=test_user["_id"])
        apikey = thehive.user.get_apikey(user_id=test_user["_id"])
        assert isinstance(apikey, str) and apikey
        assert renewed == apikey
        assert thehive.user.get(user_id=test_user["_id"])["hasKey"] is True

        with_key = TheHiveApi(url=test_config.url, apikey=apikey, max_retries=0)
        assert with_key.user.get_current()["login"] == test_user["login"]

        thehive.user.remove_apikey(user_id=test_user["_id"])
        assert thehive.user.get(user_id=test_user["_id"])["hasKey"] is False
        with pytest.raises(TheHiveError) as info:
            with_key.user.get_current()
        assert info.value.response.status_code == 401

    def test_find_and_count(self, thehive: TheHiveApi, test_user: dict):
        user_filters = Eq("login", test_user["login"])
        found_users = thehive.user.find(filters=user_filters)
        assert found_users == [test_user]
        assert thehive.user.count(filters=user_filters) == 1

    def test_find_sorted(self, thehive: TheHiveApi, test_config):
        created = [
            thehive.user.create(user={"login": f"{name}@example.com", "name": name, "profile": "analyst"})
            for name in ("carol", "alice", "bob")
        ]
        found = thehive.user.find(filters=Like("login", "*@example.com"), sortby=Asc("login"))
        assert [u["login"] for u in found] == ["alice@example.com", "bob@example.com", "carol@example.com"]
        assert sorted(found, key=lambda u: u["_id"]) == sorted(created, key=lambda u: u["_id"])

    def test_admin_organisation_lists_users_of_every_organisation(
        self, thehive_admin: TheHiveApi, test_user: dict
    ):
        # thehive4py's reset lists users from the admin organisation to delete them
        found = thehive_admin.user.find(filters=Eq("login", test_user["login"]))
        assert [u["_id"] for u in found] == [test_user["_id"]]
