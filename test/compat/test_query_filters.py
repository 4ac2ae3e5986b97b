"""Every filter of ``thehive4py.query.filters`` against the server.

Mirrors thehive4py tests/test_query_filters.py (on users), and checks that each filter selects
exactly the expected entities (on cases), not merely something.
"""

from typing import List

import pytest

from thehive4py import TheHiveApi
from thehive4py.helpers import now_to_ts
from thehive4py.query.filters import (
    Between,
    Contains,
    EndsWith,
    Eq,
    Gt,
    Gte,
    Has,
    Id,
    In,
    Like,
    Lt,
    Lte,
    Match,
    Ne,
    StartsWith,
)
from thehive4py.query.sort import Asc

from conftest import one_after_another


class TestQueryFiltersOnUsers:
    def test_between_contains_has_in(self, thehive: TheHiveApi, test_user: dict):
        assert thehive.user.find(filters=Between(field="_createdAt", start=0, end=now_to_ts() + 1))
        with pytest.deprecated_call():
            assert thehive.user.find(filters=Contains(field="login"))
        assert thehive.user.find(filters=Has(field="login"))
        assert thehive.user.find(filters=In(field="login", values=["...", "xyz", test_user["login"]])) == [test_user]

    def test_endswith_startswith(self, thehive: TheHiveApi, test_user: dict):
        assert thehive.user.find(filters=EndsWith(field="login", value=test_user["login"])) == [test_user]
        assert thehive.user.find(filters=StartsWith(field="login", value=test_user["login"])) == [test_user]

    def test_eq_ne_id(self, thehive: TheHiveApi, test_user: dict):
        assert thehive.user.find(filters=Eq(field="_id", value=test_user["_id"])) == [test_user]
        assert thehive.user.find(filters=Ne(field="_id", value=test_user["login"]))
        assert thehive.user.find(filters=Id(id=test_user["_id"])) == [test_user]

    def test_gt_gte_lt_lte(self, thehive: TheHiveApi, test_user: dict):
        assert thehive.user.find(filters=Gt(field="_createdAt", value=0))
        assert thehive.user.find(filters=Gte(field="_createdAt", value=0))
        assert thehive.user.find(filters=Lt(field="_createdAt", value=now_to_ts() + 1))
        assert thehive.user.find(filters=Lte(field="_createdAt", value=now_to_ts()))

    def test_like_match(self, thehive: TheHiveApi, test_user: dict):
        assert thehive.user.find(filters=Like(field="login", value=test_user["login"])) == [test_user]
        assert thehive.user.find(filters=Match(field="login", value=test_user["login"]))

    def test_and_or_not(self, thehive: TheHiveApi, test_user: dict):
        assert thehive.user.find(
            filters=Id(id=test_user["_id"])
            & (Eq(field="login", value=test_user["login"]) | Eq(field="login", value="..."))
            & ~Eq(field="login", value="...")
        ) == [test_user]


@pytest.fixture
def filter_cases(thehive: TheHiveApi) -> List[dict]:
    specs = [
        {"title": "alpha incident", "description": "first", "severity": 1, "tags": ["red", "blue"], "flag": True},
        {"title": "beta incident", "description": "second", "severity": 2, "tags": ["blue"]},
        {"title": "gamma event", "description": "third", "severity": 3, "summary": "has a summary"},
        {"title": "delta event", "description": "fourth", "severity": 4, "tags": ["green"]},
    ]
    return one_after_another(lambda spec: thehive.case.create(case=spec), specs)


def _titles(cases: List[dict]) -> List[str]:
    return sorted(c["title"] for c in cases)


class TestQueryFiltersOnCases:
    def test_eq_and_ne(self, thehive: TheHiveApi, filter_cases: List[dict]):
        assert _titles(thehive.case.find(filters=Eq("severity", 2))) == ["beta incident"]
        assert _titles(thehive.case.find(filters=Eq("tags", "blue"))) == ["alpha incident", "beta incident"]
        assert _titles(thehive.case.find(filters=Eq("flag", True))) == ["alpha incident"]
        assert _titles(thehive.case.find(filters=Ne("severity", 2))) == ["alpha incident", "delta event", "gamma event"]

    def test_comparisons(self, thehive: TheHiveApi, filter_cases: List[dict]):
        assert _titles(thehive.case.find(filters=Gt("severity", 2))) == ["delta event", "gamma event"]
        assert _titles(thehive.case.find(filters=Gte("severity", 2))) == ["beta incident", "delta event", "gamma event"]
        assert _titles(thehive.case.find(filters=Lt("severity", 2))) == ["alpha incident"]
        assert _titles(thehive.case.find(filters=Lte("severity", 2))) == ["alpha incident", "beta incident"]

    def test_between_is_half_open(self, thehive: TheHiveApi, filter_cases: List[dict]):
        assert _titles(thehive.case.find(filters=Between("severity", 2, 4))) == ["beta incident", "gamma event"]
        first, last = filter_cases[0]["_createdAt"], filter_cases[-1]["_createdAt"]
        assert len(thehive.case.find(filters=Between("_createdAt", first, last + 1))) == 4

    def test_in(self, thehive: TheHiveApi, filter_cases: List[dict]):
        assert _titles(thehive.case.find(filters=In("title", ["gamma event", "nothing"]))) == ["gamma event"]
        assert _titles(thehive.case.find(filters=In("severity", [1, 4]))) == ["alpha incident", "delta event"]

    def test_string_matching(self, thehive: TheHiveApi, filter_cases: List[dict]):
        assert _titles(thehive.case.find(filters=StartsWith("title", "gam"))) == ["gamma event"]
        assert _titles(thehive.case.find(filters=EndsWith("title", "incident"))) == ["alpha incident", "beta incident"]
        assert _titles(thehive.case.find(filters=Like("title", "*incid*"))) == ["alpha incident", "beta incident"]
        assert _titles(thehive.case.find(filters=Like("title", "delta*"))) == ["delta event"]
        assert _titles(thehive.case.find(filters=Like("title", "*event"))) == ["delta event", "gamma event"]
        assert _titles(thehive.case.find(filters=Like("title", "beta incident"))) == ["beta incident"]
        assert _titles(thehive.case.find(filters=Match("title", "gamma"))) == ["gamma event"]

    def test_has(self, thehive: TheHiveApi, filter_cases: List[dict]):
        assert _titles(thehive.case.find(filters=Has("summary"))) == ["gamma event"]
        with pytest.deprecated_call():
            contains = Contains("summary")
        assert _titles(thehive.case.find(filters=contains)) == ["gamma event"]

    def test_id(self, thehive: TheHiveApi, filter_cases: List[dict]):
        assert thehive.case.find(filters=Id(filter_cases[2]["_id"])) == [filter_cases[2]]

    def test_boolean_combinations(self, thehive: TheHiveApi, filter_cases: List[dict]):
        assert _titles(thehive.case.find(filters=Eq("tags", "blue") & Gt("severity", 1))) == ["beta incident"]
        assert _titles(thehive.case.find(filters=Eq("severity", 1) | Eq("severity", 4))) == ["alpha incident", "delta event"]
        assert _titles(thehive.case.find(filters=~Eq("tags", "blue"))) == ["delta event", "gamma event"]
        assert _titles(
            thehive.case.find(filters=(Eq("severity", 1) | Eq("severity", 3)) & ~Like("title", "*event"))
        ) == ["alpha incident"]

    def test_sorted_by_system_field(self, thehive: TheHiveApi, filter_cases: List[dict]):
        assert thehive.case.find(sortby=Asc("_createdAt")) == filter_cases
