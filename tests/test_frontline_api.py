"""The public API and pages through the ASGI app: a report becomes a queued "public report" item, hash
codes become a victim submission withdrawn by reference, and the guards (proof of work, size, rate) hold."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review_db import console, fresh_database
from trailguard.api.app import create_app
from trailguard.frontline.proof_of_work import solve
from trailguard.review import tables as rt
from trailguard.review import work
from trailguard.settings import Settings
from trailguard.store import banks
from trailguard.store import tables as st

PAGES = ("/screening", "/help", "/report", "/report/status", "/hash", "/hash/withdraw")


def _client(url: str, tmp_path: Path, rate: int = 100) -> tuple[TestClient, object]:
    log, _ = console(url, tmp_path, 4, {"rita": "reviewer"})
    app = create_app(log, Settings(public_pow_bits=8, public_rate_limit=rate))  # type: ignore[arg-type]
    return TestClient(app), log


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    postgres = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with fresh_database(request.param, tmp_path, postgres) as url:
        c, log = _client(url, tmp_path)
        with c:
            yield c
        log.engine.dispose()  # type: ignore[attr-defined]


def _proof(c: TestClient) -> dict[str, str]:
    issued = c.post("/api/public/challenge").json()
    return {"challenge": issued["token"], "counter": solve(issued["token"], issued["bits"])}


def _engine(c: TestClient):  # type: ignore[no-untyped-def]
    return c.app.state.ctx.log.engine  # type: ignore[attr-defined]


def test_a_public_report_becomes_a_queued_item_marked_public_report(client: TestClient) -> None:
    body = {"url": "https://ads.example.com/listing/0101", "platform": "Example Ads",
            "seen": "An ad for 'models' aged 16, call (617) 555-0101 <b>now</b>", "contact": ""}  # fmt: skip
    r = client.post("/api/public/reports", json={**body, **_proof(client)})
    assert r.status_code == 201, r.text
    reference = r.json()["reference"]
    engine = _engine(client)
    with engine.connect() as conn:
        item = conn.execute(select(st.items).where(st.items.c.platform == "public report")).one()
        job = conn.execute(select(rt.jobs).where(rt.jobs.c.item_id == item.id)).one()
        queue = conn.execute(select(rt.queues.c.name).where(rt.queues.c.id == job.queue_id)).scalar_one()
        actions = conn.execute(select(rt.audit_events.c.action)).scalars().all()
        found = conn.execute(
            select(st.entities.c.type, st.entities.c.value).where(st.entities.c.item_id == item.id)
        )
        entities = set(found.tuples())
    assert queue == work.PUBLIC_REPORTS and job.status == "open"
    assert item.url == body["url"] and item.data["text"] == body["seen"]
    assert item.data["extra"]["source"] == "public report" and "contact" not in item.data["extra"]
    assert reference not in str(item.data) and reference not in item.id  # only its hash is kept
    assert "public_report.receive" in actions and "job.create" in actions
    assert {("phone", "+16175550101"), ("age", "16")} <= entities  # extracted as a scan would, for linking
    # The reporter follows up by reference; the status says where it stands, never the decision.
    status = client.post("/api/public/reports/status", json={"reference": reference.lower()})
    assert status.json() == {"status": "received"}
    page = client.post("/report/status?lang=es", data={"reference": reference})
    assert "está a la espera" in page.text
    with engine.begin() as conn:
        work.claim(conn, job.id, _rita(conn), 30)
    assert (
        client.post("/api/public/reports/status", json={"reference": reference}).json()["status"]
        == "in_review"
    )
    unknown = "TGR-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"
    assert client.post("/api/public/reports/status", json={"reference": unknown}).status_code == 404
    # The queue page shows the report's text escaped, in the public-reports queue.
    with engine.begin() as conn:
        assert work.fill(conn, by="test").get(work.PUBLIC_REPORTS) is None  # fill never routes into it


def _rita(conn):  # type: ignore[no-untyped-def]
    from trailguard.review.users import User

    row = conn.execute(select(rt.users).where(rt.users.c.name == "rita")).one()
    return User(id=row.id, name=row.name, role=row.role)


def test_reports_need_a_fresh_proof_of_work_and_fit_their_bounds(client: TestClient) -> None:
    body = {"url": "https://ads.example.com/x", "seen": "something worrying"}
    assert (
        client.post("/api/public/reports", json={**body, "challenge": "x.1.8.y", "counter": "1"}).status_code
        == 403
    )
    proof = _proof(client)
    assert client.post("/api/public/reports", json={**body, **proof}).status_code == 201
    replay = client.post("/api/public/reports", json={**body, **proof})
    assert replay.status_code == 403 and "replayed" in replay.text
    for bad, field in (({"url": "javascript:alert(1)"}, "url"), ({"seen": "  "}, "seen"),
                       ({"seen": "x" * 5001}, "seen"), ({"contact": "c" * 201}, "contact")):  # fmt: skip
        r = client.post("/api/public/reports", json={**body, **bad, **_proof(client)})
        assert r.status_code == 422 and field in r.text, (bad, r.text)
    huge = client.post(
        "/api/public/reports", content=b'{"seen": "' + b"x" * 20_000 + b'"}',
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert huge.status_code == 413
    chunked = client.post(  # no Content-Length: the stream is cut at the bound all the same
        "/api/public/reports", content=iter([b"{" + b" " * 9000, b" " * 9000 + b"}"]),
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert chunked.status_code == 413
    assert client.post("/api/public/reports", content=b"not json").status_code == 422


def test_hash_codes_become_a_victim_submission_withdrawn_by_its_reference(client: TestClient) -> None:
    pdq, md5 = "f8" * 32, "0123456789abcdef" * 2
    r = client.post("/api/public/victim-submissions",
                    json={"case": "TG-ABCD-EFGH", "pdq": pdq.upper(), "quality": 88, "md5": md5, **_proof(client)})  # fmt: skip
    assert r.status_code == 201, r.text
    reference = r.json()["reference"]
    engine = _engine(client)
    entries = list(banks.active_entries(engine, banks.VICTIM_BANK))
    assert {(e.hash_type, e.value) for e in entries} == {("pdq", pdq), ("md5", md5)}
    assert all(e.case_ref and reference not in e.case_ref and e.added_by == "public" for e in entries)
    for bad in ({"pdq": "zz" * 32}, {"md5": "a" * 31}, {"pdq": None, "md5": None}, {"quality": 101}):
        body = {"pdq": pdq, "md5": md5, **bad, **_proof(client)}
        assert client.post("/api/public/victim-submissions", json=body).status_code == 422, bad
    page = client.post("/hash/withdraw", data={"reference": reference})
    assert page.status_code == 200 and "was withdrawn" in page.text
    assert list(banks.active_entries(engine, banks.VICTIM_BANK)) == []
    again = client.post("/api/public/victim-submissions/withdraw", json={"reference": reference})
    assert again.json() == {"withdrawn": 0}
    assert client.post("/hash/withdraw", data={"reference": "nonsense"}).status_code == 422


def test_public_writes_are_rate_limited_per_client(tmp_path: Path) -> None:
    c, log = _client(f"sqlite:///{tmp_path / 'tg.db'}", tmp_path, rate=3)
    with c:
        codes = [c.post("/api/public/challenge").status_code for _ in range(4)]
        blocked = c.post("/api/public/reports", json={})
    log.engine.dispose()  # type: ignore[attr-defined]
    assert codes == [200, 200, 200, 429]
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1


def test_public_pages_are_escaped_own_origin_and_in_both_languages(client: TestClient) -> None:
    for path in PAGES:
        en = client.get(path)
        es = client.get(path, headers={"accept-language": "es-ES,es;q=0.9"})
        assert en.status_code == es.status_code == 200, path
        csp = en.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert en.headers["cache-control"] == "no-store"
        assert '<html lang="en">' in en.text and '<html lang="es">' in es.text
        assert 'id="quick-exit"' in en.text and "Salida rápida" in es.text
        assert "<script>" not in en.text and " style=" not in en.text  # no inline script or style
    hostile = client.get("/help", params={"note": '"><b>hi</b>'})  # echoed into the language link
    assert hostile.status_code == 200 and "<b>hi" not in hostile.text and "&lt;b&gt;hi" not in hostile.text
    assert client.get("/help", params={"country": "<s>"}).status_code == 422
    assert 'name="trailguard-submit" content="/api/public/victim-submissions"' in client.get("/hash").text
    spain = client.get("/help?country=es&lang=es")
    assert "Servicios en España" in spain.text and "900 10 50 90" in spain.text
    assert "Comprobado por última vez" in spain.text
    summary = client.post("/screening?lang=es", data={"sign": ["several_phones", "<x>"], "minor": "1"})
    assert "Resumen de preocupaciones" in summary.text and "Lleva más de un teléfono" in summary.text
    assert "Señales marcadas: 1" in summary.text and "<x>" not in summary.text
    assert client.get("/static/quick-exit.js").headers["content-type"].startswith("text/javascript")
    for bad in ("hash.html", "..%2fpublic.py", "x.py"):
        assert client.get(f"/static/{bad}").status_code == 404


def test_the_openapi_document_marks_the_public_api_public(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    public = {p: ops for p, ops in paths.items() if p.startswith("/api/public/")}
    assert set(public) == {"/api/public/challenge", "/api/public/reports", "/api/public/reports/status",
                           "/api/public/victim-submissions", "/api/public/victim-submissions/withdraw"}  # fmt: skip
    for ops in public.values():
        assert ops["post"]["security"] == [] and "x-roles" not in ops["post"]
    assert (
        "seen"
        in public["/api/public/reports"]["post"]["requestBody"]["content"]["application/json"]["schema"][
            "properties"
        ]
    )
    assert not any(p in paths for p in PAGES)


def test_a_screening_summary_is_saved_to_a_case_only_by_a_logged_in_worker_who_chooses_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trailguard.evidence import custody

    monkeypatch.setenv("TRAILGUARD_EVIDENCE_DIR", str(tmp_path / "evidence"))
    c, log = _client(f"sqlite:///{tmp_path / 'tg.db'}", tmp_path)
    engine = log.engine  # type: ignore[attr-defined]
    case_id = custody.create_case(engine, tmp_path / "evidence" / "keys", "synthetic case", "rita")
    ticked = {"sign": ["several_phones", "not-a-sign"], "minor": "1"}
    with c:
        anonymous = c.post("/screening", data=ticked)
        assert anonymous.status_code == 200 and "/screening/save" not in anonymous.text
        assert c.post("/screening/save", data={**ticked, "case": case_id}).status_code == 403
        assert len(custody.entries(engine, case_id)) == 1  # only its creation: a summary alone stores nothing

        login = {"name": "rita", "password": "correct horse battery"}
        assert c.post("/console/login", data=login, follow_redirects=False).status_code == 303
        offered = c.post("/screening", data=ticked)
        assert "/screening/save" in offered.text and 'name="csrf"' in offered.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', offered.text).group(1)  # type: ignore[union-attr]
        assert (
            c.post("/screening/save", data={**ticked, "case": case_id, "csrf": "forged"}).status_code == 403
        )
        bad_case = c.post("/screening/save", data={**ticked, "case": "../x", "csrf": csrf})
        assert bad_case.status_code == 422
        saved = c.post(
            "/screening/save", data={**ticked, "case": case_id, "csrf": csrf}, follow_redirects=False
        )
        assert saved.status_code == 303 and saved.headers["location"] == f"/console/cases/{case_id}"
    note = custody.entries(engine, case_id)[-1].fields
    assert note["kind"] == "note" and note["operator"] == "rita"
    assert note["details"]["screening"] == {"signs": ["several_phones"], "minor": True, "urgent": False}
    assert custody.check_chain(custody.entries(engine, case_id), case_id) == []
    engine.dispose()
