"""Usage scenarios in the spirit of thehive4py's examples/ (run by upstream tests/test_examples.py):
case and alert creation with embedded tasks, pages, observables and procedures, raw dict
filters, switching organisation at runtime, API-key clients, several threads sharing one
client, and the permission and organisation boundaries a real deployment relies on.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.helpers import now_to_ts
from thehive4py.query.filters import Eq
from thehive4py.query.sort import Asc

from conftest import make_client


class TestCaseScenarios:
    def test_case_with_tasks_during_creation(self, thehive: TheHiveApi):
        # examples/case/tasks_during_creation.py
        case = thehive.case.create(
            case={
                "title": "case with tasks",
                "description": "a case enriched with tasks",
                "tasks": [
                    {"title": "Summarize", "description": "summarize the case"},
                    {"title": "Report", "description": "create a report"},
                ],
            }
        )
        tasks = thehive.case.find_tasks(case_id=case["_id"], sortby=Asc("title"))
        assert [t["title"] for t in tasks] == ["Report", "Summarize"]

    def test_case_with_pages_during_creation(self, thehive: TheHiveApi):
        # examples/case/pages_during_creation.py
        case = thehive.case.create(
            case={
                "title": "case with pages",
                "description": "a case enriched with pages",
                "pages": [
                    {"title": "Notes", "category": "default", "content": "Some notes."},
                    {"title": "Summary", "category": "default", "content": "Some summary."},
                ],
            }
        )
        pages = thehive.case.find_pages(case_id=case["_id"], sortby=Asc("title"))
        assert [(p["title"], p["content"]) for p in pages] == [("Notes", "Some notes."), ("Summary", "Some summary.")]

    def test_case_with_custom_fields_as_map(self, thehive: TheHiveApi, thehive_admin: TheHiveApi):
        thehive_admin.custom_field.create(
            custom_field={"name": "hits", "displayName": "Hits", "description": "...", "group": "default", "type": "integer"}
        )
        case = thehive.case.create(case={"title": "map custom fields", "description": "...", "customFields": {"hits": 42}})
        assert [(v["name"], v["type"], v["value"]) for v in case["customFields"]] == [("hits", "integer", 42)]
        thehive.case.update(case_id=case["_id"], fields={"customFields": {"hits": 43}})
        updated = thehive.case.get(case["_id"])
        assert [(v["name"], v["value"]) for v in updated["customFields"]] == [("hits", 43)]

    def test_task_with_task_log(self, thehive: TheHiveApi):
        # examples/case/task_with_task_log.py
        case = thehive.case.create(case={"title": "case with a task log", "description": "..."})
        task = thehive.task.create(case_id=case["_id"], task={"title": "Investigate"})
        log = thehive.task_log.create(task_id=task["_id"], task_log={"message": "found something"})
        assert thehive.task.find_logs(task_id=task["_id"]) == [log]

    def test_whole_case_lifecycle(self, thehive: TheHiveApi, test_config):
        case = thehive.case.create(case={"title": "lifecycle", "description": "from new to closed", "severity": 3})
        assert case["status"] == "New"
        thehive.case.update(case_id=case["_id"], fields={"status": "InProgress", "assignee": test_config.user})
        thehive.observable.create_in_case(case_id=case["_id"], observable={"dataType": "ip", "data": "203.0.113.9", "ioc": True})
        task = thehive.case.create_task(case_id=case["_id"], task={"title": "Contain"})
        thehive.task_log.create(task_id=task["_id"], task_log={"message": "host isolated"})
        thehive.task.update(task_id=task["_id"], fields={"status": "Completed"})
        thehive.comment.create_in_case(case_id=case["_id"], comment={"message": "closing soon"})
        thehive.case.close(case_id=case["_id"], status="TruePositive", summary="contained", impact_status="WithImpact")

        closed = thehive.case.get(case["_id"])
        assert (closed["status"], closed["stage"], closed.get("impactStatus")) == ("TruePositive", "Closed", "WithImpact")
        assert thehive.case.count(filters=Eq("status", "TruePositive")) == 1
        assert [o["data"] for o in thehive.case.find_observables(case_id=case["_id"], filters=Eq("ioc", True))] == [
            "203.0.113.9"
        ]
        assert thehive.task.get(task["_id"])["status"] == "Completed"


class TestAlertScenarios:
    def test_alert_with_observables_and_procedures_during_alerting(self, thehive: TheHiveApi):
        # examples/alert/observable_during_alerting.py
        alert = thehive.alert.create(
            alert={
                "type": "scenario",
                "source": "tutorial",
                "sourceRef": uuid.uuid4().hex,
                "title": "alert with observables",
                "description": "...",
                "observables": [
                    {"dataType": "ip", "data": "93.184.216.34"},
                    {"dataType": "domain", "data": "example.com"},
                ],
                "procedures": [{"occurDate": now_to_ts(), "patternId": "T1566", "tactic": "initial-access"}],
            }
        )
        assert alert["observableCount"] == 2
        assert sorted(o["data"] for o in thehive.alert.find_observables(alert["_id"])) == ["93.184.216.34", "example.com"]
        assert [p["patternId"] for p in thehive.alert.find_procedures(alert["_id"])] == ["T1566"]

    def test_find_with_raw_filters(self, thehive: TheHiveApi):
        # examples/alert/fetch_with_find.py
        for tag in ("antivirus", "phishing", "other"):
            thehive.alert.create(
                alert={
                    "type": "find-multiple",
                    "source": "tutorial",
                    "sourceRef": uuid.uuid4().hex,
                    "title": "alert to find",
                    "description": "an alert to find with others",
                    "tags": [tag],
                }
            )
        raw = {"_or": [{"_eq": {"_field": "tags", "_value": "antivirus"}}, {"_eq": {"_field": "tags", "_value": "phishing"}}]}
        assert len(thehive.alert.find(filters=raw)) == 2
        assert len(thehive.alert.find(filters=Eq("tags", "antivirus") | Eq("tags", "phishing"))) == 2

    def test_promote_alert_with_case_template(self, thehive: TheHiveApi):
        thehive.case_template.create(
            case_template={"name": "triage", "titlePrefix": "[TRIAGE]", "tasks": [{"title": "Qualify"}]}
        )
        alert = thehive.alert.create(
            alert={
                "type": "scenario",
                "source": "tutorial",
                "sourceRef": uuid.uuid4().hex,
                "title": "alert for a template",
                "description": "...",
                "caseTemplate": "triage",
            }
        )
        case = thehive.alert.promote_to_case(alert_id=alert["_id"])
        assert [t["title"] for t in thehive.case.find_tasks(case_id=case["_id"])] == ["Qualify"]


class TestClientScenarios:
    def test_organisation_during_runtime(self, test_config, thehive: TheHiveApi):
        # examples/client/org_during_runtime.py
        client = make_client(test_config, test_config.main_org)
        in_main = client.case.create(case={"title": "main org case", "description": "..."})
        client.session_organisation = test_config.share_org
        in_share = client.case.create(case={"title": "share org case", "description": "..."})
        assert [c["_id"] for c in client.case.find()] == [in_share["_id"]]
        client.session_organisation = test_config.main_org
        assert [c["_id"] for c in client.case.find()] == [in_main["_id"]]

    def test_apikey_client(self, test_config, thehive: TheHiveApi, thehive_admin: TheHiveApi):
        # examples/client/auth_with_apikey.py
        user = thehive.user.create(user={"login": "robot@example.com", "name": "Robot", "profile": "analyst"})
        key = thehive.user.renew_apikey(user_id=user["_id"])
        robot = TheHiveApi(url=test_config.url, apikey=key, organisation=test_config.main_org, max_retries=0)
        case = robot.case.create(case={"title": "made by a robot", "description": "..."})
        assert case["_createdBy"] == "robot@example.com"
        assert thehive.case.get(case["_id"])["_createdBy"] == "robot@example.com"

    def test_one_client_used_by_several_threads(self, thehive: TheHiveApi):
        def create(i: int) -> dict:
            return thehive.case.create(case={"title": f"threaded case {i}", "description": "...", "tags": ["threads"]})

        with ThreadPoolExecutor(max_workers=8) as pool:
            created = list(pool.map(create, range(24)))
        assert len({c["_id"] for c in created}) == 24
        assert len({c["number"] for c in created}) == 24
        assert thehive.case.count(filters=Eq("tags", "threads")) == 24

        with ThreadPoolExecutor(max_workers=8) as pool:
            fetched = list(pool.map(lambda c: thehive.case.get(c["_id"]), created))
        assert [f["_id"] for f in fetched] == [c["_id"] for c in created]


class TestBoundaries:
    def test_organisations_do_not_see_each_other(self, thehive: TheHiveApi, thehive_share: TheHiveApi, test_case: dict):
        assert thehive_share.case.find() == []
        with pytest.raises(TheHiveError) as info:
            thehive_share.case.get(test_case["_id"])
        assert info.value.response.status_code == 404

    def test_read_only_user_cannot_create(self, test_config, thehive: TheHiveApi):
        user = thehive.user.create(user={"login": "reader@example.com", "name": "Reader", "profile": "read-only"})
        thehive.user.set_password(user_id=user["_id"], password="reader-password")
        thehive.case.create(case={"title": "visible to the reader", "description": "..."})
        reader = make_client(test_config, test_config.main_org, username="reader@example.com", password="reader-password")
        assert [c["title"] for c in reader.case.find()] == ["visible to the reader"]
        with pytest.raises(TheHiveError) as info:
            reader.case.create(case={"title": "not allowed", "description": "..."})
        assert info.value.response.status_code == 403
        assert str(info.value).startswith("AuthorizationError - ")

    def test_analyst_cannot_manage_users(self, test_config, thehive: TheHiveApi):
        user = thehive.user.create(user={"login": "analyst@example.com", "name": "Analyst", "profile": "analyst"})
        thehive.user.set_password(user_id=user["_id"], password="analyst-password")
        analyst = make_client(test_config, test_config.main_org, username="analyst@example.com", password="analyst-password")
        assert analyst.case.create(case={"title": "allowed", "description": "..."})["title"] == "allowed"
        with pytest.raises(TheHiveError) as info:
            analyst.user.create(user={"login": "another@example.com", "name": "Another", "profile": "analyst"})
        assert info.value.response.status_code == 403

    def test_organisation_the_user_is_not_member_of(self, test_config, thehive: TheHiveApi):
        user = thehive.user.create(user={"login": "member@example.com", "name": "Member", "profile": "analyst"})
        thehive.user.set_password(user_id=user["_id"], password="member-password")
        outsider = make_client(test_config, test_config.share_org, username="member@example.com", password="member-password")
        with pytest.raises(TheHiveError) as info:
            outsider.case.find()
        assert info.value.response.status_code in (401, 403)
