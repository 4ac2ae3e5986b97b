"""Observable types through thehive4py's ``ObservableTypeEndpoint``.

Mirrors thehive4py tests/test_observable_type_endpoint.py, plus the built-in types.
"""

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq, In
from thehive4py.query.sort import Asc


class TestObservableTypeEndpoint:
    def test_create_and_get(self, thehive_admin: TheHiveApi):
        created = thehive_admin.observable_type.create({"name": "new-observable-type"})
        assert created["_type"] == "ObservableType"
        assert created["name"] == "new-observable-type"
        assert created["isAttachment"] is False
        assert thehive_admin.observable_type.get(created["_id"]) == created
        assert thehive_admin.observable_type.get("new-observable-type") == created

    def test_create_attachment_type(self, thehive_admin: TheHiveApi):
        created = thehive_admin.observable_type.create({"name": "memory-dump", "isAttachment": True})
        assert created["isAttachment"] is True

    def test_builtin_types(self, thehive: TheHiveApi):
        names = ["domain", "file", "fqdn", "ip", "mail", "other", "url"]
        found = thehive.observable_type.find(filters=In("name", names), sortby=Asc("name"))
        assert [t["name"] for t in found] == names
        assert {t["name"]: t["isAttachment"] for t in found}["file"] is True
        for builtin in found:
            assert builtin["_createdBy"] == "system@thehive.local"

    def test_find(self, thehive: TheHiveApi, test_observable_type: dict, test_config):
        assert thehive.observable_type.find(filters=Eq("name", test_observable_type["name"])) == [test_observable_type]

    def test_use_new_type(self, thehive: TheHiveApi, test_observable_type: dict, test_case: dict):
        created = thehive.observable.create_in_case(
            case_id=test_case["_id"], observable={"dataType": test_observable_type["name"], "data": "custom data"}
        )[0]
        assert created["dataType"] == test_observable_type["name"]

    def test_delete(self, thehive: TheHiveApi, test_observable_type: dict):
        thehive.observable_type.delete(test_observable_type["_id"])
        with pytest.raises(TheHiveError):
            thehive.observable_type.get(test_observable_type["_id"])
