"""Tasks through thehive4py's ``TaskEndpoint``.

Mirrors thehive4py tests/test_task_endpoint.py, plus defaults, filters, sort and pagination,
and sharing with the second organisation (upstream could only share with its own).
"""

from typing import List

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.helpers import now_to_ts
from thehive4py.query.filters import Eq, Like
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc, Desc


class TestTaskEndpoint:
    def test_create_and_get(self, thehive: TheHiveApi, test_case: dict):
        created_task = thehive.task.create(case_id=test_case["_id"], task={"title": "test task"})
        assert thehive.task.get(task_id=created_task["_id"]) == created_task

    def test_create_defaults(self, thehive: TheHiveApi, test_case: dict, test_config):
        task = thehive.task.create(case_id=test_case["_id"], task={"title": "defaults"})
        assert task["_type"] == "Task"
        assert task["_id"].startswith("~")
        assert task["_createdBy"] == test_config.user
        assert task["title"] == "defaults"
        assert task["group"] == "default"
        assert task["status"] == "Waiting"
        assert task["flag"] is False
        assert task["order"] == 0
        assert task["mandatory"] is False
        assert task["extraData"] == {}

    def test_create_with_fields(self, thehive: TheHiveApi, test_case: dict, test_config):
        due = now_to_ts() + 86_400_000
        task = thehive.task.create(
            case_id=test_case["_id"],
            task={
                "title": "detailed task",
                "group": "investigation",
                "description": "look into it",
                "status": "InProgress",
                "flag": True,
                "order": 3,
                "dueDate": due,
                "assignee": test_config.user,
                "mandatory": True,
            },
        )
        assert task["group"] == "investigation"
        assert task["description"] == "look into it"
        assert task["status"] == "InProgress"
        assert task["flag"] is True
        assert task["order"] == 3
        assert task["dueDate"] == due
        assert task["assignee"] == test_config.user
        assert task["mandatory"] is True
        assert thehive.task.get(task["_id"]) == task

    def test_delete(self, thehive: TheHiveApi, test_task: dict):
        thehive.task.delete(task_id=test_task["_id"])
        with pytest.raises(TheHiveError):
            thehive.task.get(task_id=test_task["_id"])

    def test_update(self, thehive: TheHiveApi, test_task: dict):
        update_fields = {"title": "updated task title", "status": "InProgress", "flag": True, "description": "now"}
        thehive.task.update(task_id=test_task["_id"], fields=update_fields)
        updated_task = thehive.task.get(task_id=test_task["_id"])
        for key, value in update_fields.items():
            assert updated_task.get(key) == value
        assert isinstance(updated_task["_updatedAt"], int)

    def test_complete(self, thehive: TheHiveApi, test_task: dict):
        thehive.task.update(task_id=test_task["_id"], fields={"status": "Completed"})
        completed = thehive.task.get(task_id=test_task["_id"])
        assert completed["status"] == "Completed"

    def test_bulk_update(self, thehive: TheHiveApi, test_tasks: List[dict]):
        thehive.task.bulk_update(fields={"ids": [t["_id"] for t in test_tasks], "title": "my updated task"})
        updated_tasks = thehive.task.find()
        assert len(updated_tasks) == len(test_tasks)
        for updated_task in updated_tasks:
            assert updated_task["title"] == "my updated task"

    def test_set_as_required_and_done(self, thehive: TheHiveApi, test_task: dict, test_config):
        organisation = test_config.main_org
        thehive.task.set_as_required(task_id=test_task["_id"], org_id=organisation)
        assert thehive.task.get_required_actions(task_id=test_task["_id"])[organisation] is True

        thehive.task.set_as_done(task_id=test_task["_id"], org_id=organisation)
        assert thehive.task.get_required_actions(task_id=test_task["_id"])[organisation] is False

    def test_share_with_own_organisation(self, thehive: TheHiveApi, test_task: dict, test_config):
        thehive.task.share(task_id=test_task["_id"], organisations=[test_config.main_org])
        assert thehive.task.list_shares(task_id=test_task["_id"]) == []

    def test_share_and_unshare_with_other_organisation(
        self, thehive: TheHiveApi, thehive_share: TheHiveApi, test_case: dict, test_task: dict, test_config
    ):
        # a task is shared with an organisation the case is shared with
        thehive.case.share(case_id=test_case["_id"], shares=[{"organisation": test_config.share_org}])
        thehive.task.share(task_id=test_task["_id"], organisations=[test_config.share_org])
        assert thehive_share.task.get(test_task["_id"])["title"] == test_task["title"]

        thehive.task.unshare(task_id=test_task["_id"], organisations=[test_config.share_org])
        with pytest.raises(TheHiveError):
            thehive_share.task.get(test_task["_id"])

    def test_find_and_count(self, thehive: TheHiveApi, test_tasks: List[dict]):
        filters = Eq("title", test_tasks[0]["title"]) | Eq("title", test_tasks[1]["title"])
        assert thehive.task.find(filters=filters, sortby=Asc("_createdAt")) == test_tasks
        assert thehive.task.count(filters=filters) == len(test_tasks)

    def test_find_with_filters_sort_and_pagination(self, thehive: TheHiveApi, test_case: dict):
        created = [
            thehive.task.create(
                case_id=test_case["_id"],
                task={"title": f"step {i}", "group": "even" if i % 2 == 0 else "odd", "order": 10 - i},
            )
            for i in range(5)
        ]
        assert thehive.task.count(filters=Eq("group", "even")) == 3
        by_order = thehive.task.find(sortby=Asc("order"))
        assert [t["_id"] for t in by_order] == [t["_id"] for t in reversed(created)]
        page = thehive.task.find(filters=Like("title", "step*"), sortby=Desc("title"), paginate=Paginate(0, 2))
        assert page == [created[4], created[3]]
        in_case = thehive.case.find_tasks(case_id=test_case["_id"], filters=Eq("group", "odd"), sortby=Asc("title"))
        assert in_case == [created[1], created[3]]

    def test_create_and_get_logs(self, thehive: TheHiveApi, test_task: dict):
        created_log = thehive.task.create_log(task_id=test_task["_id"], task_log={"message": "my test log"})
        assert created_log in thehive.task.find_logs(task_id=test_task["_id"])

    def test_tasks_of_deleted_case_are_gone(self, thehive: TheHiveApi, test_case: dict, test_task: dict):
        thehive.case.delete(test_case["_id"])
        with pytest.raises(TheHiveError):
            thehive.task.get(test_task["_id"])
        assert thehive.task.count() == 0
