"""Cortex organisations, users and keys through cortex4py: views of Waggle's own (identity is shared)."""
import os

import pytest
import requests
from cortex4py.api import Api
from cortex4py.exceptions import AuthorizationError, NotFoundError

THEHIVE_URL = os.environ["THEHIVE_URL"]
CORTEX_URL = os.environ["CORTEX_URL"]
ADMIN = (os.environ["THEHIVE_USER"], os.environ["THEHIVE_PASSWORD"])


@pytest.fixture(scope="module")
def superadmin():
    key = requests.post(f"{THEHIVE_URL}/api/v1/user/{ADMIN[0]}/key/renew", auth=ADMIN, timeout=30).text
    return Api(CORTEX_URL, key)


def test_organisations_for_superadmin_only(superadmin, org_a, org_b):
    names = [o.name for o in superadmin.organizations.find_all({}, range="all")]
    assert org_a.name in names and org_b.name in names
    assert superadmin.organizations.get_by_id(org_a.name).status == "Active"
    assert superadmin.organizations.count({}) >= 2
    with pytest.raises(AuthorizationError):
        org_a.admin.organizations.find_all({}, range="all")
    assert org_a.admin.organizations.get_by_id(org_a.name).name == org_a.name
    with pytest.raises((NotFoundError, AuthorizationError)):
        org_a.admin.organizations.get_by_id(org_b.name)


def test_users_roles_and_keys(org_a, org_b, unique):
    users = {u.id: u.roles for u in org_a.admin.organizations.get_users(org_a.name, {})}
    assert users[f"analyst@{org_a.name}"] == ["read", "analyze"]
    assert users[f"admin@{org_a.name}"] == ["read", "analyze", "orgadmin"]
    assert users[f"reader@{org_a.name}"] == ["read"]
    created = org_a.admin.users.create({"login": f"new-{unique}@{org_a.name}", "name": "New", "roles": ["read", "analyze"], "password": "secret123"})
    assert created.roles == ["read", "analyze"]
    assert created.organization == org_a.name
    key = org_a.admin.users.set_key(created.id)
    assert org_a.admin.users.get_key(created.id) == key
    newcomer = Api(CORTEX_URL, key)
    assert newcomer.analyzers.find_all({}, range="all") is not None
    with pytest.raises(NotFoundError):
        org_b.admin.users.get_by_id(created.id)
    with pytest.raises(AuthorizationError):
        org_a.analyst.organizations.get_users(org_a.name, {})
