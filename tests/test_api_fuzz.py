"""The API fuzzed from its own OpenAPI document (schemathesis): every operation the document lists, as every
role, with valid and invalid requests made up from the schemas, must never answer with a server error, and
what it answers must match the document (content type, headers, body schema).

One store for the whole module (a fresh SQLite file with a few synthetic ads and filled queues): building one
per operation would cost more than the fuzzing. Hypothesis runs derandomized, so a run is reproducible and a
failure comes back on every rerun until it is fixed. Routes other work adds are covered without a change here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from review_db import console
from trailguard.api.app import create_app
from trailguard.review import audit
from trailguard.settings import Settings

PEOPLE = {"adam": "admin", "ann": "analyst", "rita": "reviewer", "aud": "auditor"}
ROLES = {role: name for name, role in PEOPLE.items()}
# Examples per operation and role: 4 roles x ~20 operations x this stays under a minute on two shared cores.
EXAMPLES = 12
# Path parameters of stored rows (the store made by `fuzz_store`): ids of jobs, queues, items and users.
KNOWN: dict[str, list[Any]] = {
    "job_id": [1, 2, 3, 4, 5],
    "queue_id": [1, 2],
    "item_id": ["ad-1", "ad-2", "ad-3"],
    "name": sorted(PEOPLE),
}
# Not status_code_conformance: the document lists the 2xx and 422 answers FastAPI knows, not every 401, 403,
# 404 and 409 the routes give on purpose (test_api_roles checks those per role).
CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    log, tokens = console(f"sqlite:///{tmp / 'tg.db'}", tmp, 24, PEOPLE)
    assert isinstance(log, audit.AuditLog)
    yield create_app(log, Settings()), tokens
    log.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_store: tuple[Any, dict[str, str]]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_store[0])


def _fuzz(operation: Any, token: str) -> None:
    """Valid and invalid requests for one operation, each checked against the document."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    # Made-up ids almost never name a stored row, so the same operation is also fuzzed on rows that exist.
    params = re.findall(r"{(\w+)", operation.path)
    if len(params) == 1 and params[0] in KNOWN:
        strategies += [
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters={params[0]: value})
            for value in KNOWN[params[0]]
        ]
    cases = st.one_of(strategies)

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_server_errors_as_any_role(
    role: str, api_schema: Any, fuzz_store: tuple[Any, dict[str, str]]
) -> None:
    """Hypothesis driven by hand (`as_strategy`), not schemathesis's pytest plugin, whose lazy schemas need a
    private pytest attribute that pytest 9 no longer has."""
    token = fuzz_store[1][ROLES[role]]
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        try:
            _fuzz(operation, token)
        except Exception as exc:  # collected, so one run reports every operation that fails
            failures.append(f"{operation.label}: {exc}"[:3000])
    assert len(operations) >= 10
    assert failures == []


def test_the_fuzzed_document_lists_the_routes(api_schema: Any) -> None:
    """The fuzz above only reaches what the document lists: the work routes must be in it."""
    labels = {op.ok().label for op in api_schema.get_all_operations()}
    assert {"GET /api/items/{item_id}", "POST /api/jobs/{job_id}/decision", "POST /api/login"} <= labels


def test_a_refusal_by_the_stores_checks_has_the_documented_422_shape(
    fuzz_store: tuple[Any, dict[str, str]],
) -> None:
    """Found by the fuzz: a ValueError from the store (a taken user name) answered 422 with a string detail,
    where the document promises FastAPI's list of errors."""
    from fastapi.testclient import TestClient

    app, tokens = fuzz_store
    with TestClient(app) as client:
        r = client.post(
            "/api/users",
            json={"name": "rita", "role": "reviewer", "password": "a long enough password"},
            headers={"Authorization": f"Bearer {tokens['adam']}"},
        )
    assert r.status_code == 422
    assert r.json() == {"detail": [{"loc": ["body"], "msg": "user 'rita' exists", "type": "value_error"}]}
