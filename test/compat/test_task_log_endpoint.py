"""Task logs through thehive4py's ``TaskLogEndpoint``.

Mirrors thehive4py tests/test_task_log_endpoint.py, plus defaults and queries of the logs of
a task.
"""

from pathlib import Path
from typing import List

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.helpers import now_to_ts
from thehive4py.query.filters import Eq
from thehive4py.query.sort import Asc, Desc


class TestTaskLogEndpoint:
    def test_create_and_get(self, thehive: TheHiveApi, test_task: dict):
        created_log = thehive.task_log.create(
            task_id=test_task["_id"],
            task_log={"message": "My test log", "includeInTimeline": now_to_ts(), "startDate": now_to_ts()},
        )
        assert thehive.task_log.get(task_log_id=created_log["_id"]) == created_log

    def test_create_defaults(self, thehive: TheHiveApi, test_task: dict, test_config):
        log = thehive.task_log.create(task_id=test_task["_id"], task_log={"message": "plain"})
        assert log["_type"] == "Log"
        assert log["_createdBy"] == test_config.user
        assert log["message"] == "plain"
        assert isinstance(log["date"], int)
        assert log["owner"] == test_config.user
        assert log.get("attachments", []) == []
        assert log["extraData"] == {}

    def test_create_with_attachment(self, thehive: TheHiveApi, test_task: dict, tmp_path: Path):
        paths = [tmp_path / f"attachment-{i}.txt" for i in range(2)]
        for path in paths:
            path.write_text(f"content of {path.name}")
        log = thehive.task_log.create(
            task_id=test_task["_id"],
            task_log={
                "message": "My test log",
                "includeInTimeline": now_to_ts(),
                "startDate": now_to_ts(),
                "attachments": [str(p) for p in paths],
            },
        )
        assert "attachments" in log
        assert sorted(a["name"] for a in log["attachments"]) == sorted(p.name for p in paths)
        assert thehive.task_log.get(log["_id"]) == log

        attachment = log["attachments"][0]
        target = tmp_path / "downloaded.txt"
        thehive.organisation.download_attachment(attachment_id=attachment["_id"], attachment_path=str(target))
        assert target.read_text() == (tmp_path / attachment["name"]).read_text()

    def test_delete(self, thehive: TheHiveApi, test_task_log: dict):
        thehive.task_log.delete(task_log_id=test_task_log["_id"])
        with pytest.raises(TheHiveError):
            thehive.task_log.get(task_log_id=test_task_log["_id"])

    def test_update(self, thehive: TheHiveApi, test_task_log: dict):
        thehive.task_log.update(task_log_id=test_task_log["_id"], fields={"message": "updated task log message"})
        updated = thehive.task_log.get(task_log_id=test_task_log["_id"])
        assert updated["message"] == "updated task log message"
        assert isinstance(updated["_updatedAt"], int)

    def test_add_and_delete_attachment(self, thehive: TheHiveApi, test_task_log: dict, tmp_path: Path):
        path = tmp_path / "my-attachment.txt"
        path.write_text("some content...")
        thehive.task_log.add_attachment(task_log_id=test_task_log["_id"], attachment_paths=[str(path)])
        attachments = thehive.task_log.get(task_log_id=test_task_log["_id"]).get("attachments", [])
        assert [a["name"] for a in attachments] == [path.name]

        for attachment in attachments:
            thehive.task_log.delete_attachment(task_log_id=test_task_log["_id"], attachment_id=attachment["_id"])
        assert thehive.task_log.get(task_log_id=test_task_log["_id"]).get("attachments", []) == []

    def test_add_and_delete_attachments_deprecated(self, thehive: TheHiveApi, test_task_log: dict, tmp_path: Path):
        path = tmp_path / "my-attachment.txt"
        path.write_text("some content...")
        with pytest.deprecated_call():
            thehive.task_log.add_attachments(task_log_id=test_task_log["_id"], attachment_paths=[str(path)])
        attachments = thehive.task_log.get(task_log_id=test_task_log["_id"]).get("attachments", [])
        assert len(attachments) == 1
        for attachment in attachments:
            thehive.task_log.delete_attachment(task_log_id=test_task_log["_id"], attachment_id=attachment["_id"])
        assert thehive.task_log.get(task_log_id=test_task_log["_id"]).get("attachments", []) == []

    def test_find_logs_of_task(self, thehive: TheHiveApi, test_task: dict, test_task_logs: List[dict]):
        assert thehive.task.find_logs(task_id=test_task["_id"], sortby=Asc("_createdAt")) == test_task_logs
        assert thehive.task.find_logs(task_id=test_task["_id"], sortby=Desc("message")) == [
            test_task_logs[1],
            test_task_logs[0],
        ]
        assert thehive.task.find_logs(task_id=test_task["_id"], filters=Eq("message", "my first log")) == [
            test_task_logs[0]
        ]
