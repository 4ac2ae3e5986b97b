"""Cortex connector through thehive4py's ``CortexEndpoint``, with no Cortex server configured.

Mirrors thehive4py tests/test_cortex_endpoint.py: an analyzer job is recorded even when the
analyzer and the Cortex instance are unknown, and every list is empty.
"""

from thehive4py.client import TheHiveApi
from thehive4py.query.filters import Eq


class TestCortexEndpoint:
    def test_create_analyzer_job(self, thehive: TheHiveApi, test_observable: dict):
        job = thehive.cortex.create_analyzer_job(
            job={"analyzerId": "example", "cortexId": "cortex", "artifactId": test_observable["_id"]}
        )
        assert job["_type"] == "case_artifact_job"
        assert job["analyzerId"] == "example"
        assert job["cortexId"] == "cortex"

    def test_get_analyzer_job(self, thehive: TheHiveApi, test_observable: dict):
        job = thehive.cortex.create_analyzer_job(
            job={"analyzerId": "example", "cortexId": "cortex", "artifactId": test_observable["_id"]}
        )
        fetched = thehive.cortex.get_analyzer_job(job_id=job["_id"])
        assert fetched["_id"] == job["_id"]
        assert fetched["analyzerId"] == "example"

    def test_list_analyzers(self, thehive: TheHiveApi):
        assert thehive.cortex.list_analyzers() == []

    def test_list_analyzers_by_type(self, thehive: TheHiveApi):
        assert thehive.cortex.list_analyzers_by_type(data_type="mail") == []

    def test_list_responders(self, thehive: TheHiveApi, test_case: dict):
        assert thehive.cortex.list_responders(entity_type="case", entity_id=test_case["_id"]) == []

    def test_bulk_create_and_find_analyzer_jobs(self, thehive: TheHiveApi, test_observables: list):
        jobs = thehive.cortex.bulk_create_analyzer_jobs(
            jobs=[
                {"analyzerId": "example", "cortexId": "cortex", "artifactId": observable["_id"]}
                for observable in test_observables
            ]
        )
        assert len(jobs) == len(test_observables)
        assert {job["_type"] for job in jobs} == {"case_artifact_job"}
        found = thehive.cortex.find_analyzer_jobs(filters=Eq("analyzerId", "example"))
        assert sorted(job["_id"] for job in found) == sorted(job["_id"] for job in jobs)

    def test_list_analyzers_with_range(self, thehive: TheHiveApi):
        assert thehive.cortex.list_analyzers(range="all") == []
