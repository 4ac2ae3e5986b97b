"""The Query API (POST /api/v1/query) through thehive4py's ``QueryEndpoint``.

Mirrors thehive4py tests/test_query_endpoint.py, plus hand-written query chains of the kind
the client builds (get/list operations, sub-entity traversal, filter, sort, page, count).
"""

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError

import pytest


class TestQueryEndpoint:
    def test_simple_query(self, thehive: TheHiveApi, test_alert: dict):
        assert thehive.query.run(query=[{"_name": "getAlert", "idOrName": test_alert["_id"]}]) == [test_alert]

    def test_get_case_by_id_and_by_number(self, thehive: TheHiveApi, test_case: dict):
        by_id = thehive.query.run(query=[{"_name": "getCase", "idOrName": test_case["_id"]}])
        by_number = thehive.query.run(query=[{"_name": "getCase", "idOrName": str(test_case["number"])}])
        assert [c["_id"] for c in by_id] == [c["_id"] for c in by_number] == [test_case["_id"]]

    def test_list_filter_sort_page(self, thehive: TheHiveApi):
        for i in range(4):
            thehive.case.create(case={"title": f"query case {i}", "description": "...", "severity": 1 + i % 2})
        result = thehive.query.run(
            query=[
                {"_name": "listCase"},
                {"_name": "filter", "_eq": {"_field": "severity", "_value": 2}},
                {"_name": "sort", "_fields": [{"title": "desc"}]},
                {"_name": "page", "from": 0, "to": 1, "extraData": []},
            ]
        )
        assert [c["title"] for c in result] == ["query case 3"]

    def test_count(self, thehive: TheHiveApi, test_cases: list):
        assert thehive.query.run(query=[{"_name": "listCase"}, {"_name": "count"}]) == len(test_cases)
        assert (
            thehive.query.run(
                query=[
                    {"_name": "listCase"},
                    {"_name": "filter", "_like": {"_field": "title", "_value": "*second*"}},
                    {"_name": "count"},
                ]
            )
            == 1
        )

    def test_traverse_case_tasks_and_task_logs(self, thehive: TheHiveApi, test_case: dict, test_task: dict, test_task_log: dict):
        tasks = thehive.query.run(query=[{"_name": "getCase", "idOrName": test_case["_id"]}, {"_name": "tasks"}])
        # (adding a log may start the task, so compare with the task as it is now)
        assert tasks == [thehive.task.get(test_task["_id"])]
        logs = thehive.query.run(query=[{"_name": "getTask", "idOrName": test_task["_id"]}, {"_name": "logs"}])
        assert logs == [test_task_log]
        assert thehive.query.run(query=[{"_name": "getLog", "idOrName": test_task_log["_id"]}]) == [test_task_log]

    def test_unknown_id_gives_empty_result_or_not_found(self, thehive: TheHiveApi):
        try:
            result = thehive.query.run(query=[{"_name": "getCase", "idOrName": "~987654321"}])
        except TheHiveError as err:
            assert err.response.status_code == 404
        else:
            assert result == []

    def test_unknown_operation_is_a_client_error(self, thehive: TheHiveApi):
        with pytest.raises(TheHiveError) as info:
            thehive.query.run(query=[{"_name": "listNothing"}])
        assert 400 <= info.value.response.status_code < 500

    def test_exclude_fields(self, thehive: TheHiveApi, test_case: dict):
        result = thehive.query.run(
            query=[{"_name": "getCase", "idOrName": test_case["_id"]}], exclude_fields=["description"]
        )
        assert len(result) == 1
        assert "description" not in result[0]
        assert result[0]["title"] == test_case["title"]

    def test_query_answers_match_get_answers(self, thehive: TheHiveApi, test_task: dict, test_observable: dict):
        assert thehive.query.run(query=[{"_name": "getTask", "idOrName": test_task["_id"]}]) == [
            thehive.task.get(test_task["_id"])
        ]
        assert thehive.query.run(
            query=[{"_name": "listObservable"}, {"_name": "filter", "_id": test_observable["_id"]}]
        ) == [thehive.observable.get(test_observable["_id"])]
