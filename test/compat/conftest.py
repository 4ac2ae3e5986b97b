"""Session set-up for the thehive4py compatibility suite.

Waggle is started by run.mjs, which passes its address in THEHIVE_URL. This module prepares
the instance the way thehive4py's integration image is prepared (their tests/utils.py
``init_hive_instance``): a main organisation ``test-org`` and a second one ``share-org``, linked
together, with the administrator ``admin@thehive.local`` / ``secret`` member of both as
``org-admin`` (default organisation: ``test-org``). Before every test the instance is emptied the
way their ``reset_hive_instance`` does it. The fixtures below mirror the ones of their
tests/conftest.py so that each test reads like its upstream counterpart.
"""

from __future__ import annotations

import os
import re
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, List

import pytest

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.helpers import now_to_ts
from thehive4py.query.filters import Eq


@dataclass(frozen=True)
class CompatConfig:
    url: str
    user: str
    password: str
    admin_org: str = "admin"
    main_org: str = "test-org"
    share_org: str = "share-org"


SYSTEM_LOGIN = "system@thehive.local"

# thehive4py retries 5xx answers five times with exponential back-off (30 s per call). The
# suite turns retries off so that a server error shows at once, with the server's answer,
# instead of slowing the run down and re-sending POSTs.
NO_RETRY = 0


# Non-2xx answers received while the current test runs, shown with its failure report so that
# a failure can be routed to the endpoint that answered wrongly.
_ERROR_ANSWERS: List[str] = []


def _record_error_answer(response, *args, **kwargs):
    if response.status_code >= 400:
        request = response.request
        _ERROR_ANSWERS.append(
            f"{request.method} {request.path_url} -> {response.status_code} {response.text[:400]}"
        )
    return response


def make_client(config: CompatConfig, organisation: str | None, **kwargs) -> TheHiveApi:
    client = TheHiveApi(
        url=config.url,
        username=kwargs.pop("username", config.user),
        password=kwargs.pop("password", config.password),
        organisation=organisation,
        max_retries=kwargs.pop("max_retries", NO_RETRY),
        **kwargs,
    )
    client.session.hooks["response"].append(_record_error_answer)
    return client


def describe_error(err: TheHiveError) -> str:
    """`TheHiveError` with the HTTP status and body, for failure messages."""
    response = getattr(err, "response", None)
    if response is None:
        return str(err)
    return f"{response.request.method} {response.request.url} -> {response.status_code} {response.text[:500]}"


# ---------------------------------------------------------------------------
# instance preparation
# ---------------------------------------------------------------------------


def _wait_until_ready(url: str, timeout: float = 30.0) -> None:
    import requests

    end = time.time() + timeout
    while time.time() < end:
        try:
            if requests.get(f"{url}/api/status", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Waggle at {url} did not answer GET /api/status")


def _ensure_organisation(admin: TheHiveApi, name: str, description: str) -> None:
    if not admin.organisation.find(filters=Eq("name", name)):
        admin.organisation.create(organisation={"name": name, "description": description})


def prepare_instance(config: CompatConfig) -> List[str]:
    """Creates and links the organisations and makes the admin a member of them.

    Returns the problems met on the optional steps (linking), which are reported as warnings:
    the organisation tests check linking on their own.
    """
    problems: List[str] = []
    _wait_until_ready(config.url)
    admin = make_client(config, config.admin_org)
    current_user = admin.user.get_current()

    _ensure_organisation(admin, config.main_org, "main organisation for testing")
    _ensure_organisation(admin, config.share_org, "second organisation, for sharing tests")

    admin.user.set_organisations(
        user_id=current_user["_id"],
        organisations=[
            {"organisation": config.main_org, "profile": "org-admin", "default": True},
            {"organisation": config.share_org, "profile": "org-admin"},
            {"organisation": config.admin_org, "profile": "admin"},
        ],
    )

    try:
        admin.organisation.link(
            org_id=config.main_org,
            other_org_id=config.share_org,
            link={"linkType": "default", "otherLinkType": "default"},
        )
    except TheHiveError as err:
        problems.append(f"linking {config.main_org} and {config.share_org} failed: {describe_error(err)}")
    return problems


def _outcome(fn: Callable, *args) -> str | None:
    try:
        fn(*args)
        return None
    except TheHiveError as err:
        if err.response is not None and err.response.status_code == 404:
            return None  # already gone (e.g. a shared case deleted by its owner)
        return describe_error(err)


def _list(problems: List[str], what: str, fn: Callable, *args) -> List[dict]:
    try:
        return fn(*args)
    except TheHiveError as err:
        problems.append(f"{what}: {describe_error(err)}")
        return []


def _delete_all(pool: ThreadPoolExecutor, problems: List[str], what: str, delete: Callable, entities: List[dict]) -> None:
    ids = [entity["_id"] for entity in entities]
    for entity_id, outcome in zip(ids, pool.map(lambda i: _outcome(delete, i), ids)):
        if outcome:
            problems.append(f"delete {what} {entity_id}: {outcome}")


def reset_instance(config: CompatConfig) -> List[str]:
    """Empties the instance like thehive4py's ``reset_hive_instance``.

    In test-org and share-org: alerts, cases, case templates, page templates and organisation
    attachments. In the admin organisation: users, profiles and observable types not created
    by ``system@thehive.local`` (the administrator excepted), and every custom field.
    Everything is listed at once; deletions go test-org first (a case shared with share-org is
    listed by both), then share-org, then the admin entities (an observable type can only go
    once the observables using it are gone).
    """
    problems: List[str] = []
    orgs = [config.main_org, config.share_org]
    clients = {org: make_client(config, org) for org in [*orgs, config.admin_org]}
    admin = clients[config.admin_org]
    not_system = ~Eq("_createdBy", SYSTEM_LOGIN)
    listings = {}
    with ThreadPoolExecutor(max_workers=12) as pool:
        for org in orgs:
            client = clients[org]
            listings[(org, "alert")] = pool.submit(_list, problems, f"list alerts of {org}", client.alert.find)
            listings[(org, "case")] = pool.submit(_list, problems, f"list cases of {org}", client.case.find)
            listings[(org, "case template")] = pool.submit(
                _list, problems, f"list case templates of {org}", client.case_template.find
            )
            listings[(org, "page template")] = pool.submit(
                _list, problems, f"list page templates of {org}", client.page_template.find
            )
            listings[(org, "attachment")] = pool.submit(
                _list, problems, f"list attachments of {org}", client.organisation.find_attachments, org
            )
        admin_listings = {
            "user": pool.submit(_list, problems, "list users", admin.user.find, not_system & ~Eq("login", config.user)),
            "profile": pool.submit(_list, problems, "list profiles", admin.profile.find, not_system),
            "observable type": pool.submit(_list, problems, "list observable types", admin.observable_type.find, not_system),
            "custom field": pool.submit(_list, problems, "list custom fields", admin.custom_field.list),
        }

        for org in orgs:
            client = clients[org]
            deleters = {
                "alert": client.alert.delete,
                "case": client.case.delete,
                "case template": client.case_template.delete,
                "page template": client.page_template.delete,
                "attachment": client.organisation.delete_attachment,
            }
            for kind, delete in deleters.items():
                _delete_all(pool, problems, f"{kind} of {org}", delete, listings[(org, kind)].result())
        admin_deleters = {
            "user": admin.user.delete,
            "profile": admin.profile.delete,
            "observable type": admin.observable_type.delete,
            "custom field": admin.custom_field.delete,
        }
        for kind, delete in admin_deleters.items():
            _delete_all(pool, problems, kind, delete, admin_listings[kind].result())
    return problems


# ---------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------


def one_after_another(create: Callable, specs: list) -> list:
    """Creates entities in order, a few milliseconds apart.

    Tests sort them back by ``_createdAt`` (as upstream does); a fast server could otherwise
    give two of them the same millisecond, and the order of equal keys is not defined.
    """
    created = []
    for spec in specs:
        if created:
            time.sleep(0.003)
        created.append(create(spec))
    return created


@pytest.fixture(scope="session")
def test_config() -> CompatConfig:
    return CompatConfig(
        url=os.environ.get("THEHIVE_URL", "http://127.0.0.1:9000").rstrip("/"),
        user=os.environ.get("THEHIVE_USER", "admin@thehive.local"),
        password=os.environ.get("THEHIVE_PASSWORD", "secret"),
    )


@pytest.fixture(scope="session")
def prepared_instance(test_config: CompatConfig) -> CompatConfig:
    for problem in prepare_instance(test_config):
        warnings.warn(f"instance preparation: {problem}")
    return test_config


@pytest.fixture(scope="session")
def thehive(prepared_instance: CompatConfig) -> TheHiveApi:
    return make_client(prepared_instance, prepared_instance.main_org)


# Problems met while resetting the instance, each reported once at the end of the run
# (a missing list operation would otherwise warn before every test).
_RESET_PROBLEMS: dict = {}


@pytest.fixture(autouse=True)
def auto_reset_instance(prepared_instance: CompatConfig, thehive: TheHiveApi, request):
    for problem in reset_instance(prepared_instance):
        key = re.sub(r"~\d+", "~<id>", re.sub(r"http://[^/ ]+", "", problem))
        _RESET_PROBLEMS.setdefault(key, request.node.nodeid)
    # the session client may have been left in another organisation by a failed test
    thehive.session_organisation = prepared_instance.main_org
    _ERROR_ANSWERS.clear()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _ERROR_ANSWERS and call.when in ("setup", "call"):
        report.sections.append(("server error answers during this test", "\n".join(_ERROR_ANSWERS[-10:])))


def pytest_terminal_summary(terminalreporter):
    if _RESET_PROBLEMS:
        terminalreporter.section("instance reset problems (first seen before the named test)")
        for problem, nodeid in _RESET_PROBLEMS.items():
            terminalreporter.write_line(f"{problem}  [{nodeid}]")


@pytest.fixture
def thehive_admin(prepared_instance: CompatConfig) -> TheHiveApi:
    """A client working in the ``admin`` organisation.

    Upstream switches the organisation of the shared client instead; a separate client lets a
    test use both (e.g. an admin-made custom field on a case of ``test-org``).
    """
    return make_client(prepared_instance, prepared_instance.admin_org)


@pytest.fixture
def thehive_share(test_config: CompatConfig, prepared_instance: CompatConfig) -> TheHiveApi:
    """A second client working in the share organisation."""
    return make_client(test_config, test_config.share_org)


@pytest.fixture
def test_alert(thehive: TheHiveApi):
    return thehive.alert.create(
        alert={
            "title": "my first alert",
            "description": "...",
            "type": "test",
            "source": "test",
            "sourceRef": "first",
            "externalLink": "http://",
            "date": now_to_ts(),
            "tags": ["whatever"],
        }
    )


@pytest.fixture
def test_alerts(thehive: TheHiveApi):
    return one_after_another(
        lambda spec: thehive.alert.create(
            alert={
                "title": spec[0],
                "description": "...",
                "type": "test",
                "source": "test",
                "sourceRef": spec[1],
                "date": now_to_ts(),
            }
        ),
        [("my first alert", "first"), ("my second alert", "second")],
    )


@pytest.fixture
def test_case(thehive: TheHiveApi):
    return thehive.case.create(case={"title": "my first case", "description": "...", "tags": ["whatever"]})


@pytest.fixture
def test_cases(thehive: TheHiveApi):
    return one_after_another(
        lambda title: thehive.case.create(case={"title": title, "description": "...", "tags": ["whatever"]}),
        ["my first case", "my second case"],
    )


@pytest.fixture
def test_case_template(thehive: TheHiveApi):
    return thehive.case_template.create(
        case_template={"name": "my first case template", "description": "...", "tags": ["template-tag"]}
    )


@pytest.fixture
def test_case_templates(thehive: TheHiveApi):
    return one_after_another(
        lambda spec: thehive.case_template.create(case_template={"name": spec[0], "description": "...", "tags": [spec[1]]}),
        [("my first case template", "template-tag-1"), ("my second case template", "template-tag-2")],
    )


@pytest.fixture
def test_page_template(thehive: TheHiveApi):
    return thehive.page_template.create(
        page_template={"title": "my first page template", "category": "testing", "content": "..."}
    )


@pytest.fixture
def test_page_templates(thehive: TheHiveApi):
    return one_after_another(
        lambda title: thehive.page_template.create(page_template={"title": title, "category": "testing", "content": "..."}),
        ["my first page template", "my second page template"],
    )


@pytest.fixture
def test_observable(thehive: TheHiveApi, test_case):
    return thehive.observable.create_in_case(
        case_id=test_case["_id"],
        observable={
            "dataType": "domain",
            "data": "example.com",
            "message": "test observable",
            "tlp": 1,
            "pap": 1,
            "tags": ["test-tag"],
        },
    )[0]


@pytest.fixture
def test_observables(thehive: TheHiveApi, test_case):
    specs = [
        {"dataType": "domain", "data": "example.com", "message": "test observable", "tlp": 1, "pap": 1, "tags": ["test-tag"]},
        {"dataType": "ip", "data": "127.0.0.1", "message": "test observable", "tlp": 2, "pap": 2, "tags": ["test-tag"]},
    ]
    return one_after_another(
        lambda spec: thehive.observable.create_in_case(case_id=test_case["_id"], observable=spec)[0], specs
    )


@pytest.fixture
def test_task(thehive: TheHiveApi, test_case):
    return thehive.task.create(case_id=test_case["_id"], task={"title": "my first task"})


@pytest.fixture
def test_tasks(thehive: TheHiveApi, test_case):
    return one_after_another(
        lambda title: thehive.task.create(case_id=test_case["_id"], task={"title": title}),
        ["my first task", "my second task"],
    )


@pytest.fixture
def test_task_log(thehive: TheHiveApi, test_task):
    return thehive.task_log.create(task_id=test_task["_id"], task_log={"message": "test log"})


@pytest.fixture
def test_task_logs(thehive: TheHiveApi, test_task):
    return one_after_another(
        lambda message: thehive.task_log.create(task_id=test_task["_id"], task_log={"message": message}),
        ["my first log", "my second log"],
    )


@pytest.fixture
def test_comment(thehive: TheHiveApi, test_case):
    return thehive.comment.create_in_case(case_id=test_case["_id"], comment={"message": "my first comment"})


@pytest.fixture
def test_comments(thehive: TheHiveApi, test_case):
    return one_after_another(
        lambda message: thehive.comment.create_in_case(case_id=test_case["_id"], comment={"message": message}),
        ["my first comment", "my second comment"],
    )


@pytest.fixture
def test_procedure(thehive: TheHiveApi, test_case):
    return thehive.procedure.create_in_case(
        case_id=test_case["_id"],
        procedure={"occurDate": now_to_ts(), "patternId": "T1059.006", "tactic": "execution", "description": "..."},
    )


@pytest.fixture
def test_case_page(thehive: TheHiveApi, test_case):
    return thehive.case.create_page(
        case_id=test_case["_id"], page={"title": "my case page", "category": "testing", "content": "..."}
    )


@pytest.fixture
def test_timeline_event(thehive: TheHiveApi, test_case):
    return thehive.timeline.create_event(
        case_id=test_case["_id"],
        event={"date": now_to_ts(), "endDate": now_to_ts(), "title": "test timeline event", "description": "..."},
    )


@pytest.fixture
def test_user(test_config: CompatConfig, thehive: TheHiveApi):
    return thehive.user.create(
        user={
            "email": "user@example.com",
            "name": "test user",
            "login": "user@example.com",
            "profile": "analyst",
            "organisation": test_config.main_org,
        }
    )


@pytest.fixture
def test_profile(thehive_admin: TheHiveApi):
    return thehive_admin.profile.create(profile={"name": "my-read-only", "permissions": []})


@pytest.fixture
def test_custom_field(thehive_admin: TheHiveApi):
    return thehive_admin.custom_field.create(
        custom_field={
            "name": "test-field",
            "type": "string",
            "displayName": "Test Field",
            "description": "...",
            "group": "default",
            "options": [],
        }
    )


@pytest.fixture
def test_observable_type(thehive_admin: TheHiveApi):
    return thehive_admin.observable_type.create(observable_type={"name": "my-observable-type"})
