"""Alerts through thehive4py's ``AlertEndpoint``.

Mirrors thehive4py tests/test_alert_endpoint.py, plus defaults, labels, tags, uniqueness of
(type, source, sourceRef), filters, sort and pagination.
"""

from pathlib import Path
from typing import List

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.helpers import now_to_ts
from thehive4py.query.filters import Eq, Gt, In, Like
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc, Desc


def _alert(source_ref: str, **fields) -> dict:
    return {"title": f"alert {source_ref}", "description": "...", "type": "test", "source": "test", "sourceRef": source_ref, **fields}


class TestAlertEndpoint:
    def test_create_and_get(self, thehive: TheHiveApi):
        created_alert = thehive.alert.create(
            {
                "title": "my first alert",
                "description": "...",
                "type": "test",
                "source": "test",
                "sourceRef": "first",
                "externalLink": "http://",
                "date": 123,
                "tags": ["whatever"],
            }
        )
        assert thehive.alert.get(created_alert["_id"]) == created_alert

    def test_create_defaults(self, thehive: TheHiveApi, test_config):
        alert = thehive.alert.create(_alert("defaults"))
        assert alert["_type"] == "Alert"
        assert alert["_id"].startswith("~")
        assert alert["_createdBy"] == test_config.user
        assert alert["status"] == "New"
        assert alert["stage"] == "New"
        assert alert["severity"] == 2
        assert alert["severityLabel"] == "MEDIUM"
        assert alert["tlp"] == 2
        assert alert["tlpLabel"] == "AMBER"
        assert alert["pap"] == 2
        assert alert["papLabel"] == "AMBER"
        assert alert["follow"] is True
        assert alert["observableCount"] == 0
        assert isinstance(alert["date"], int)
        assert isinstance(alert["newDate"], int)
        assert isinstance(alert["timeToDetect"], int)
        assert alert.get("caseId") is None
        assert alert["extraData"] == {}

    def test_create_with_fields(self, thehive: TheHiveApi):
        alert = thehive.alert.create(
            _alert("detailed", severity=3, tlp=1, pap=3, tags=["b", "a"], date=now_to_ts() - 60_000, externalLink="https://example.org")
        )
        assert alert["severityLabel"] == "HIGH"
        assert alert["tlpLabel"] == "GREEN"
        assert sorted(alert["tags"]) == ["a", "b"]
        assert alert["externalLink"] == "https://example.org"
        assert thehive.alert.get(alert["_id"]) == alert

    def test_same_source_reference_twice_is_refused(self, thehive: TheHiveApi, test_alert: dict):
        duplicate = {k: test_alert[k] for k in ("type", "source", "sourceRef", "title", "description")}
        with pytest.raises(TheHiveError) as info:
            thehive.alert.create(duplicate)
        assert 400 <= info.value.response.status_code < 500

    def test_unknown_case_template_is_tolerated(self, thehive: TheHiveApi):
        alert = thehive.alert.create(_alert("with-template", caseTemplate="my-template"))
        assert thehive.alert.get(alert["_id"]) == alert

    def test_update(self, thehive: TheHiveApi, test_alert: dict):
        update_fields = {"title": "my updated alert", "description": "my updated description", "severity": 1}
        thehive.alert.update(alert_id=test_alert["_id"], fields=update_fields)
        updated_alert = thehive.alert.get(alert_id=test_alert["_id"])
        for key, value in update_fields.items():
            assert updated_alert[key] == value
        assert updated_alert["severityLabel"] == "LOW"
        assert isinstance(updated_alert["_updatedAt"], int)

    def test_add_and_remove_tags(self, thehive: TheHiveApi, test_alert: dict):
        thehive.alert.update(alert_id=test_alert["_id"], fields={"addTags": ["new"], "removeTags": ["whatever"]})
        assert thehive.alert.get(test_alert["_id"]).get("tags") == ["new"]

    def test_bulk_update(self, thehive: TheHiveApi, test_alerts: List[dict]):
        update_fields = {
            "ids": [alert["_id"] for alert in test_alerts],
            "title": "my updated alert #1",
            "description": "my updated description #1",
        }
        thehive.alert.bulk_update(fields=update_fields)
        updated_alerts = thehive.alert.find()
        assert len(updated_alerts) == len(test_alerts)
        for updated_alert in updated_alerts:
            assert updated_alert["title"] == update_fields["title"]
            assert updated_alert["description"] == update_fields["description"]

    def test_follow_and_unfollow(self, thehive: TheHiveApi, test_alert: dict):
        thehive.alert.unfollow(alert_id=test_alert["_id"])
        assert thehive.alert.get(alert_id=test_alert["_id"])["follow"] is False
        thehive.alert.follow(alert_id=test_alert["_id"])
        assert thehive.alert.get(alert_id=test_alert["_id"])["follow"] is True

    def test_promote_to_case(self, thehive: TheHiveApi, test_alert: dict):
        case = thehive.alert.promote_to_case(alert_id=test_alert["_id"])
        promoted_alert = thehive.alert.get(alert_id=test_alert["_id"])
        assert promoted_alert.get("caseId") == case["_id"]
        assert promoted_alert["stage"] == "Imported"
        assert case["title"] == test_alert["title"]
        assert thehive.case.get(case["_id"])["_id"] == case["_id"]

    def test_promote_to_case_with_additional_fields(self, thehive: TheHiveApi, test_alert: dict):
        case = thehive.alert.promote_to_case(alert_id=test_alert["_id"], fields={"title": "promoted title"})
        promoted_alert = thehive.alert.get(alert_id=test_alert["_id"])
        assert promoted_alert.get("caseId") == case["_id"]
        assert case["title"] == "promoted title"
        assert promoted_alert["title"] != case["title"]

    def test_promote_copies_observables(self, thehive: TheHiveApi):
        alert = thehive.alert.create(_alert("with-observables", observables=[{"dataType": "ip", "data": "10.0.0.1"}]))
        case = thehive.alert.promote_to_case(alert_id=alert["_id"])
        assert [o["data"] for o in thehive.case.find_observables(case_id=case["_id"])] == ["10.0.0.1"]

    def test_merge_into_case(self, thehive: TheHiveApi, test_alert: dict, test_case: dict):
        merged_case = thehive.alert.merge_into_case(alert_id=test_alert["_id"], case_id=test_case["_id"])
        assert merged_case["_id"] == test_case["_id"]
        assert thehive.alert.get(alert_id=test_alert["_id"]).get("caseId") == merged_case["_id"]

    def test_import_into_case(self, thehive: TheHiveApi, test_alert: dict, test_case: dict):
        imported_case = thehive.alert.import_into_case(alert_id=test_alert["_id"], case_id=test_case["_id"])
        assert thehive.alert.get(alert_id=test_alert["_id"]).get("caseId") == imported_case["_id"]

    def test_bulk_merge_into_case(self, thehive: TheHiveApi, test_alerts: List[dict], test_case: dict):
        merged_case = thehive.alert.bulk_merge_into_case(
            case_id=test_case["_id"], alert_ids=[alert["_id"] for alert in test_alerts]
        )
        alerts = thehive.alert.find()
        assert len(alerts) == len(test_alerts)
        for alert in alerts:
            assert alert.get("caseId") == merged_case["_id"]

    def test_find_and_count(self, thehive: TheHiveApi, test_alerts: List[dict]):
        found_alerts = thehive.alert.find(
            filters=Eq("title", test_alerts[0]["title"]) | Eq("title", test_alerts[1]["title"]),
            sortby=Asc("_createdAt"),
        )
        assert found_alerts == test_alerts
        assert thehive.alert.count() == len(found_alerts)

    def test_find_with_filters_sort_and_pagination(self, thehive: TheHiveApi):
        start = now_to_ts()
        created = [
            thehive.alert.create(_alert(f"paged-{i}", severity=1 + i % 4, date=start + i, tags=[f"tag{i % 2}"]))
            for i in range(6)
        ]
        assert thehive.alert.count(filters=Like("sourceRef", "paged-*")) == 6
        newest_first = thehive.alert.find(sortby=Desc("date"))
        assert [a["_id"] for a in newest_first] == [a["_id"] for a in reversed(created)]
        page = thehive.alert.find(sortby=Asc("date"), paginate=Paginate(start=2, end=4))
        assert page == created[2:4]
        assert thehive.alert.count(filters=Eq("tags", "tag0")) == 3
        assert thehive.alert.count(filters=In("severity", [1, 2])) == 4
        assert thehive.alert.count(filters=Gt("date", start + 3)) == 2
        assert thehive.alert.find(filters=Eq("sourceRef", "paged-5")) == [created[5]]

    def test_delete(self, thehive: TheHiveApi, test_alert: dict):
        thehive.alert.delete(test_alert["_id"])
        with pytest.raises(TheHiveError):
            thehive.alert.get(test_alert["_id"])

    def test_bulk_delete(self, thehive: TheHiveApi, test_alerts: List[dict]):
        alert_ids = [alert["_id"] for alert in test_alerts]
        thehive.alert.bulk_delete(ids=alert_ids)
        for alert_id in alert_ids:
            with pytest.raises(TheHiveError):
                thehive.alert.get(alert_id)
        assert thehive.alert.count() == 0

    def test_get_similar_observables(self, thehive: TheHiveApi, test_alerts: List[dict]):
        similar = thehive.alert.get_similar_observables(
            alert_id=test_alerts[0]["_id"], alert_or_case_id=test_alerts[1]["_id"]
        )
        assert similar == []

    def test_get_similar_observables_when_shared(self, thehive: TheHiveApi, test_alerts: List[dict], test_case: dict):
        for alert in test_alerts:
            thehive.alert.create_observable(alert["_id"], {"dataType": "ip", "data": "198.51.100.4"})
        thehive.alert.create_observable(test_alerts[0]["_id"], {"dataType": "ip", "data": "198.51.100.5"})
        similar = thehive.alert.get_similar_observables(
            alert_id=test_alerts[0]["_id"], alert_or_case_id=test_alerts[1]["_id"]
        )
        assert [o["data"] for o in similar] == ["198.51.100.4"]

        thehive.case.create_observable(test_case["_id"], {"dataType": "ip", "data": "198.51.100.5"})
        similar = thehive.alert.get_similar_observables(alert_id=test_alerts[0]["_id"], alert_or_case_id=test_case["_id"])
        assert [o["data"] for o in similar] == ["198.51.100.5"]

    def test_create_and_get_observable(self, thehive: TheHiveApi, test_alert: dict):
        created = thehive.alert.create_observable(test_alert["_id"], {"dataType": "domain", "data": "example.com"})
        assert created == thehive.alert.find_observables(test_alert["_id"])
        assert thehive.alert.get(test_alert["_id"])["observableCount"] == 1

    def test_create_observable_from_file(self, thehive: TheHiveApi, test_alert: dict, tmp_path: Path):
        path = tmp_path / "alert-observable.txt"
        path.write_text("observable content")
        created = thehive.observable.create_in_alert(
            alert_id=test_alert["_id"],
            observable={"dataType": "file", "message": "file based observable"},
            observable_path=str(path),
        )[0]
        fetched = thehive.observable.get(observable_id=created["_id"])
        assert created == fetched
        assert fetched["attachment"]["name"] == path.name

    def test_create_alert_with_observables(self, thehive: TheHiveApi):
        created_alert = thehive.alert.create(
            {
                "title": "my first alert",
                "description": "...",
                "type": "test",
                "source": "test",
                "sourceRef": "second",
                "externalLink": "http://",
                "date": 123,
                "tags": ["whatever"],
                "observables": [
                    {"dataType": "url", "data": "example.org"},
                    {"dataType": "mail", "data": "foo@example.org"},
                ],
            }
        )
        fetched_alert = thehive.alert.get(created_alert["_id"])
        # upstream: TheHive omits _updatedAt/_updatedBy from this create answer only, and the
        # test pops them (without default) from the GET answer, so they must be there
        fetched_alert.pop("_updatedAt")
        fetched_alert.pop("_updatedBy")
        assert created_alert == fetched_alert
        assert created_alert["observableCount"] == 2
        observables = thehive.alert.find_observables(created_alert["_id"], sortby=Asc("data"))
        assert [(o["dataType"], o["data"]) for o in observables] == [("url", "example.org"), ("mail", "foo@example.org")]

    def test_create_alert_with_observable_file(self, thehive: TheHiveApi, tmp_path: Path):
        path = tmp_path / "alert-observable.txt"
        path.write_text("observable content")
        observables = [{"dataType": "url", "data": "example.com"}, {"dataType": "file", "attachment": "obs1"}]
        created_alert = thehive.alert.create(
            alert={
                "title": "my first alert",
                "description": "...",
                "type": "test",
                "source": "test",
                "sourceRef": "third",
                "date": 123,
                "observables": observables,
            },
            attachment_map={"obs1": str(path)},
        )
        assert created_alert["observableCount"] == len(observables)
        files = [o for o in thehive.alert.find_observables(created_alert["_id"]) if o["dataType"] == "file"]
        assert [f["attachment"]["name"] for f in files] == [path.name]

    def test_find_comments(self, thehive: TheHiveApi, test_alert: dict):
        created = thehive.comment.create_in_alert(alert_id=test_alert["_id"], comment={"message": "my first comment"})
        assert thehive.alert.find_comments(alert_id=test_alert["_id"]) == [created]

    def test_create_and_find_procedure(self, thehive: TheHiveApi, test_alert: dict):
        created = thehive.alert.create_procedure(
            alert_id=test_alert["_id"],
            procedure={"occurDate": now_to_ts(), "patternId": "T1059.006", "tactic": "execution", "description": "..."},
        )
        assert thehive.alert.find_procedures(alert_id=test_alert["_id"]) == [created]

    def test_add_and_download_attachment(self, thehive: TheHiveApi, test_alert: dict, tmp_path: Path):
        paths = [tmp_path / f"attachment-{i}.txt" for i in range(2)]
        for path in paths:
            path.write_text(f"content of {path.name}")
        added = thehive.alert.add_attachment(alert_id=test_alert["_id"], attachment_paths=[str(p) for p in paths])
        assert sorted(a["name"] for a in added) == sorted(p.name for p in paths)

        for attachment in added:
            target = tmp_path / f"dl-{attachment['name']}"
            with pytest.deprecated_call():
                thehive.alert.download_attachment(
                    alert_id=test_alert["_id"], attachment_id=attachment["_id"], attachment_path=str(target)
                )
            assert target.read_text() == (tmp_path / attachment["name"]).read_text()

        found = thehive.alert.find_attachments(alert_id=test_alert["_id"])
        assert sorted(a["_id"] for a in found) == sorted(a["_id"] for a in added)

    def test_add_and_delete_attachment(self, thehive: TheHiveApi, test_alert: dict, tmp_path: Path):
        path = tmp_path / "my-attachment.txt"
        path.write_text("some content...")
        added = thehive.alert.add_attachment(alert_id=test_alert["_id"], attachment_paths=[str(path)])
        for attachment in added:
            thehive.alert.delete_attachment(alert_id=test_alert["_id"], attachment_id=attachment["_id"])
        assert thehive.alert.find_attachments(alert_id=test_alert["_id"]) == []
