"""The OpenAPI document against the running gateway, with schemathesis.

A real ``hotline-gateway serve`` process; schemathesis generates requests from
``/api/v1/openapi.json`` (valid ones and broken ones) and checks that no answer is a 5xx and
that every status code, content type and JSON body is the one the document promises.  Half of
the generated cases carry a real API key, so validation and storage paths run, not only the 403.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from tests.browser.conftest import start_gateway


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("openapi")
    exe = Path(sys.executable).with_name("hotline-gateway")
    out = subprocess.run([str(exe), "apikeys", "create", "--name", "schemathesis", "--db", str(tmp / "gw.sqlite3")],
                         capture_output=True, text=True, check=True)
    key = out.stdout.split()[-1]
    for base in start_gateway(tmp, "--miniapp-rate-per-submitter-per-hour", "100000"):
        yield base, key


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_document_is_served_and_covers_both_apis(live):
    import json
    import urllib.request
    base, _ = live
    doc = json.load(urllib.request.urlopen(base + "/api/v1/openapi.json"))
    assert doc["openapi"].startswith("3.")
    paths = set(doc["paths"])
    assert {"/open311/v2/services.{fmt}", "/open311/v2/requests.{fmt}", "/open311/v2/requests/{service_request_id}.{fmt}",
            "/open311/v2/tokens/{token}.{fmt}", "/api/v1/miniapp/requests", "/api/v1/miniapp/requests/{id}"} <= paths


def test_the_api_keeps_the_promises_of_its_document(live):
    """Every operation, 30 valid and 20 invalid generated cases each (schemathesis' pytest plugin does not run under
    pytest 9, so the cases are drawn with Hypothesis directly from schemathesis' strategies)."""
    base, key = live
    api = schemathesis.openapi.from_url(base + "/api/v1/openapi.json")
    ran, statuses = 0, {}
    for result in api.get_all_operations():
        op = result.ok()
        for mode, examples in ((GenerationMode.POSITIVE, 30), (GenerationMode.NEGATIVE, 20)):

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def check(case):
                if mode is GenerationMode.POSITIVE:       # valid requests carry the real key
                    for part, name in ((case.query, "api_key"), (case.body, "api_key"), (case.headers, "X-Api-Key")):
                        if isinstance(part, dict) and name in part:
                            part[name] = key
                response = case.call_and_validate(checks=CHECKS)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, op.label    # nothing to break (no parameters)
        ran += 1
    assert ran >= 9                 # every documented operation was exercised
    # both the refusals and the successes were reached, so the checks saw real bodies
    assert statuses.get(200, 0) + statuses.get(201, 0) >= 5 and sum(v for k, v in statuses.items() if k >= 400) > 20, statuses
