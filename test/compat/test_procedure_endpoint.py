"""Procedures (MITRE ATT&CK techniques) through thehive4py's ``ProcedureEndpoint``.

Mirrors thehive4py tests/test_procedure_endpoint.py, plus bulk creation and deletion and
queries.
"""

import time

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.helpers import now_to_ts
from thehive4py.query.filters import Eq
from thehive4py.query.sort import Asc


def _procedure(pattern_id: str = "T1059.006", tactic: str = "execution", **fields) -> dict:
    return {"occurDate": now_to_ts(), "patternId": pattern_id, "tactic": tactic, "description": "...", **fields}


class TestProcedureEndpoint:
    def test_create_in_alert_and_get(self, thehive: TheHiveApi, test_alert: dict):
        created = thehive.procedure.create_in_alert(alert_id=test_alert["_id"], procedure=_procedure())
        assert thehive.procedure.get(procedure_id=created["_id"]) == created

    def test_create_in_case_and_get(self, thehive: TheHiveApi, test_case: dict):
        created = thehive.procedure.create_in_case(case_id=test_case["_id"], procedure=_procedure())
        assert thehive.procedure.get(procedure_id=created["_id"]) == created

    def test_create_fields(self, thehive: TheHiveApi, test_case: dict, test_config):
        occur = now_to_ts() - 5_000
        created = thehive.procedure.create_in_case(
            case_id=test_case["_id"], procedure=_procedure("T1566", "initial-access", occurDate=occur)
        )
        assert created["_createdBy"] == test_config.user
        assert created["occurDate"] == occur
        assert created["patternId"] == "T1566"
        assert created["tactic"] == "initial-access"
        assert created["description"] == "..."
        assert created["extraData"] == {}

    def test_bulk_create_in_case_and_alert(self, thehive: TheHiveApi, test_case: dict, test_alert: dict):
        in_case = thehive.procedure.bulk_create_in_case(
            case_id=test_case["_id"], procedures=[_procedure("T1059.006"), _procedure("T1566", "initial-access")]
        )
        assert sorted(p["patternId"] for p in in_case) == ["T1059.006", "T1566"]
        assert sorted(p["_id"] for p in thehive.case.find_procedures(case_id=test_case["_id"])) == sorted(
            p["_id"] for p in in_case
        )
        in_alert = thehive.procedure.bulk_create_in_alert(alert_id=test_alert["_id"], procedures=[_procedure()])
        assert thehive.alert.find_procedures(alert_id=test_alert["_id"]) == in_alert

    def test_delete(self, thehive: TheHiveApi, test_procedure: dict):
        thehive.procedure.delete(procedure_id=test_procedure["_id"])
        with pytest.raises(TheHiveError):
            thehive.procedure.get(procedure_id=test_procedure["_id"])

    def test_bulk_delete(self, thehive: TheHiveApi, test_case: dict):
        created = thehive.procedure.bulk_create_in_case(
            case_id=test_case["_id"], procedures=[_procedure("T1059.006"), _procedure("T1566", "initial-access")]
        )
        thehive.procedure.bulk_delete(procedure_ids=[p["_id"] for p in created])
        assert thehive.case.find_procedures(case_id=test_case["_id"]) == []

    def test_update(self, thehive: TheHiveApi, test_procedure: dict):
        update_fields = {"description": "updated procedure", "occurDate": now_to_ts()}
        thehive.procedure.update(procedure_id=test_procedure["_id"], fields=update_fields)
        updated = thehive.procedure.get(procedure_id=test_procedure["_id"])
        for key, value in update_fields.items():
            assert updated.get(key) == value

    def test_find(self, thehive: TheHiveApi, test_case: dict, test_alert: dict):
        in_case = thehive.procedure.create_in_case(case_id=test_case["_id"], procedure=_procedure("T1566", "initial-access"))
        time.sleep(0.003)  # distinct _createdAt
        in_alert = thehive.procedure.create_in_alert(alert_id=test_alert["_id"], procedure=_procedure("T1059.006"))
        assert thehive.procedure.find(sortby=Asc("_createdAt")) == [in_case, in_alert]
        assert thehive.procedure.find(filters=Eq("patternId", "T1566")) == [in_case]
