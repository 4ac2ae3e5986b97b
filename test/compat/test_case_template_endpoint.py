"""Case templates through thehive4py's ``CaseTemplateEndpoint``.

Mirrors thehive4py tests/test_case_template_endpoint.py, plus creating a case from a template
(its tasks, tags and title prefix) and queries.
"""

from typing import List

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq, Like
from thehive4py.query.sort import Asc, Desc


class TestCaseTemplateEndpoint:
    def test_create_and_get(self, thehive: TheHiveApi):
        created = thehive.case_template.create(
            case_template={"name": "my first template", "description": "Template description"}
        )
        assert thehive.case_template.get(created["_id"]) == created
        assert thehive.case_template.get("my first template") == created

    def test_create_with_fields(self, thehive: TheHiveApi, test_config):
        created = thehive.case_template.create(
            case_template={
                "name": "phishing",
                "displayName": "Phishing",
                "titlePrefix": "[PHISH]",
                "description": "phishing investigation",
                "severity": 3,
                "tags": ["phishing"],
                "flag": True,
                "tlp": 1,
                "pap": 1,
                "summary": "template summary",
                "tasks": [{"title": "Collect headers", "order": 0}, {"title": "Block sender", "order": 1}],
            }
        )
        assert created["_type"] == "CaseTemplate"
        assert created["_createdBy"] == test_config.user
        assert created["displayName"] == "Phishing"
        assert created["titlePrefix"] == "[PHISH]"
        assert created["severity"] == 3
        assert created["severityLabel"] == "HIGH"
        assert created["tlpLabel"] == "GREEN"
        assert created["flag"] is True
        assert [t["title"] for t in created["tasks"]] == ["Collect headers", "Block sender"]
        assert thehive.case_template.get(created["_id"]) == created

    def test_create_case_from_template(self, thehive: TheHiveApi):
        thehive.case_template.create(
            case_template={
                "name": "incident",
                "titlePrefix": "[INC]",
                "description": "template description",
                "severity": 4,
                "tags": ["from-template"],
                "tasks": [{"title": "Contain"}, {"title": "Eradicate"}],
            }
        )
        case = thehive.case.create(
            case={"title": "server compromise", "description": "case description", "caseTemplate": "incident", "tags": ["own"]}
        )
        assert case["title"].startswith("[INC]")
        assert case["title"].endswith("server compromise")
        assert case["severity"] == 4
        assert {"from-template", "own"} <= set(case["tags"])
        tasks = thehive.case.find_tasks(case_id=case["_id"], sortby=Asc("title"))
        assert [t["title"] for t in tasks] == ["Contain", "Eradicate"]

    def test_update(self, thehive: TheHiveApi, test_case_template: dict):
        update_fields = {"name": "updated template name", "description": "updated template description"}
        thehive.case_template.update(case_template_id=test_case_template["_id"], fields=update_fields)
        updated = thehive.case_template.get(case_template_id=test_case_template["_id"])
        for key, value in update_fields.items():
            assert updated.get(key) == value
        assert updated["tags"] == test_case_template["tags"]

    def test_delete(self, thehive: TheHiveApi, test_case_template: dict):
        thehive.case_template.delete(case_template_id=test_case_template["_id"])
        with pytest.raises(TheHiveError):
            thehive.case_template.get(case_template_id=test_case_template["_id"])

    def test_link_and_find_page_templates(
        self, thehive: TheHiveApi, test_case_template: dict, test_page_templates: List[dict]
    ):
        page_template_ids = [p["_id"] for p in test_page_templates]
        thehive.case_template.link_page_templates(
            case_template_id=test_case_template["_id"], page_template_ids=page_template_ids
        )
        linked = thehive.case_template.find_page_templates(case_template_id=test_case_template["_id"])
        assert sorted(p["_id"] for p in linked) == sorted(page_template_ids)

    def test_find(self, thehive: TheHiveApi, test_case_templates: List[dict]):
        found = thehive.case_template.find()
        assert sorted(t["_id"] for t in found) == sorted(t["_id"] for t in test_case_templates)

    def test_find_with_filters_and_sort(self, thehive: TheHiveApi, test_case_templates: List[dict]):
        assert thehive.case_template.find(sortby=Desc("name")) == list(reversed(test_case_templates))
        assert thehive.case_template.find(filters=Eq("tags", "template-tag-2")) == [test_case_templates[1]]
        assert thehive.case_template.find(filters=Like("name", "my first*")) == [test_case_templates[0]]

    def test_templates_are_per_organisation(
        self, thehive: TheHiveApi, thehive_share: TheHiveApi, test_case_template: dict
    ):
        assert thehive_share.case_template.find() == []
        with pytest.raises(TheHiveError):
            thehive_share.case_template.get(test_case_template["_id"])
