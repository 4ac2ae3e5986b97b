"""Organisations through thehive4py's ``OrganisationEndpoint``.

Mirrors thehive4py tests/test_organisation_endpoint.py. Upstream stops there ("most of the
other organisation endpoints cannot be tested ... the community license allows up to maximum
1 organisation"); Waggle has no such limit, so creation, update, links and sharing profiles
are tested too.
"""

from pathlib import Path

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq, In, Like
from thehive4py.query.sort import Asc


class TestOrganisationEndpoint:
    def test_add_and_download_attachment_to_main_org(self, thehive: TheHiveApi, tmp_path: Path):
        paths = [tmp_path / f"attachment-{i}.txt" for i in range(2)]
        for path in paths:
            path.write_text(f"content of {path.name}")
        added = thehive.organisation.add_attachment(attachment_paths=[str(p) for p in paths])
        assert sorted(a["name"] for a in added) == sorted(p.name for p in paths)

        for attachment in added:
            target = tmp_path / f"dl-{attachment['name']}"
            thehive.organisation.download_attachment(attachment_id=attachment["_id"], attachment_path=str(target))
            assert target.read_text() == (tmp_path / attachment["name"]).read_text()

    def test_add_and_delete_attachment_to_main_org(self, thehive: TheHiveApi, tmp_path: Path, test_config):
        path = tmp_path / "my-attachment.txt"
        path.write_text("some content...")
        added = thehive.organisation.add_attachment(attachment_paths=[str(path)])
        found = thehive.organisation.find_attachments(org_id=test_config.main_org)
        assert [a["_id"] for a in found] == [a["_id"] for a in added]

        for attachment in added:
            thehive.organisation.delete_attachment(attachment_id=attachment["_id"])
        assert thehive.organisation.find_attachments(org_id=test_config.main_org) == []

    def test_get_organisation(self, thehive_admin: TheHiveApi, test_config):
        main_org = thehive_admin.organisation.get(org_id=test_config.main_org)
        assert main_org["name"] == test_config.main_org
        assert main_org["_type"] == "Organisation"
        assert main_org["locked"] is False
        assert thehive_admin.organisation.get(org_id=main_org["_id"]) == main_org

    def test_find_organisations(self, thehive_admin: TheHiveApi, test_config):
        assert len(thehive_admin.organisation.find(filters=Eq("name", test_config.main_org))) == 1
        found = thehive_admin.organisation.find(
            filters=In("name", [test_config.main_org, test_config.share_org, test_config.admin_org]),
            sortby=Asc("name"),
        )
        assert [o["name"] for o in found] == sorted([test_config.main_org, test_config.share_org, test_config.admin_org])

    def test_create_get_update_and_count(self, thehive_admin: TheHiveApi):
        before = thehive_admin.organisation.count()
        created = thehive_admin.organisation.create(
            organisation={"name": "compat-new-org", "description": "created by the compat suite"}
        )
        assert created["name"] == "compat-new-org"
        assert created["description"] == "created by the compat suite"
        assert isinstance(created["taskRule"], str)
        assert isinstance(created["observableRule"], str)
        assert thehive_admin.organisation.get(created["_id"]) == created
        assert thehive_admin.organisation.count() == before + 1

        thehive_admin.organisation.update(org_id=created["_id"], fields={"description": "updated description"})
        assert thehive_admin.organisation.get("compat-new-org")["description"] == "updated description"
        assert thehive_admin.organisation.count(filters=Like("name", "compat-new*")) == 1

    def test_create_duplicate_name_is_refused(self, thehive_admin: TheHiveApi, test_config):
        with pytest.raises(TheHiveError) as info:
            thehive_admin.organisation.create(organisation={"name": test_config.main_org, "description": "again"})
        assert 400 <= info.value.response.status_code < 500

    def test_prepared_organisations_are_linked(self, thehive_admin: TheHiveApi, test_config):
        links = thehive_admin.organisation.list_links(org_id=test_config.main_org)
        assert [link["organisation"]["name"] for link in links] == [test_config.share_org]
        back = thehive_admin.organisation.list_links(org_id=test_config.share_org)
        assert [link["organisation"]["name"] for link in back] == [test_config.main_org]

    def test_link_list_and_unlink(self, thehive_admin: TheHiveApi):
        for name in ("compat-link-a", "compat-link-b"):
            if not thehive_admin.organisation.find(filters=Eq("name", name)):
                thehive_admin.organisation.create(organisation={"name": name, "description": "link test"})
        thehive_admin.organisation.link(
            org_id="compat-link-a", other_org_id="compat-link-b", link={"linkType": "supervisor", "otherLinkType": "supervised"}
        )
        links = thehive_admin.organisation.list_links(org_id="compat-link-a")
        assert [(link["organisation"]["name"], link["linkType"], link["otherLinkType"]) for link in links] == [
            ("compat-link-b", "supervisor", "supervised")
        ]
        reverse = thehive_admin.organisation.list_links(org_id="compat-link-b")
        assert [(link["organisation"]["name"], link["linkType"], link["otherLinkType"]) for link in reverse] == [
            ("compat-link-a", "supervised", "supervisor")
        ]

        thehive_admin.organisation.unlink(org_id="compat-link-a", other_org_id="compat-link-b")
        assert thehive_admin.organisation.list_links(org_id="compat-link-a") == []
        assert thehive_admin.organisation.list_links(org_id="compat-link-b") == []

    def test_bulk_link(self, thehive_admin: TheHiveApi):
        for name in ("compat-bulk-a", "compat-bulk-b", "compat-bulk-c"):
            if not thehive_admin.organisation.find(filters=Eq("name", name)):
                thehive_admin.organisation.create(organisation={"name": name, "description": "bulk link test"})
        thehive_admin.organisation.bulk_link(
            org_id="compat-bulk-a",
            links=[
                {"toOrganisation": "compat-bulk-b", "linkType": "default", "otherLinkType": "default"},
                {"toOrganisation": "compat-bulk-c", "linkType": "default", "otherLinkType": "default"},
            ],
        )
        names = sorted(link["organisation"]["name"] for link in thehive_admin.organisation.list_links("compat-bulk-a"))
        assert names == ["compat-bulk-b", "compat-bulk-c"]

        thehive_admin.organisation.bulk_link(
            org_id="compat-bulk-a",
            links=[{"toOrganisation": "compat-bulk-c", "linkType": "default", "otherLinkType": "default"}],
        )
        names = [link["organisation"]["name"] for link in thehive_admin.organisation.list_links("compat-bulk-a")]
        assert names == ["compat-bulk-c"]

    def test_list_sharing_profiles(self, thehive: TheHiveApi):
        profiles = thehive.organisation.list_sharing_profiles()
        assert isinstance(profiles, list)
        for profile in profiles:
            assert set(profile) >= {
                "name",
                "description",
                "autoShare",
                "editable",
                "permissionProfile",
                "taskRule",
                "observableRule",
            }
