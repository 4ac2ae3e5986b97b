"""Case timeline and custom events through thehive4py's ``TimelineEndpoint``.

Mirrors thehive4py tests/test_timeline_endpoint.py, checking the update too.
"""

from thehive4py.client import TheHiveApi
from thehive4py.helpers import now_to_ts


class TestTimelineEndpoint:
    def test_get(self, thehive: TheHiveApi, test_case: dict):
        events = thehive.timeline.get(case_id=test_case["_id"])["events"]
        assert events
        for event in events:
            assert isinstance(event["date"], int)
            assert isinstance(event["kind"], str)
            assert isinstance(event["entity"], str)
            assert isinstance(event["entityId"], str)
            assert isinstance(event["details"], dict)

    def test_create_and_delete_event(self, thehive: TheHiveApi, test_case: dict, test_config):
        event = thehive.timeline.create_event(
            case_id=test_case["_id"], event={"date": now_to_ts(), "title": "custom timeline event"}
        )
        assert event["title"] == "custom timeline event"
        assert event["_createdBy"] == test_config.user
        events = thehive.timeline.get(case_id=test_case["_id"])["events"]
        assert event["_id"] in [e["entityId"] for e in events]

        thehive.timeline.delete_event(event_id=event["_id"])
        events = thehive.timeline.get(case_id=test_case["_id"])["events"]
        assert event["_id"] not in [e["entityId"] for e in events]

    def test_update_event(self, thehive: TheHiveApi, test_case: dict, test_timeline_event: dict):
        new_date = now_to_ts() - 60_000
        thehive.timeline.update_event(
            event_id=test_timeline_event["_id"],
            fields={"date": new_date, "endDate": now_to_ts(), "title": "updated event", "description": "updated event description"},
        )
        events = thehive.timeline.get(case_id=test_case["_id"])["events"]
        mine = [e for e in events if e["entityId"] == test_timeline_event["_id"]]
        assert mine and mine[0]["date"] == new_date
