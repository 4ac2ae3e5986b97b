"""The TheHive side through the real thehive4py 2.1.0 client: an analyzer job on a case observable
runs on Waggle's in-process engine (the cortexutils TestPy analyzer), its taxonomies appear in the
observable's ``reports``, and the auto-run rule (run.mjs: ip -> TestPy_1_0) analyses a new IP
observable without anyone asking."""
import os
import time

from thehive4py.client import TheHiveApi

THEHIVE_URL = os.environ["THEHIVE_URL"]


def _hive(org):
    return TheHiveApi(url=THEHIVE_URL, username=f"analyst@{org.name}", password="secret123", organisation=org.name)


def _wait(fn, timeout=30.0):
    end = time.time() + timeout
    while True:
        value = fn()
        if value or time.time() > end:
            return value
        time.sleep(0.2)


def test_analyzer_job_on_case_observable(org_a, testpy, unique):
    hive = _hive(org_a)
    assert [a["name"] for a in hive.cortex.list_analyzers_by_type(data_type="domain")] == ["TestPy_1_0"]
    case = hive.case.create(case={"title": f"analysis {unique}", "description": "thehive4py"})
    observable = hive.case.create_observable(case_id=case["_id"], observable={"dataType": "domain", "data": f"{unique}.hive.example", "tlp": 1})[0]
    job = hive.cortex.create_analyzer_job(job={"analyzerId": testpy.id, "cortexId": "local", "artifactId": observable["_id"]})
    assert job["_type"] == "case_artifact_job"
    assert job["analyzerName"] == "TestPy_1_0"
    done = _wait(lambda: (lambda j: j if j["status"] in ("Success", "Failure") else None)(hive.cortex.get_analyzer_job(job_id=job["_id"])))
    assert done and done["status"] == "Success", done
    assert done["report"]["full"]["data"] == f"{unique}.hive.example"
    reports = hive.observable.get(observable_id=observable["_id"])["reports"]
    assert reports == {"TestPy_1_0": {"taxonomies": [{"level": "suspicious", "namespace": "TestPy", "predicate": "Data", "value": f"{unique}.hive.example"}]}}


def test_auto_run_analyses_new_ip_observable(org_a, testpy, unique):
    hive = _hive(org_a)
    case = hive.case.create(case={"title": f"auto {unique}", "description": "auto-run"})
    ip = f"192.0.2.{int(unique[:4], 16) % 250 + 1}"
    observable = hive.case.create_observable(case_id=case["_id"], observable={"dataType": "ip", "data": ip, "tlp": 1})[0]
    reports = _wait(lambda: hive.observable.get(observable_id=observable["_id"])["reports"])
    assert reports["TestPy_1_0"]["taxonomies"][0]["value"] == ip


def test_engine_health_and_unknown_engine(org_a, unique):
    hive = _hive(org_a)
    health = hive.session.make_request("GET", path="/api/connector/cortex/status")
    assert health["health"] == "green"
    assert [s["name"] for s in health["servers"]] == ["local"]
    case = hive.case.create(case={"title": f"fake {unique}", "description": "fake ids"})
    observable = hive.case.create_observable(case_id=case["_id"], observable={"dataType": "domain", "data": f"{unique}.fake"})[0]
    job = hive.cortex.create_analyzer_job(job={"analyzerId": "example", "cortexId": "cortex", "artifactId": observable["_id"]})
    assert job["status"] == "Failure"
    assert "No analysis engine named cortex" in job["report"]["errorMessage"]
