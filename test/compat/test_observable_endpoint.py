"""Observables through thehive4py's ``ObservableEndpoint``.

Mirrors thehive4py tests/test_observable_endpoint.py, plus defaults, duplicates, tag updates,
filters, sort, pagination and sharing with the second organisation.
"""

import zipfile
from pathlib import Path
from typing import List

import pytest

from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq, In
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc, Desc


class TestObservableEndpoint:
    def test_create_single_in_alert_and_get(self, thehive: TheHiveApi, test_alert: dict):
        created = thehive.observable.create_in_alert(
            alert_id=test_alert["_id"],
            observable={"dataType": "domain", "data": "example.com", "message": "test observable"},
        )[0]
        assert thehive.observable.get(observable_id=created["_id"]) == created

    def test_create_defaults(self, thehive: TheHiveApi, test_case: dict, test_config):
        observable = thehive.observable.create_in_case(
            case_id=test_case["_id"], observable={"dataType": "ip", "data": "10.1.2.3"}
        )[0]
        assert observable["_type"] == "Observable"
        assert observable["_createdBy"] == test_config.user
        assert observable["dataType"] == "ip"
        assert observable["data"] == "10.1.2.3"
        assert isinstance(observable["startDate"], int)
        assert observable["tlp"] == 2
        assert observable["tlpLabel"] == "AMBER"
        assert observable["pap"] == 2
        assert observable["papLabel"] == "AMBER"
        assert observable["ioc"] is False
        assert observable["sighted"] is False
        assert observable["ignoreSimilarity"] is False
        assert observable["reports"] == {}
        assert observable["extraData"] == {}

    def test_create_with_fields(self, thehive: TheHiveApi, test_observable: dict):
        assert test_observable["tlp"] == 1
        assert test_observable["tlpLabel"] == "GREEN"
        assert test_observable["pap"] == 1
        assert test_observable["papLabel"] == "GREEN"
        assert test_observable["tags"] == ["test-tag"]
        assert test_observable["message"] == "test observable"

    def test_create_multiple_in_alert(self, thehive: TheHiveApi, test_alert: dict):
        created = thehive.observable.create_in_alert(
            alert_id=test_alert["_id"],
            observable={"dataType": "domain", "data": [f"{i}.example.com" for i in range(3)], "message": "test observable"},
        )
        assert sorted(o["data"] for o in created) == [f"{i}.example.com" for i in range(3)]
        fetched = thehive.alert.find_observables(alert_id=test_alert["_id"])
        for observable in created:
            assert observable in fetched

    def test_create_duplicate_in_case_is_refused(self, thehive: TheHiveApi, test_case: dict, test_observable: dict):
        with pytest.raises(TheHiveError) as info:
            thehive.observable.create_in_case(
                case_id=test_case["_id"], observable={"dataType": "domain", "data": "example.com"}
            )
        assert info.value.response.status_code < 500
        assert len(thehive.case.find_observables(case_id=test_case["_id"])) == 1

    def test_create_in_alert_from_file_and_download_as_zip(self, thehive: TheHiveApi, test_alert: dict, tmp_path: Path):
        path = tmp_path / "alert-observable.txt"
        path.write_text("observable content")
        created = thehive.observable.create_in_alert(
            alert_id=test_alert["_id"],
            observable={"dataType": "file", "message": "file based observable"},
            observable_path=str(path),
        )[0]
        attachment = created.get("attachment")
        assert attachment and attachment["name"] == path.name
        assert "data" not in created or created["data"] is None

        archive = tmp_path / "downloaded-observable.zip"
        thehive.observable.download_attachment(
            observable_id=created["_id"], attachment_id=attachment["_id"], observable_path=str(archive), as_zip=True
        )
        with zipfile.ZipFile(archive) as archive_fp:
            with archive_fp.open(path.name, pwd=b"malware") as downloaded_fp:
                assert downloaded_fp.read().decode() == "observable content"

    def test_create_single_in_case_and_get(self, thehive: TheHiveApi, test_case: dict):
        created = thehive.observable.create_in_case(
            case_id=test_case["_id"],
            observable={"dataType": "domain", "data": "example.com", "message": "test observable"},
        )[0]
        assert thehive.observable.get(observable_id=created["_id"]) == created

    def test_create_multiple_in_case(self, thehive: TheHiveApi, test_case: dict):
        created = thehive.observable.create_in_case(
            case_id=test_case["_id"],
            observable={"dataType": "domain", "data": [f"{i}.example.com" for i in range(3)], "message": "test observable"},
        )
        assert len(created) == 3
        fetched = thehive.case.find_observables(case_id=test_case["_id"])
        for observable in created:
            assert observable in fetched

    def test_create_in_case_from_file_and_download_as_is(self, thehive: TheHiveApi, test_case: dict, tmp_path: Path):
        path = tmp_path / "case-observable.txt"
        path.write_text("observable content")
        created = thehive.observable.create_in_case(
            case_id=test_case["_id"],
            observable={"dataType": "file", "message": "file based observable"},
            observable_path=str(path),
        )[0]
        attachment = created.get("attachment")
        assert attachment
        assert attachment["size"] == len("observable content")
        assert attachment["contentType"].startswith("text/plain")
        assert isinstance(attachment["hashes"], list) and attachment["hashes"]

        target = tmp_path / "downloaded-observable.txt"
        thehive.observable.download_attachment(
            observable_id=created["_id"], attachment_id=attachment["_id"], observable_path=str(target), as_zip=False
        )
        assert target.read_text() == "observable content"

    def test_delete(self, thehive: TheHiveApi, test_observable: dict):
        thehive.observable.delete(observable_id=test_observable["_id"])
        with pytest.raises(TheHiveError):
            thehive.observable.get(observable_id=test_observable["_id"])

    def test_update(self, thehive: TheHiveApi, test_observable: dict):
        update_fields = {"dataType": "fqdn", "message": "updated observable", "ioc": True, "sighted": True, "tlp": 3}
        thehive.observable.update(observable_id=test_observable["_id"], fields=update_fields)
        updated = thehive.observable.get(observable_id=test_observable["_id"])
        for key, value in update_fields.items():
            assert updated.get(key) == value
        assert updated["data"] == test_observable["data"]

    def test_add_and_remove_tags(self, thehive: TheHiveApi, test_observable: dict):
        thehive.observable.update(
            observable_id=test_observable["_id"], fields={"addTags": ["added"], "removeTags": ["test-tag"]}
        )
        assert thehive.observable.get(test_observable["_id"]).get("tags") == ["added"]

    def test_bulk_update(self, thehive: TheHiveApi, test_observables: List[dict]):
        update_fields = {
            "ids": [o["_id"] for o in test_observables],
            "dataType": "other",
            "message": "updated observable",
        }
        thehive.observable.bulk_update(fields=update_fields)
        updated = thehive.observable.find()
        assert len(updated) == len(test_observables)
        for observable in updated:
            assert observable["dataType"] == "other"
            assert observable["message"] == "updated observable"

    def test_share_with_own_organisation(self, thehive: TheHiveApi, test_observable: dict, test_config):
        thehive.observable.share(observable_id=test_observable["_id"], organisations=[test_config.main_org])
        assert thehive.observable.list_shares(observable_id=test_observable["_id"]) == []

    def test_share_and_unshare_with_other_organisation(
        self, thehive: TheHiveApi, thehive_share: TheHiveApi, test_case: dict, test_observable: dict, test_config
    ):
        thehive.case.share(case_id=test_case["_id"], shares=[{"organisation": test_config.share_org}])
        thehive.observable.share(observable_id=test_observable["_id"], organisations=[test_config.share_org])
        assert thehive_share.observable.get(test_observable["_id"])["data"] == test_observable["data"]

        thehive.observable.unshare(observable_id=test_observable["_id"], organisations=[test_config.share_org])
        with pytest.raises(TheHiveError):
            thehive_share.observable.get(test_observable["_id"])

    def test_find_and_count(self, thehive: TheHiveApi, test_observables: List[dict]):
        assert thehive.observable.find(sortby=Asc("_createdAt")) == test_observables
        assert thehive.observable.count() == len(test_observables)

    def test_find_with_filters_sort_and_pagination(self, thehive: TheHiveApi, test_case: dict, test_alert: dict):
        in_case = thehive.observable.create_in_case(
            case_id=test_case["_id"],
            observable={"dataType": "domain", "data": [f"host{i}.example.org" for i in range(4)], "ioc": True},
        )
        in_alert = thehive.observable.create_in_alert(
            alert_id=test_alert["_id"], observable={"dataType": "ip", "data": "192.0.2.7"}
        )
        assert thehive.observable.count(filters=Eq("dataType", "domain")) == 4
        assert thehive.observable.count(filters=Eq("ioc", True)) == 4
        assert thehive.observable.find(filters=Eq("data", "192.0.2.7")) == in_alert
        by_data = thehive.observable.find(filters=Eq("dataType", "domain"), sortby=Desc("data"), paginate=Paginate(0, 2))
        assert [o["data"] for o in by_data] == ["host3.example.org", "host2.example.org"]
        assert thehive.case.find_observables(
            case_id=test_case["_id"], filters=In("data", ["host0.example.org", "host1.example.org"]), sortby=Asc("data")
        ) == sorted(in_case, key=lambda o: o["data"])[:2]
