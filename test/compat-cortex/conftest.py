"""Fixtures: two Waggle organisations with an org-admin and an analyst each, their API keys, and
cortex4py clients pointed at Waggle's Cortex API (CORTEX_URL). Identity is Waggle's: the
organisations and users are created through the TheHive API (THEHIVE_URL)."""
import os
import uuid

import pytest
import requests
from cortex4py.api import Api

THEHIVE_URL = os.environ["THEHIVE_URL"]
CORTEX_URL = os.environ["CORTEX_URL"]
ADMIN = (os.environ["THEHIVE_USER"], os.environ["THEHIVE_PASSWORD"])


def _post(path, body):
    r = requests.post(THEHIVE_URL + path, json=body, auth=ADMIN, timeout=30)
    assert r.status_code in (200, 201), f"{path}: {r.status_code} {r.text}"
    return r


class Org:
    def __init__(self, name):
        self.name = name
        _post("/api/v1/organisation", {"name": name, "description": f"cortex compat {name}"})
        self.keys = {}
        for profile, login in (("org-admin", f"admin@{name}"), ("analyst", f"analyst@{name}"), ("read-only", f"reader@{name}")):
            _post("/api/v1/user", {"login": login, "name": login, "profile": profile, "organisation": name, "password": "secret123"})
            self.keys[profile] = requests.post(f"{THEHIVE_URL}/api/v1/user/{login}/key/renew", auth=ADMIN, timeout=30).text
        self.admin = Api(CORTEX_URL, self.keys["org-admin"])
        self.analyst = Api(CORTEX_URL, self.keys["analyst"])
        self.reader = Api(CORTEX_URL, self.keys["read-only"])


@pytest.fixture(scope="session")
def org_a():
    return Org(f"ca-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="session")
def org_b():
    return Org(f"cb-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="session")
def testpy(org_a):
    """The cortexutils test analyzer enabled in organisation A."""
    return org_a.admin.analyzers.enable("TestPy_1_0", {"configuration": {"level": "suspicious"}, "jobCache": 10})


@pytest.fixture()
def unique():
    return uuid.uuid4().hex[:10]
