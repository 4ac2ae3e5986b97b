"""Comments through thehive4py's ``CommentEndpoint``.

Mirrors thehive4py tests/test_comment_endpoint.py, plus the client's comment shape
(``createdBy`` / ``createdAt`` without underscore, ``isEdited``) and queries.
"""

from typing import List

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq, Like
from thehive4py.query.sort import Asc, Desc


class TestCommentEndpoint:
    def test_create_in_alert_and_get(self, thehive: TheHiveApi, test_alert: dict):
        created = thehive.comment.create_in_alert(alert_id=test_alert["_id"], comment={"message": "test comment"})
        assert thehive.comment.get(comment_id=created["_id"]) == created

    def test_create_in_case_and_get(self, thehive: TheHiveApi, test_case: dict):
        created = thehive.comment.create_in_case(case_id=test_case["_id"], comment={"message": "test comment"})
        assert thehive.comment.get(comment_id=created["_id"]) == created

    def test_create_fields(self, test_comment: dict, test_config):
        assert test_comment["message"] == "my first comment"
        assert test_comment["createdBy"] == test_config.user
        assert isinstance(test_comment["createdAt"], int)
        assert test_comment["isEdited"] is False
        assert test_comment["extraData"] == {}

    def test_delete(self, thehive: TheHiveApi, test_comment: dict):
        thehive.comment.delete(comment_id=test_comment["_id"])
        with pytest.raises(TheHiveError):
            thehive.comment.get(comment_id=test_comment["_id"])

    def test_update(self, thehive: TheHiveApi, test_comment: dict):
        thehive.comment.update(comment_id=test_comment["_id"], fields={"message": "updated comment"})
        updated = thehive.comment.get(comment_id=test_comment["_id"])
        assert updated["message"] == "updated comment"
        assert updated["isEdited"] is True

    def test_find(self, thehive: TheHiveApi, test_comments: List[dict]):
        found = thehive.comment.find()
        assert sorted(c["_id"] for c in found) == sorted(c["_id"] for c in test_comments)

    def test_find_with_filters_and_sort(self, thehive: TheHiveApi, test_case: dict, test_comments: List[dict]):
        assert thehive.comment.find(sortby=Desc("message")) == [test_comments[1], test_comments[0]]
        assert thehive.comment.find(filters=Like("message", "*second*")) == [test_comments[1]]
        assert thehive.case.find_comments(case_id=test_case["_id"], sortby=Asc("message")) == test_comments
        assert thehive.case.find_comments(case_id=test_case["_id"], filters=Eq("message", "my first comment")) == [
            test_comments[0]
        ]
