"""Profiles through thehive4py's ``ProfileEndpoint``.

Mirrors thehive4py tests/test_profile_endpoint.py, plus the built-in profiles.
"""

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq, In
from thehive4py.query.sort import Asc


class TestProfileEndpoint:
    def test_create_and_get(self, thehive_admin: TheHiveApi):
        profile = thehive_admin.profile.create(profile={"name": "test-profile", "permissions": []})
        assert thehive_admin.profile.get(profile_id=profile["_id"]) == profile
        assert thehive_admin.profile.get(profile_id="test-profile") == profile

    def test_create_with_permissions(self, thehive_admin: TheHiveApi, test_config):
        permissions = ["manageCase/create", "manageAlert/create"]
        profile = thehive_admin.profile.create(profile={"name": "case-creator", "permissions": permissions})
        assert profile["_type"] == "Profile"
        assert profile["_createdBy"] == test_config.user
        assert profile["permissions"] == permissions
        assert profile["editable"] is True

    def test_builtin_profiles(self, thehive_admin: TheHiveApi):
        names = ["admin", "analyst", "org-admin", "read-only"]
        found = thehive_admin.profile.find(filters=In("name", names), sortby=Asc("name"))
        assert [p["name"] for p in found] == names
        by_name = {p["name"]: p for p in found}
        assert by_name["admin"]["forAdmin"] is True
        assert by_name["analyst"]["forOrg"] is True
        assert by_name["admin"]["editable"] is False

    def test_create_and_delete(self, thehive_admin: TheHiveApi, test_profile: dict):
        thehive_admin.profile.delete(profile_id=test_profile["_id"])
        with pytest.raises(TheHiveError):
            thehive_admin.profile.get(profile_id=test_profile["_id"])

    def test_admin_profile_cannot_be_deleted(self, thehive_admin: TheHiveApi):
        with pytest.raises(TheHiveError) as info:
            thehive_admin.profile.delete(profile_id="admin")
        assert 400 <= info.value.response.status_code < 500
        assert thehive_admin.profile.get("admin")["name"] == "admin"

    def test_update(self, thehive_admin: TheHiveApi, test_profile: dict):
        update_fields = {"name": "updated-test-profile", "permissions": ["manageAlert", "manageCase"]}
        thehive_admin.profile.update(profile_id=test_profile["_id"], fields=update_fields)
        updated = thehive_admin.profile.get(profile_id=test_profile["_id"])
        for field, value in update_fields.items():
            assert updated.get(field) == value

    def test_find_and_count(self, thehive_admin: TheHiveApi, test_profile: dict):
        filters = Eq("name", test_profile["name"])
        found = thehive_admin.profile.find(filters=filters)
        assert test_profile in found
        assert thehive_admin.profile.count(filters=filters) == len(found) == 1
