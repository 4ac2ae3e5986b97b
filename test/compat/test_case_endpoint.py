"""Cases through thehive4py's ``CaseEndpoint``.

Mirrors thehive4py tests/test_case_endpoint.py; the sharing tests, skipped upstream because the
community licence allows a single organisation, run here against ``share-org``. Extra tests
cover defaults, labels, numbers, nullable fields, filters, sort and pagination.
"""

from pathlib import Path
from typing import List

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.helpers import now_to_ts
from thehive4py.query.filters import Eq, Gte, In, Like, Ne
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc, Desc
from thehive4py.types.case import CaseStatus, ImpactStatus


def _same_case(left: dict, right: dict) -> bool:
    # upstream (test_create_and_get) neutralises timeToDetect, which TheHive itself computes
    # at render time; every other field must be identical
    return {**left, "timeToDetect": 0} == {**right, "timeToDetect": 0}


class TestCaseEndpoint:
    def test_create_and_get(self, thehive: TheHiveApi):
        created_case = thehive.case.create(case={"title": "my first case", "description": "..."})
        fetched_case = thehive.case.get(created_case["_id"])
        assert _same_case(created_case, fetched_case)

    def test_create_defaults(self, thehive: TheHiveApi, test_config):
        case = thehive.case.create(case={"title": "defaults", "description": "..."})
        assert case["_type"] == "Case"
        assert case["_id"].startswith("~")
        assert case["_createdBy"] == test_config.user
        assert isinstance(case["_createdAt"], int)
        assert isinstance(case["number"], int)
        assert case["status"] == "New"
        assert case["stage"] == "New"
        assert case["severity"] == 2
        assert case["severityLabel"] == "MEDIUM"
        assert case["tlp"] == 2
        assert case["tlpLabel"] == "AMBER"
        assert case["pap"] == 2
        assert case["papLabel"] == "AMBER"
        assert case["flag"] is False
        assert isinstance(case["startDate"], int)
        assert case["access"]["_kind"] == "OrganisationAccessKind"
        assert case["extraData"] == {}

    def test_create_with_fields(self, thehive: TheHiveApi):
        start = now_to_ts() - 3600_000
        case = thehive.case.create(
            case={
                "title": "detailed case",
                "description": "with fields",
                "severity": 3,
                "tlp": 1,
                "pap": 3,
                "tags": ["a", "b"],
                "flag": True,
                "startDate": start,
                "status": "InProgress",
                "summary": "a summary",
            }
        )
        assert case["severity"] == 3
        assert case["severityLabel"] == "HIGH"
        assert case["tlp"] == 1
        assert case["tlpLabel"] == "GREEN"
        assert case["pap"] == 3
        assert sorted(case["tags"]) == ["a", "b"]
        assert case["flag"] is True
        assert case["startDate"] == start
        assert case["status"] == "InProgress"
        assert case["stage"] == "InProgress"
        assert case.get("summary") == "a summary"
        assert _same_case(thehive.case.get(case["_id"]), case)

    def test_numbers_increase_and_get_by_number(self, thehive: TheHiveApi, test_cases: List[dict]):
        first, second = test_cases
        assert second["number"] > first["number"]
        assert _same_case(thehive.case.get(case_id=str(second["number"])), second)

    def test_update(self, thehive: TheHiveApi, test_case: dict):
        case_id = test_case["_id"]
        update_fields = {"title": "my updated case", "description": "my updated description", "severity": 4}
        thehive.case.update(case_id=case_id, fields=update_fields)
        updated_case = thehive.case.get(case_id=case_id)
        for key, value in update_fields.items():
            assert updated_case.get(key) == value
        assert updated_case["severityLabel"] == "CRITICAL"
        assert updated_case["_updatedBy"] == test_case["_createdBy"]
        assert isinstance(updated_case["_updatedAt"], int)

    def test_update_with_deprecated_argument(self, thehive: TheHiveApi, test_case: dict):
        update_fields = {"title": "my updated case", "description": "my updated description"}
        with pytest.deprecated_call():
            thehive.case.update(case_id=test_case["_id"], case=update_fields)
        updated_case = thehive.case.get(case_id=test_case["_id"])
        for key, value in update_fields.items():
            assert updated_case.get(key) == value

    def test_update_nullable_fields(self, thehive: TheHiveApi, test_config):
        case = thehive.case.create(
            case={"title": "nullable", "description": "...", "summary": "to be removed", "assignee": test_config.user}
        )
        assert case.get("assignee") == test_config.user
        thehive.case.update(case_id=case["_id"], fields={"summary": None, "assignee": None})
        updated = thehive.case.get(case["_id"])
        assert updated.get("summary") is None
        assert updated.get("assignee") is None

    def test_add_and_remove_tags(self, thehive: TheHiveApi, test_case: dict):
        thehive.case.update(case_id=test_case["_id"], fields={"addTags": ["added"], "removeTags": ["whatever"]})
        assert thehive.case.get(test_case["_id"]).get("tags") == ["added"]

    def test_bulk_update(self, thehive: TheHiveApi, test_cases: List[dict]):
        update_fields = {
            "ids": [case["_id"] for case in test_cases],
            "title": "my updated case",
            "description": "my updated description",
        }
        thehive.case.bulk_update(fields=update_fields)
        updated_cases = thehive.case.find()
        assert len(updated_cases) == len(test_cases)
        for updated_case in updated_cases:
            assert updated_case["title"] == update_fields["title"]
            assert updated_case["description"] == update_fields["description"]

    def test_merge(self, thehive: TheHiveApi, test_cases: List[dict]):
        case_ids = [case["_id"] for case in test_cases]
        merged_case = thehive.case.merge(case_ids=case_ids)
        assert merged_case["title"] == " / ".join(case["title"] for case in test_cases)
        assert merged_case["_id"] not in case_ids
        for case_id in case_ids:
            with pytest.raises(TheHiveError):
                thehive.case.get(case_id)
        assert _same_case(thehive.case.get(merged_case["_id"]), merged_case)

    def test_unlink_alert(self, thehive: TheHiveApi, test_case: dict, test_alert: dict):
        thehive.alert.merge_into_case(alert_id=test_alert["_id"], case_id=test_case["_id"])
        assert thehive.alert.get(alert_id=test_alert["_id"]).get("caseId") == test_case["_id"]

        thehive.case.unlink_alert(case_id=test_case["_id"], alert_id=test_alert["_id"])
        assert thehive.alert.get(alert_id=test_alert["_id"]).get("caseId") is None

    def test_merge_similar_observables(self, thehive: TheHiveApi, test_case: dict):
        for ip in ("192.168.0.1", "192.168.0.2"):
            thehive.case.create_observable(case_id=test_case["_id"], observable={"dataType": "ip", "data": ip})
        result = thehive.case.merge_similar_observables(case_id=test_case["_id"])
        assert result == {"deleted": 0, "untouched": 2, "updated": 0}

    def test_get_linked_cases(self, thehive: TheHiveApi, test_cases: List[dict]):
        for case in test_cases:
            thehive.case.create_observable(
                case_id=case["_id"], observable={"dataType": "domain", "data": "example.com"}
            )
        linked = thehive.case.get_linked_cases(case_id=test_cases[0]["_id"])
        assert [link["_id"] for link in linked] == [test_cases[1]["_id"]]
        assert linked[0]["linksCount"] == 1
        assert [obs["data"] for obs in linked[0]["linkedWith"]] == ["example.com"]

    def test_get_linked_cases_without_links(self, thehive: TheHiveApi, test_case: dict):
        assert thehive.case.get_linked_cases(case_id=test_case["_id"]) == []

    def test_export_and_import(self, thehive: TheHiveApi, test_case: dict, tmp_path: Path):
        archive_path = str(tmp_path / "export.thar")
        thehive.case.export_to_file(case_id=test_case["_id"], password="test", export_path=archive_path)
        assert Path(archive_path).stat().st_size > 0

        import_results = thehive.case.import_from_file(import_case={"password": "test"}, import_path=archive_path)
        assert import_results["case"]["title"] == test_case["title"]
        assert import_results["case"]["description"] == test_case["description"]
        assert import_results["case"]["_id"] != test_case["_id"]

    def test_get_timeline(self, thehive: TheHiveApi, test_case: dict):
        timeline = thehive.case.get_timeline(case_id=test_case["_id"])
        assert timeline["events"]

    def test_apply_case_template(self, thehive: TheHiveApi, test_case: dict, test_case_template: dict):
        template_tags = set(test_case_template.get("tags", []))
        assert not template_tags.issubset(set(test_case.get("tags", [])))

        thehive.case.apply_case_template(
            fields={"ids": [test_case["_id"]], "caseTemplate": test_case_template["name"], "updateTags": True}
        )
        updated_case = thehive.case.get(case_id=test_case["_id"])
        assert template_tags.issubset(set(updated_case.get("tags", [])))

    def test_change_owner_organisation(self, thehive: TheHiveApi, test_case: dict, test_config):
        thehive.case.change_owner_organisation(case_id=test_case["_id"], fields={"organisation": test_config.main_org})
        assert thehive.case.get(test_case["_id"])["_id"] == test_case["_id"]

    def test_manage_access(self, thehive: TheHiveApi, test_case: dict, test_config):
        assert test_case["access"]["_kind"] == "OrganisationAccessKind"
        thehive.case.manage_access(
            case_id=test_case["_id"], fields={"access": {"_kind": "UserAccessKind", "users": [test_config.user]}}
        )
        assert thehive.case.get(case_id=test_case["_id"])["access"]["_kind"] == "UserAccessKind"

    def test_get_similar_observables(self, thehive: TheHiveApi, test_cases: List[dict]):
        similar = thehive.case.get_similar_observables(
            case_id=test_cases[0]["_id"], alert_or_case_id=test_cases[1]["_id"]
        )
        assert similar == []

    def test_get_similar_observables_when_shared(self, thehive: TheHiveApi, test_cases: List[dict]):
        for case in test_cases:
            thehive.case.create_observable(case["_id"], {"dataType": "domain", "data": "shared.example.net"})
        thehive.case.create_observable(test_cases[0]["_id"], {"dataType": "domain", "data": "alone.example.net"})
        similar = thehive.case.get_similar_observables(
            case_id=test_cases[0]["_id"], alert_or_case_id=test_cases[1]["_id"]
        )
        assert [o["data"] for o in similar] == ["shared.example.net"]

    def test_link_and_unlink_case_with_case(self, thehive: TheHiveApi, test_cases: List[dict]):
        case_link = {"type": "whatever", "caseId": test_cases[1]["_id"]}
        thehive.case.link_case(case_id=test_cases[0]["_id"], fields=case_link)

        def links():
            return thehive.case.find(
                filters=Eq("_id", test_cases[0]["_id"]),
                paginate=Paginate(start=0, end=1, extra_data=["links"]),
            )[0]["extraData"]["links"]

        assert links()["caseLinks"][0]["caseId"] == test_cases[1]["_id"]
        thehive.case.delete_case_link(case_id=test_cases[0]["_id"], fields=case_link)
        assert links()["caseLinks"] == []

    def test_link_and_unlink_case_with_url(self, thehive: TheHiveApi, test_case: dict):
        url_link = {"type": "whatever", "url": "https://example.com"}
        thehive.case.link_url(case_id=test_case["_id"], fields=url_link)

        def links():
            return thehive.case.find(
                filters=Eq("_id", test_case["_id"]),
                paginate=Paginate(start=0, end=1, extra_data=["links"]),
            )[0]["extraData"]["links"]

        assert links()["externalLinks"][0]["url"] == "https://example.com"
        thehive.case.delete_url_link(case_id=test_case["_id"], fields=url_link)
        assert links()["externalLinks"] == []

    def test_link_types(self, thehive: TheHiveApi):
        assert thehive.case.get_link_types() == []

    def test_add_and_download_attachment(self, thehive: TheHiveApi, test_case: dict, tmp_path: Path):
        paths = [tmp_path / f"attachment-{i}.txt" for i in range(2)]
        for path in paths:
            path.write_text(f"content of {path.name}")
        added = thehive.case.add_attachment(case_id=test_case["_id"], attachment_paths=[str(p) for p in paths])
        assert [a["name"] for a in added] == [p.name for p in paths]

        for attachment, path in zip(added, paths):
            target = tmp_path / f"dl-{path.name}"
            with pytest.deprecated_call():
                thehive.case.download_attachment(
                    case_id=test_case["_id"], attachment_id=attachment["_id"], attachment_path=str(target)
                )
            assert target.read_text() == path.read_text()

        found = thehive.case.find_attachments(case_id=test_case["_id"], sortby=Asc("name"))
        assert [a["_id"] for a in found] == [a["_id"] for a in added]

    def test_add_and_delete_attachment(self, thehive: TheHiveApi, test_case: dict, tmp_path: Path):
        path = tmp_path / "my-attachment.txt"
        path.write_text("some content...")
        added = thehive.case.add_attachment(case_id=test_case["_id"], attachment_paths=[str(path)])
        for attachment in added:
            thehive.case.delete_attachment(case_id=test_case["_id"], attachment_id=attachment["_id"])
        assert thehive.case.find_attachments(case_id=test_case["_id"]) == []

    def test_share_list_and_remove_share(
        self, thehive: TheHiveApi, thehive_share: TheHiveApi, test_case: dict, test_config
    ):
        shares = thehive.case.share(case_id=test_case["_id"], shares=[{"organisation": test_config.share_org}])
        assert [s["organisationName"] for s in shares] == [test_config.share_org]
        listed = thehive.case.list_shares(case_id=test_case["_id"])
        assert [s["_id"] for s in listed] == [shares[0]["_id"]]
        assert thehive_share.case.get(test_case["_id"])["title"] == test_case["title"]

        thehive.case.remove_share(share_id=shares[0]["_id"])
        assert thehive.case.list_shares(case_id=test_case["_id"]) == []
        with pytest.raises(TheHiveError):
            thehive_share.case.get(test_case["_id"])

    def test_share_and_unshare_by_organisation_id(
        self, thehive: TheHiveApi, thehive_admin: TheHiveApi, test_case: dict, test_config
    ):
        share_org_id = thehive_admin.organisation.get(org_id=test_config.share_org)["_id"]
        thehive.case.share(case_id=test_case["_id"], shares=[{"organisation": test_config.share_org}])
        assert len(thehive.case.list_shares(case_id=test_case["_id"])) == 1

        thehive.case.unshare(case_id=test_case["_id"], organisation_ids=[share_org_id])
        assert thehive.case.list_shares(case_id=test_case["_id"]) == []

    def test_share_and_set_share(self, thehive: TheHiveApi, test_case: dict, test_config):
        shares = thehive.case.share(case_id=test_case["_id"], shares=[{"organisation": test_config.share_org}])
        assert len(thehive.case.list_shares(case_id=test_case["_id"])) == len(shares) == 1

        set_shares = thehive.case.set_share(case_id=test_case["_id"], shares=[])
        assert thehive.case.list_shares(case_id=test_case["_id"]) == set_shares == []

    def test_find_and_count(self, thehive: TheHiveApi, test_cases: List[dict]):
        filters = Eq("title", test_cases[0]["title"]) | Eq("title", test_cases[1]["title"])
        found_cases = thehive.case.find(filters=filters, sortby=Asc("_createdAt"))
        assert [c["_id"] for c in found_cases] == [c["_id"] for c in test_cases]
        assert all(_same_case(f, c) for f, c in zip(found_cases, test_cases))
        assert thehive.case.count(filters=filters) == len(test_cases)

    def test_find_with_filters_sort_and_pagination(self, thehive: TheHiveApi):
        created = [
            thehive.case.create(
                case={"title": f"paged case {i}", "description": "paging", "severity": 1 + i % 3, "tags": [f"t{i % 2}"]}
            )
            for i in range(5)
        ]
        thehive.case.create(case={"title": "other", "description": "not paged"})

        paging = Like("title", "paged case*") & Eq("description", "paging")
        assert thehive.case.count(filters=paging) == 5

        by_title_desc = thehive.case.find(filters=paging, sortby=Desc("title"))
        assert [c["title"] for c in by_title_desc] == [f"paged case {i}" for i in reversed(range(5))]

        page = thehive.case.find(filters=paging, sortby=Asc("title"), paginate=Paginate(start=1, end=3))
        assert [c["_id"] for c in page] == [created[1]["_id"], created[2]["_id"]]

        two_keys = thehive.case.find(filters=paging, sortby=Desc("severity") & Asc("title"))
        expected = sorted(created, key=lambda c: (-c["severity"], c["title"]))
        assert [c["_id"] for c in two_keys] == [c["_id"] for c in expected]

        assert thehive.case.count(filters=paging & Eq("tags", "t1")) == 2
        assert thehive.case.count(filters=paging & In("severity", [1, 3])) == 3
        assert thehive.case.count(filters=paging & Gte("severity", 2)) == 3
        assert thehive.case.count(filters=paging & Ne("severity", 1)) == 3
        assert thehive.case.count(filters=paging & Like("title", "*case 4")) == 1
        assert thehive.case.count(filters=paging & ~Eq("title", "paged case 0")) == 4
        assert thehive.case.count() == 6

    def test_delete(self, thehive: TheHiveApi, test_case: dict):
        thehive.case.delete(test_case["_id"])
        with pytest.raises(TheHiveError):
            thehive.case.get(test_case["_id"])
        assert thehive.case.find(filters=Eq("_id", test_case["_id"])) == []

    def test_create_and_get_observable(self, thehive: TheHiveApi, test_case: dict):
        created = thehive.case.create_observable(test_case["_id"], {"dataType": "domain", "data": "example.com"})
        assert created == thehive.case.find_observables(test_case["_id"])

    def test_create_observable_from_file(self, thehive: TheHiveApi, test_case: dict, tmp_path: Path):
        path = tmp_path / "case-observable.txt"
        path.write_text("observable content")
        created = thehive.observable.create_in_case(
            case_id=test_case["_id"],
            observable={"dataType": "file", "message": "file based observable"},
            observable_path=str(path),
        )[0]
        fetched = thehive.observable.get(observable_id=created["_id"])
        assert created == fetched
        assert fetched["attachment"]["name"] == path.name

    def test_create_and_get_task(self, thehive: TheHiveApi, test_case: dict):
        created_task = thehive.case.create_task(case_id=test_case["_id"], task={"title": "my task"})
        assert created_task in thehive.case.find_tasks(case_id=test_case["_id"])

    def test_close_and_open(self, thehive: TheHiveApi, test_case: dict):
        assert test_case["status"] == "New"
        thehive.case.close(
            case_id=test_case["_id"],
            status=CaseStatus.TruePositive,
            summary="Closed...",
            impact_status=ImpactStatus.WithImpact,
        )
        closed_case = thehive.case.get(test_case["_id"])
        assert closed_case["status"] == CaseStatus.TruePositive
        assert closed_case["stage"] == "Closed"
        assert closed_case.get("impactStatus") == ImpactStatus.WithImpact
        assert closed_case.get("summary") == "Closed..."

        thehive.case.open(test_case["_id"], status=CaseStatus.InProgress)
        reopened_case = thehive.case.get(test_case["_id"])
        assert reopened_case["status"] == CaseStatus.InProgress
        assert reopened_case["stage"] == "InProgress"

    def test_find_comments(self, thehive: TheHiveApi, test_case: dict):
        created = thehive.comment.create_in_case(case_id=test_case["_id"], comment={"message": "my first comment"})
        assert thehive.case.find_comments(case_id=test_case["_id"]) == [created]

    def test_create_and_find_procedure(self, thehive: TheHiveApi, test_case: dict):
        created = thehive.case.create_procedure(
            case_id=test_case["_id"],
            procedure={"occurDate": now_to_ts(), "patternId": "T1059.007", "tactic": "execution", "description": "..."},
        )
        assert thehive.case.find_procedures(case_id=test_case["_id"]) == [created]

    def test_create_and_find_page(self, thehive: TheHiveApi, test_case: dict):
        created = thehive.case.create_page(
            case_id=test_case["_id"], page={"title": "my case page", "category": "testing", "content": "..."}
        )
        assert thehive.case.find_pages(case_id=test_case["_id"]) == [created]

    def test_update_and_delete_page(self, thehive: TheHiveApi, test_case: dict, test_case_page: dict):
        update_page = {"title": "my updated case page"}
        thehive.case.update_page(case_id=test_case["_id"], page_id=test_case_page["_id"], page=update_page)
        updated = thehive.case.find_pages(case_id=test_case["_id"], filters=Eq("_id", test_case_page["_id"]))[0]
        assert updated["title"] == "my updated case page"
        assert updated["content"] == test_case_page["content"]

        thehive.case.delete_page(case_id=test_case["_id"], page_id=test_case_page["_id"])
        assert thehive.case.find_pages(case_id=test_case["_id"]) == []

    def test_custom_field_values(self, thehive: TheHiveApi, test_custom_field: dict, test_config):
        case = thehive.case.create(
            case={
                "title": "with custom field",
                "description": "...",
                "customFields": [{"name": test_custom_field["name"], "value": "some value"}],
            }
        )
        values = case.get("customFields", [])
        assert [(v["name"], v["type"], v["value"]) for v in values] == [(test_custom_field["name"], "string", "some value")]
        assert _same_case(thehive.case.get(case["_id"]), case)

        found = thehive.case.find(filters=Eq(f"customFields.{test_custom_field['name']}", "some value"))
        assert [c["_id"] for c in found] == [case["_id"]]

        thehive.case.delete_custom_field(custom_field_id=values[0]["_id"])
        remaining = thehive.case.get(case["_id"]).get("customFields", [])
        assert [v for v in remaining if v.get("value") is not None] == []
