"""Page templates through thehive4py's ``PageTemplateEndpoint``.

Mirrors thehive4py tests/test_page_template_endpoint.py, plus defaults and queries.
"""

from typing import List

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq
from thehive4py.query.sort import Asc, Desc


class TestPageTemplateEndpoint:
    def test_create_and_get(self, thehive: TheHiveApi):
        created = thehive.page_template.create(
            page_template={"title": "my page template", "category": "testing", "content": "..."}
        )
        assert thehive.page_template.get(created["_id"]) == created

    def test_create_fields(self, thehive: TheHiveApi, test_config):
        created = thehive.page_template.create(
            page_template={"title": "runbook", "category": "playbooks", "content": "# Steps", "order": 4}
        )
        assert created["_createdBy"] == test_config.user
        assert created["title"] == "runbook"
        assert created["category"] == "playbooks"
        assert created["content"] == "# Steps"
        assert created["order"] == 4
        assert created["extraData"] == {}

    def test_update(self, thehive: TheHiveApi, test_page_template: dict):
        update_fields = {"title": "updated page template name", "content": "updated page template description"}
        thehive.page_template.update(page_template_id=test_page_template["_id"], fields=update_fields)
        updated = thehive.page_template.get(page_template_id=test_page_template["_id"])
        for key, value in update_fields.items():
            assert updated.get(key) == value
        assert updated["category"] == test_page_template["category"]

    def test_delete(self, thehive: TheHiveApi, test_page_template: dict):
        thehive.page_template.delete(page_template_id=test_page_template["_id"])
        with pytest.raises(TheHiveError):
            thehive.page_template.get(page_template_id=test_page_template["_id"])

    def test_find(self, thehive: TheHiveApi, test_page_templates: List[dict]):
        found = thehive.page_template.find()
        assert sorted(t["_id"] for t in found) == sorted(t["_id"] for t in test_page_templates)

    def test_find_with_filters_and_sort(self, thehive: TheHiveApi, test_page_templates: List[dict]):
        assert thehive.page_template.find(sortby=Desc("title")) == [test_page_templates[1], test_page_templates[0]]
        assert thehive.page_template.find(sortby=Asc("title")) == test_page_templates
        assert thehive.page_template.find(filters=Eq("title", "my second page template")) == [test_page_templates[1]]
