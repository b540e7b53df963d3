"""The CyberTipline client and `submit_case` against a local stand-in of the API (tests/ncmec_standin.py) that
answers with the documented codes: 0, 4100, 5102, 401 with an empty body, and answers too slow to wait for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ncmec_standin import PASSWORD, USER, StandIn, running
from reports_case import Case, make_case, set_reporter, xsd_path
from trailguard.cli import app
from trailguard.evidence import custody
from trailguard.reports import cybertipline, ncmec_client, submission
from trailguard.reports.ncmec_client import Client, ClientSettings
from trailguard.reports.reporter import Reporter

REPORTER = Reporter("Example Safety Team", "Rita", "Reviewer", "reports@example.org", "+16175550100")


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with running(xsd_path()) as state:
        yield state


def _settings(
    standin: StandIn, environment: str = "test", password: str = PASSWORD, timeout: float = 5.0
) -> ClientSettings:
    return ClientSettings(USER, password, environment, standin.url, timeout_s=timeout, retries=1)


@pytest.fixture
def case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Case:
    return make_case(tmp_path, monkeypatch)


def _transfers(case: Case) -> list[dict[str, object]]:
    return [
        e.fields["details"]
        for e in custody.entries(case.engine, case.case_id)
        if e.fields["kind"] == "transfer"
    ]


def _submit(case: Case, client: Client) -> submission.SubmitResult:
    return submission.submit_case(
        case.engine,
        case.case_id,
        evidence_root=case.evidence,
        client=client,
        reporter=REPORTER,
        operator="rita",
        schema=cybertipline.load_schema(xsd_path()),
    )


def test_status_is_code_0_and_keeps_the_request_id(standin: StandIn) -> None:
    with Client(_settings(standin)) as client:
        answer = client.status()
    assert answer.code == 0 and answer.description == "Success"
    assert answer.request_id == standin.request_ids[-1]


def test_401_with_an_empty_body_is_an_auth_error(standin: StandIn) -> None:
    with (
        Client(_settings(standin, password="wrong")) as client,
        pytest.raises(ncmec_client.NcmecAuthError) as err,
    ):
        client.status()
    assert err.value.http_status == 401 and "refused (HTTP 401)" in str(err.value)
    assert err.value.request_id == standin.request_ids[-1] and standin.request_ids[-1] in str(err.value)


def test_invalid_xml_is_answered_4100(standin: StandIn) -> None:
    with Client(_settings(standin)) as client, pytest.raises(ncmec_client.NcmecValidationError) as err:
        client.submit(b"<report><reporter/></report>")
    assert err.value.code == 4100 and "failed NCMEC's validation (4100)" in str(err.value)
    assert err.value.request_id == standin.request_ids[-1]


def test_a_finished_report_is_answered_5102(standin: StandIn, case: Case) -> None:
    result = _submit(case, Client(_settings(standin, environment="production")))
    assert result.finished
    with Client(_settings(standin, environment="production")) as client:
        with pytest.raises(ncmec_client.NcmecFinishedError) as err:
            client.finish(result.report_id)
        assert err.value.code == 5102
        with pytest.raises(ncmec_client.NcmecFinishedError):
            client.retract(result.report_id)


def test_a_slow_post_times_out_once_and_is_not_resent(standin: StandIn) -> None:
    standin.slow.add("/submit")
    standin.delay = 1.5
    with (
        Client(_settings(standin, timeout=0.3)) as client,
        pytest.raises(ncmec_client.NcmecTimeoutError) as err,
    ):
        client.submit(b"<report/>")
    assert "may have been received" in str(err.value)
    assert standin.calls.count("/submit") == 1  # never sent twice: it may have been processed


def test_a_slow_status_is_retried_within_the_bound(standin: StandIn) -> None:
    standin.slow.add("/status")
    standin.delay = 1.0
    with Client(_settings(standin, timeout=0.2)) as client, pytest.raises(ncmec_client.NcmecTimeoutError):
        client.status()
    assert standin.calls.count("/status") == 2  # one try and `retries=1` more, then the error


def test_an_unreachable_service_is_a_clear_error() -> None:
    settings = ClientSettings(USER, PASSWORD, "test", "http://127.0.0.1:9/ispws", timeout_s=0.5, retries=0)
    with Client(settings) as client, pytest.raises(ncmec_client.NcmecError) as err:
        client.status()
    assert "cannot reach http://127.0.0.1:9/ispws" in str(err.value)


def test_test_mode_runs_every_step_but_finish_and_retracts(standin: StandIn, case: Case) -> None:
    result = _submit(case, Client(_settings(standin)))
    assert standin.calls == ["/status", "/submit", "/upload", "/fileinfo", "/retract"]
    assert "/finish" not in standin.calls and not result.finished and result.environment == "test"
    steps = [t["step"] for t in _transfers(case)]
    assert steps == ["submit", "upload", "fileinfo", "retract"]
    assert all(t["report_id"] == result.report_id for t in _transfers(case))
    assert submission.reported(case.engine, case.case_id) is None  # a test run never counts as reported
    with Client(_settings(standin)) as client, pytest.raises(ncmec_client.NcmecError, match="never finishes"):
        client.finish(result.report_id)


def test_production_flow_finishes_and_records_each_step(standin: StandIn, case: Case) -> None:
    result = _submit(case, Client(_settings(standin, environment="production")))
    assert standin.calls == ["/status", "/submit", "/upload", "/fileinfo", "/finish"]
    assert result.finished and len(result.files) == 1
    transfers = _transfers(case)
    assert [t["step"] for t in transfers] == ["submit", "upload", "fileinfo", "finish"]
    assert all(t["request_id"] in standin.request_ids for t in transfers)
    upload = transfers[1]
    content_sha = [
        e.fields["details"]["sha256"]
        for e in custody.entries(case.engine, case.case_id)
        if e.fields["kind"] == "capture"
    ]
    assert upload["sha256"] == content_sha[0] and upload["file_id"] == result.files[0]["file_id"]
    assert transfers[-1]["files"] == [result.files[0]["file_id"]]
    assert submission.reported(case.engine, case.case_id) == result.report_id
    assert custody.check_chain(custody.entries(case.engine, case.case_id), case.case_id) == []
    with pytest.raises(submission.SubmissionError, match="already reported"):
        _submit(case, Client(_settings(standin, environment="production")))


def test_a_failed_escalation_is_raised_and_leaves_the_case_unreported(standin: StandIn, case: Case) -> None:
    standin.fail_upload_code = 1000
    with pytest.raises(submission.SubmissionError) as err:
        _submit(case, Client(_settings(standin, environment="production")))
    message = str(err.value)
    assert "was not reported" in message and "response code 1000" in message and "was retracted" in message
    assert "/finish" not in standin.calls and standin.reports == {}  # the opened report was withdrawn
    assert submission.reported(case.engine, case.case_id) is None  # the console keeps its job queued
    assert [t["step"] for t in _transfers(case)] == ["submit", "failed"]
    standin.fail_upload_code = None
    assert _submit(case, Client(_settings(standin, environment="production"))).finished  # a retry works


def test_two_escalations_at_once_make_one_report(standin: StandIn, case: Case) -> None:
    import threading

    outcomes: list[object] = []

    def escalate() -> None:
        try:
            outcomes.append(_submit(case, Client(_settings(standin, environment="production"))))
        except submission.SubmissionError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=escalate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert standin.calls.count("/submit") == 1 and standin.calls.count("/finish") == 1
    errors = [o for o in outcomes if isinstance(o, submission.SubmissionError)]
    assert len(outcomes) == 2 and len(errors) == 1 and "already reported" in str(errors[0])


def test_an_unapproved_case_sends_nothing(
    standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unapproved = make_case(tmp_path, monkeypatch, approve=False)
    with pytest.raises(submission.SubmissionError, match="is not approved for reporting"):
        _submit(unapproved, Client(_settings(standin)))
    assert standin.calls == []


def test_an_operator_that_cannot_sign_sends_nothing(standin: StandIn, case: Case) -> None:
    with pytest.raises(submission.SubmissionError, match="is not allowed"):
        submission.submit_case(
            case.engine,
            case.case_id,
            evidence_root=case.evidence,
            client=Client(_settings(standin)),
            reporter=REPORTER,
            operator="../rita",
            schema=cybertipline.load_schema(xsd_path()),
        )
    assert standin.calls == []


def test_a_capture_file_changed_since_custody_is_never_sent(standin: StandIn, case: Case) -> None:
    archive = case.evidence / "cases" / case.case_id / "archive"
    (warc,) = archive.glob("*.warc.gz")
    warc.write_bytes(warc.read_bytes() + b"\0")
    with pytest.raises(submission.SubmissionError, match="does not match the SHA-256"):
        _submit(case, Client(_settings(standin)))
    assert standin.calls == []


def test_cli_submit_in_test_mode(
    standin: StandIn, case: Case, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_reporter(monkeypatch)
    monkeypatch.setenv("TRAILGUARD_NCMEC_XSD", str(xsd_path()))
    monkeypatch.setenv("TRAILGUARD_NCMEC_URL", standin.url)
    monkeypatch.setenv("TRAILGUARD_NCMEC_USERNAME", USER)
    monkeypatch.setenv("TRAILGUARD_NCMEC_PASSWORD", PASSWORD)
    monkeypatch.delenv("TRAILGUARD_NCMEC_ENVIRONMENT", raising=False)
    r = CliRunner().invoke(
        app, ["report", "cybertipline", "--case", case.case_id, "--submit", "--operator", "rita"]
    )
    assert r.exit_code == 0, r.stderr
    result = json.loads(r.stdout.splitlines()[-1])
    assert result["environment"] == "test" and result["finished"] is False
    assert "/finish" not in standin.calls
    monkeypatch.setenv("TRAILGUARD_NCMEC_PASSWORD", "wrong")
    r = CliRunner().invoke(
        app, ["report", "cybertipline", "--case", case.case_id, "--submit", "--operator", "rita"]
    )
    assert r.exit_code == 2 and "refused (HTTP 401)" in r.stderr and "was not reported" in r.stderr


def test_submit_without_credentials_stops_before_writing(
    case: Case, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_reporter(monkeypatch)
    monkeypatch.setenv("TRAILGUARD_NCMEC_XSD", str(xsd_path()))
    monkeypatch.delenv("TRAILGUARD_NCMEC_USERNAME", raising=False)
    out = tmp_path / "r.xml"
    args = ["report", "cybertipline", "--case", case.case_id, "--out", str(out), "--submit"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2 and "TRAILGUARD_NCMEC_USERNAME is not set" in r.stderr and not out.exists()


def test_settings_default_to_the_test_environment_and_require_credentials() -> None:
    settings = ClientSettings.from_env({"TRAILGUARD_NCMEC_USERNAME": "u", "TRAILGUARD_NCMEC_PASSWORD": "p"})
    assert settings.base_url == ncmec_client.TEST_URL and settings.test_mode
    prod = ClientSettings.from_env(
        {
            "TRAILGUARD_NCMEC_USERNAME": "u",
            "TRAILGUARD_NCMEC_PASSWORD": "p",
            "TRAILGUARD_NCMEC_ENVIRONMENT": "production",
        }
    )
    assert prod.base_url == ncmec_client.PRODUCTION_URL and not prod.test_mode
    with pytest.raises(ValueError, match="TRAILGUARD_NCMEC_PASSWORD is not set"):
        ClientSettings.from_env({"TRAILGUARD_NCMEC_USERNAME": "u"})
    for url in ("http://example.org", "http://localhost.example.org/ispws", "ftp://127.0.0.1/"):
        with pytest.raises(ValueError, match="must be an https URL"):
            ClientSettings.from_env(
                {
                    "TRAILGUARD_NCMEC_USERNAME": "u",
                    "TRAILGUARD_NCMEC_PASSWORD": "p",
                    "TRAILGUARD_NCMEC_URL": url,
                }
            )
    with pytest.raises(ValueError, match="must be an https URL"):
        ClientSettings.from_env(
            {
                "TRAILGUARD_NCMEC_USERNAME": "u",
                "TRAILGUARD_NCMEC_PASSWORD": "p",
                "TRAILGUARD_NCMEC_URL": "http://example.org",
            }
        )


_RESPONSE = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda code, extra: (
            f"<reportResponse><responseCode>{code}</responseCode>"
            f"<responseDescription>x</responseDescription>{extra}</reportResponse>"
        ).encode(),
        st.one_of(st.integers(-5, 6000), st.text(max_size=8)),
        st.sampled_from(["", "<reportId>12</reportId>", "<fileId>f</fileId><hash>AB</hash>", "<files/>"]),
    ),
)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([200, 400, 401, 500]), _RESPONSE)
def test_any_answer_is_parsed_or_a_clear_error(status: int, body: bytes) -> None:
    """What comes back over the network is hostile too: an Answer or an NcmecError, never another exception."""
    import httpx

    from trailguard.reports.ncmec_client import _answer

    response = httpx.Response(status, content=body, headers={"Request-ID": "r-1"})
    try:
        answer = _answer("status", response)
    except ncmec_client.NcmecError as exc:
        assert exc.request_id == "r-1" and str(exc).startswith("CyberTipline status: ")
    else:
        assert answer.code == 0 and status == 200 and answer.request_id == "r-1"
