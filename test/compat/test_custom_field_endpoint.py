"""Custom field definitions through thehive4py's ``CustomFieldEndpoint``.

Mirrors thehive4py tests/test_custom_field_endpoint.py, plus defaults and options.
"""

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError


class TestCustomFieldEndpoint:
    def test_create_and_list(self, thehive_admin: TheHiveApi):
        created = thehive_admin.custom_field.create(
            custom_field={
                "name": "my-field",
                "displayName": "My Field",
                "description": "...",
                "group": "default",
                "type": "string",
                "options": [],
            }
        )
        assert created in thehive_admin.custom_field.list()

    def test_create_fields(self, thehive_admin: TheHiveApi, test_config):
        created = thehive_admin.custom_field.create(
            custom_field={
                "name": "severity-score",
                "displayName": "Severity score",
                "description": "a number",
                "group": "scoring",
                "type": "integer",
                "options": [1, 2, 3],
                "mandatory": True,
            }
        )
        assert created["_type"] == "CustomField"
        assert created["_createdBy"] == test_config.user
        assert created["name"] == "severity-score"
        assert created["displayName"] == "Severity score"
        assert created["group"] == "scoring"
        assert created["type"] == "integer"
        assert created["options"] == [1, 2, 3]
        assert created["mandatory"] is True

    def test_list_is_visible_from_an_organisation(self, thehive: TheHiveApi, test_custom_field: dict, test_config):
        assert test_custom_field in thehive.custom_field.list()

    def test_delete(self, thehive_admin: TheHiveApi, test_custom_field: dict):
        thehive_admin.custom_field.delete(custom_field_id=test_custom_field["_id"])
        assert test_custom_field["_id"] not in [cf["_id"] for cf in thehive_admin.custom_field.list()]
        with pytest.raises(TheHiveError):
            thehive_admin.custom_field.delete(custom_field_id=test_custom_field["_id"])

    def test_update(self, thehive_admin: TheHiveApi, test_custom_field: dict):
        update_fields = {"displayName": "something else ...", "type": "float"}
        thehive_admin.custom_field.update(custom_field_id=test_custom_field["_id"], fields=update_fields)
        updated = [cf for cf in thehive_admin.custom_field.list() if cf["_id"] == test_custom_field["_id"]][0]
        for key, value in update_fields.items():
            assert updated.get(key) == value
        assert updated["name"] == test_custom_field["name"]
