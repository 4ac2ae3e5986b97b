"""MISP connector through thehive4py's ``MISPEndpoint``, with no MISP server configured.

Mirrors thehive4py tests/test_misp_endpoint.py; the error strings are the exact ones the
upstream tests expect from TheHive.
"""

from pathlib import Path

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError


class TestMISPEndpoint:
    def test_get_status(self, thehive: TheHiveApi):
        status = thehive.misp.get_status()
        assert status["status"] == {}
        assert status["syncInProgress"] is False

    def test_sync(self, thehive_admin: TheHiveApi):
        assert thehive_admin.misp.sync() == ""

    def test_export_case(self, thehive: TheHiveApi, test_case: dict):
        with pytest.raises(TheHiveError, match="NotFoundError - MISP server non-existent-misp not found"):
            thehive.misp.export_case(case_id=test_case["_id"], misp_name="non-existent-misp")

    def test_import_case(self, thehive: TheHiveApi, tmp_path: Path):
        path = tmp_path / "dummy-misp-event.json"
        path.write_text("{}")
        with pytest.raises(TheHiveError, match="BadRequest - Could not convert json to MISP event"):
            thehive.misp.import_case(import_case={}, import_path=str(path))
