"""Waggle's analysis engine driven by the real cortex4py 2.1.0 client, running a real cortexutils
analyzer (analyzers/TestPy) through the Cortex 3 job-directory protocol."""
import os
import tempfile

import pytest
import requests
from cortex4py.api import Api
from cortex4py.exceptions import AuthenticationError, AuthorizationError, InvalidInputError, NotFoundError
from cortex4py.query import Eq

CORTEX_URL = os.environ["CORTEX_URL"]


def test_status_and_bad_key():
    assert requests.get(CORTEX_URL + "/api/status", timeout=10).json()["versions"]["Cortex"]
    with pytest.raises(AuthenticationError):
        Api(CORTEX_URL, "not-a-key").analyzers.find_all({}, range="all")


def test_definitions_and_enable(org_a, testpy):
    defs = org_a.admin.analyzers.definitions()
    assert "TestPy_1_0" in [d.id for d in defs]
    assert testpy.name == "TestPy_1_0"
    assert testpy.workerDefinitionId == "TestPy_1_0"
    assert testpy.configuration["level"] == "suspicious"
    with pytest.raises(AuthorizationError):
        org_a.analyst.analyzers.enable("TestPy_1_0", {"configuration": {}})
    with pytest.raises(InvalidInputError):
        org_a.admin.analyzers.enable("TestPy_1_0", {"configuration": {"unknown_item": 1}})


def test_list_analyzers_and_by_type(org_a, testpy):
    names = [a.name for a in org_a.reader.analyzers.find_all({}, range="all")]
    assert "TestPy_1_0" in names
    assert [a.id for a in org_a.reader.analyzers.get_by_type("domain")] == [testpy.id]
    assert org_a.reader.analyzers.get_by_type("mail") == []
    assert org_a.reader.analyzers.get_by_name("TestPy_1_0").id == testpy.id
    assert org_a.reader.analyzers.get_by_id(testpy.id).name == "TestPy_1_0"


def test_run_on_data_and_wait_for_report(org_a, testpy, unique):
    job = org_a.analyst.analyzers.run_by_id(testpy.id, {"data": f"{unique}.example.org", "dataType": "domain", "tlp": 1, "message": "compat"})
    assert job.status in ("Waiting", "InProgress", "Success")
    assert org_a.analyst.jobs.get_by_id(job.id).id == job.id
    report = org_a.analyst.jobs.get_report_async(job.id, timeout="30seconds")
    assert report.status == "Success", report.json()
    r = report.report
    assert r["success"] is True
    assert r["summary"]["taxonomies"] == [{"level": "suspicious", "namespace": "TestPy", "predicate": "Data", "value": f"{unique}.example.org"}]
    assert r["full"]["data"] == f"{unique}.example.org"
    # cortexutils auto-extraction found the IP in the full report
    assert {"dataType": "ip", "data": "198.51.100.7"} in [{"dataType": a["dataType"], "data": a.get("data")} for a in r["artifacts"]]
    artifacts = org_a.analyst.jobs.get_artifacts(job.id)
    assert "198.51.100.7" in [a.data for a in artifacts]


def test_run_on_file(org_a, testpy, unique):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(f"file content {unique}")
    job = org_a.analyst.analyzers.run_by_name("TestPy_1_0", {"data": f.name, "dataType": "file", "tlp": 1})
    assert job.attachment["name"] == os.path.basename(f.name)
    done = org_a.analyst.jobs.get_report_async(job.id, timeout="30seconds")
    assert done.status == "Success", done.json()
    assert done.report["full"]["text"] == f"file content {unique}"
    assert done.report["full"]["size"] == len(f"file content {unique}")
    file_artifacts = [a for a in done.report["artifacts"] if a["dataType"] == "file"]
    assert len(file_artifacts) == 1
    content = requests.get(f"{CORTEX_URL}/api/datastore/{file_artifacts[0]['attachment']['id']}", headers={"Authorization": f"Bearer {org_a.keys['analyst']}"}, timeout=10)
    assert content.text == f"file content {unique}"
    os.unlink(f.name)


def test_tlp_limit_of_definition_is_enforced(org_a, testpy, unique):
    job = org_a.analyst.analyzers.run_by_id(testpy.id, {"data": f"{unique}.tlp", "dataType": "domain", "tlp": 3})
    done = org_a.analyst.jobs.get_report_async(job.id, timeout="30seconds")
    assert done.status == "Failure"
    assert "TLP is higher than allowed" in done.report["errorMessage"]


def test_cache_and_force(org_a, testpy, unique):
    first = org_a.analyst.analyzers.run_by_id(testpy.id, {"data": f"{unique}.cache", "dataType": "domain"})
    org_a.analyst.jobs.get_report_async(first.id, timeout="30seconds")
    again = org_a.analyst.analyzers.run_by_id(testpy.id, {"data": f"{unique}.cache", "dataType": "domain"})
    assert again.id == first.id
    assert again.json().get("fromCache") is True
    forced = org_a.analyst.analyzers.run_by_id(testpy.id, {"data": f"{unique}.cache", "dataType": "domain"}, force=1)
    assert forced.id != first.id


def test_rate_limit(org_b, unique):
    worker = org_b.admin.analyzers.enable("TestPy_1_0", {"configuration": {}, "rate": 2, "rateUnit": "Hour", "jobCache": 0})
    for i in range(2):
        org_b.analyst.analyzers.run_by_id(worker.id, {"data": f"{unique}-{i}.rate", "dataType": "domain"})
    r = requests.post(f"{CORTEX_URL}/api/analyzer/{worker.id}/run", json={"data": f"{unique}-x.rate", "dataType": "domain"}, headers={"Authorization": f"Bearer {org_b.keys['analyst']}"}, timeout=10)
    assert r.status_code == 429
    assert r.json()["type"] == "RateLimitExceeded"
    with pytest.raises(InvalidInputError):
        org_b.analyst.analyzers.run_by_id(worker.id, {"data": f"{unique}-y.rate", "dataType": "domain"})
    org_b.admin.analyzers.disable(worker.id)


def test_list_find_and_delete_jobs(org_a, testpy, unique):
    job = org_a.analyst.analyzers.run_by_id(testpy.id, {"data": f"{unique}.del", "dataType": "domain"})
    org_a.analyst.jobs.get_report_async(job.id, timeout="30seconds")
    assert job.id in [j.id for j in org_a.analyst.jobs.find_all({}, range="all")]
    assert org_a.analyst.jobs.find_one_by(Eq("data", f"{unique}.del")).id == job.id
    org_a.analyst.jobs.delete(job.id)
    assert org_a.analyst.jobs.get_by_id(job.id).status == "Deleted"
    assert job.id not in [j.id for j in org_a.analyst.jobs.find_all({}, range="all")]


def test_organisation_b_never_sees_a(org_a, org_b, testpy, unique):
    job = org_a.analyst.analyzers.run_by_id(testpy.id, {"data": f"{unique}.iso", "dataType": "domain"})
    with pytest.raises(NotFoundError):
        org_b.admin.jobs.get_by_id(job.id)
    with pytest.raises(NotFoundError):
        org_b.admin.jobs.get_report(job.id)
    with pytest.raises(NotFoundError):
        org_b.admin.analyzers.get_by_id(testpy.id)
    with pytest.raises(NotFoundError):
        org_b.admin.analyzers.update(testpy.id, {"configuration": {"level": "info"}})
    assert job.id not in [j.id for j in org_b.admin.jobs.find_all({}, range="all")]
    assert "TestPy_1_0" not in [a.name for a in org_b.admin.analyzers.find_all({}, range="all")]


def test_update_and_disable(org_a):
    # cortex4py's enable() always names the worker after the definition: enable a second one by hand
    r = requests.post(f"{CORTEX_URL}/api/organization/analyzer/TestPy_1_0", json={"name": "TestPy_other", "configuration": {}}, headers={"Authorization": f"Bearer {org_a.keys['org-admin']}"}, timeout=10)
    assert r.status_code == 201, r.text
    w = org_a.admin.analyzers.get_by_id(r.json()["id"])
    updated = org_a.admin.analyzers.update(w.id, {"jobTimeout": 5, "configuration": {"level": "info"}})
    assert updated.jobTimeout == 5
    assert updated.configuration["level"] == "info"
    org_a.admin.analyzers.disable(w.id)
    with pytest.raises(NotFoundError):
        org_a.admin.analyzers.get_by_id(w.id)
