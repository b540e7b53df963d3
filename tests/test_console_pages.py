"""The console's pages over HTTP (no browser): status codes per role, escaping of attacker text, CSRF on
every form, audit events for every view, and the image policy (blurred and grey unless revealed)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from console_world import PASSWORD, build
from media_images import scene
from trailguard.api.app import create_app
from trailguard.review import audit
from trailguard.settings import Settings


class Console:
    def __init__(self, app: Any, log: audit.AuditLog, network: str, pictures: str, tmp: Path) -> None:
        self.app, self.log, self.network, self.pictures, self.tmp = app, log, network, pictures, tmp

    def client(self, name: str) -> TestClient:
        c = TestClient(self.app, follow_redirects=False)
        r = c.post("/console/login", data={"name": name, "password": PASSWORD})
        assert r.status_code == 303, r.text
        return c

    def events(self, action: str) -> list[dict[str, Any]]:
        with self.log.engine.connect() as conn:
            from trailguard.api.lookup import recent_audit

            return [e for e in recent_audit(conn, 1000) if e["action"] == action]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Console]:
    log, _tokens, network, pictures = build(f"sqlite:///{tmp_path / 'tg.db'}", tmp_path)
    assert isinstance(log, audit.AuditLog)
    yield Console(create_app(log, Settings()), log, network, pictures, tmp_path)
    log.engine.dispose()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def _inert(html: str) -> None:
    """No markup from an item reaches the page: only our own scripts, no handler attributes, no js: links."""
    assert re.findall(r"<script(?![^>]*src=\"/console/static/)", html) == []
    assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    assert 'href="javascript:' not in html


def test_every_page_needs_a_session(world: Console) -> None:
    c = TestClient(world.app, follow_redirects=False)
    for path in ("/console/items/ad-1", "/console/jobs/1", f"/console/networks/{world.network}",
                 "/console/entities?value=x", "/console/search?q=x", "/console/audit", "/console/admin/users",
                 f"/console/images/0/{world.pictures}"):  # fmt: skip
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/console/login", path
    assert c.post("/console/queues/1/next", data={"csrf": "x"}).status_code == 303


def test_item_page_highlights_evidence_lists_hits_and_is_audited(world: Console) -> None:
    c = world.client("aud")
    r = c.get("/console/items/ad-5")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "unsafe" not in csp
    assert '<mark title="ads.obscured_phone, phone: +16175550105">' in r.text
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in r.text
    _inert(r.text)
    assert "digits as words" in r.text and "><bdi>src</bdi></span>" in r.text and "<td>0.35</td>" in r.text
    assert 'href="/console/entities/phone/%2B16175550105"' in r.text
    assert 'action="/console/jobs/' not in r.text  # no job forms on an item page, and none for an auditor
    assert [e["target"] for e in world.events("item.view")] == ["item:ad-5"]
    assert c.get("/console/items/no-such-item").status_code == 404


def test_a_reviewer_works_a_job_from_the_queue_to_a_decision(world: Console) -> None:
    c = world.client("rita")
    queues = c.get("/console/queues")
    token = _csrf(queues.text)
    qid = re.search(r'action="/console/queues/(\d+)/next"', queues.text)
    assert qid
    assert c.post(f"/console/queues/{qid.group(1)}/next", data={"csrf": "forged"}).status_code == 403
    r = c.post(f"/console/queues/{qid.group(1)}/next", data={"csrf": token})
    assert r.status_code == 303 and r.headers["location"].startswith("/console/jobs/")
    job = int(r.headers["location"].rsplit("/", 1)[1])
    page = c.get(f"/console/jobs/{job}")
    assert 'id="decision"' in page.text and "claimed by rita" in page.text
    assert 'id="action-dismiss"' in page.text and 'id="action-escalate"' in page.text
    # Another reviewer sees the job but cannot decide it.
    rob = world.client("rob")
    other = rob.get(f"/console/jobs/{job}")
    assert 'id="decision"' not in other.text
    refused = rob.post(
        f"/console/jobs/{job}/decision",
        data={"csrf": _csrf(other.text), "action": "dismiss", "reason": "x", "policy": "p"},
    )
    assert refused.status_code == 409 and "not claimed by you" in refused.text
    empty = c.post(
        f"/console/jobs/{job}/decision",
        data={"csrf": token, "action": "dismiss", "reason": " ", "policy": "p"},
    )
    assert empty.status_code == 422 and "reason must have" in empty.text
    done = c.post(
        f"/console/jobs/{job}/decision",
        data={"csrf": token, "action": "escalate", "reason": "needs a <b>senior</b> look", "policy": "ads-2"},
    )
    assert done.status_code == 303
    after = c.get(f"/console/jobs/{job}").text
    assert (
        "Decided: <strong>escalate</strong> by rita (ads-2): <bdi>needs a &lt;b&gt;senior&lt;/b&gt; look"
        in after
    )
    decision = world.events("decision")
    assert (
        len(decision) == 1
        and decision[0]["actor"] == "rita"
        and decision[0]["details"]["action"] == "escalate"
    )
    assert decision[0]["target"] == f"job:{job}"


def test_claim_hold_and_release_from_the_job_page(world: Console) -> None:
    c = world.client("ann")
    token = _csrf(c.get("/console/queues").text)
    assert c.post("/console/jobs/3/claim", data={"csrf": token}).status_code == 303
    assert "claimed by ann" in c.get("/console/jobs/3").text
    assert (
        c.post("/console/jobs/3/hold", data={"csrf": token, "reason": "asking the platform"}).status_code
        == 303
    )
    assert "held by ann" in c.get("/console/jobs/3").text
    assert c.post("/console/jobs/3/release", data={"csrf": token}).status_code == 303
    page = c.get("/console/jobs/3").text
    assert "held by" not in page and "claimed by" not in page
    actions = [e["action"] for e in reversed(world.events("job.hold") + world.events("job.release"))]
    assert sorted(actions) == ["job.hold", "job.release"]


def test_reassign_for_admins_and_analysts_and_log_out(world: Console) -> None:
    adam, rita = world.client("adam"), world.client("rita")
    page = adam.get("/console/jobs/5").text
    assert 'id="reassign"' in page and "<option>rob</option>" in page and "<option>aud</option>" not in page
    assert 'id="reassign"' not in rita.get("/console/jobs/5").text
    token = _csrf(page)
    assert adam.post("/console/jobs/5/reassign", data={"csrf": token, "user": "rob"}).status_code == 303
    assert "claimed by rob" in adam.get("/console/jobs/5").text
    refused = adam.post("/console/jobs/5/reassign", data={"csrf": token, "user": "aud"})
    assert refused.status_code == 409 and "cannot work jobs" in refused.text
    mine = _csrf(rita.get("/console/queues").text)
    assert rita.post("/console/jobs/5/reassign", data={"csrf": mine, "user": "rita"}).status_code == 403
    assert [e["details"] for e in world.events("job.reassign")] == [{"to": "rob"}]
    assert rita.post("/console/logout", data={"csrf": mine}).headers["location"] == "/console/login"
    assert rita.get("/console/queues").headers["location"] == "/console/login"
    assert world.events("logout")[0]["actor"] == "rita"


def test_roles_on_the_admin_and_audit_pages_and_job_forms(world: Console) -> None:
    rita, aud, adam = world.client("rita"), world.client("aud"), world.client("adam")
    refused = rita.get("/console/admin/users")
    assert refused.status_code == 403 and "for admins" in refused.text and "adam" not in refused.text
    assert aud.get("/console/admin/users").status_code == 403
    users = adam.get("/console/admin/users")
    assert users.status_code == 200 and "<td>rita</td><td>reviewer</td>" in users.text
    assert rita.get("/console/audit").status_code == 403
    log = aud.get("/console/audit")
    assert log.status_code == 200 and "<td>login</td>" in log.text
    # The auditor changes nothing: no next-job button, and the forms refuse.
    queues = aud.get("/console/queues").text
    assert "/next" not in queues
    assert aud.post("/console/queues/1/next", data={"csrf": _csrf(queues)}).status_code == 403
    assert aud.post("/console/jobs/1/claim", data={"csrf": _csrf(queues)}).status_code == 403


def test_network_page_and_graph(world: Console) -> None:
    c = world.client("rita")
    r = c.get(f"/console/networks/{world.network}")
    assert r.status_code == 200
    _inert(r.text)
    assert "example:&lt;img src=x onerror=&#34;window.pwned=1&#34;&gt;" in r.text
    assert (
        "<td><bdi>2026-01-09</bdi></td><td><bdi>2026-01-09</bdi></td><td><bdi>Worcester, MA</bdi></td><td>1</td>"
        in r.text
    )
    assert "<td>67%</td>" in r.text and "<td>100%</td>" in r.text and "no (hub: on many posts)" in r.text
    assert 'href="/console/items/ad-2"' in r.text
    assert 'data-graph="/api/networks/net-0123456789abcdef/graph"' in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    graph = c.get(f"/api/networks/{world.network}/graph").json()
    assert len(graph["nodes"]) == 6 and len(graph["edges"]) == 2 + 3 + 3
    views = world.events("network.view")
    assert [v["target"] for v in views] == [f"network:{world.network}"] * 2
    assert c.get("/console/networks/net-nothing").status_code == 404


def test_entity_page_finds_any_written_form_of_a_number(world: Console) -> None:
    c = world.client("rita")
    for query in ("(617) 555-0101", "six1seven 555 01 01", "+1 617 555 0101"):
        r = c.get("/console/entities", params={"value": query})
        assert r.status_code == 200
        assert "phone: <bdi>+16175550101</bdi>" in r.text, query
        assert (
            'href="/console/items/ad-1"' in r.text and f'href="/console/networks/{world.network}"' in r.text
        )
    by_path = c.get("/console/entities/phone/%2B16175550102")
    assert 'href="/console/items/ad-2"' in by_path.text and 'href="/console/items/ad-1"' not in by_path.text
    assert "reads as no identifier" in c.get("/console/entities", params={"value": "hello"}).text
    assert c.get("/console/entities/nonsense/x").status_code == 404
    assert world.events("entity.view")[0]["target"] == "entity:phone:+16175550102"


def test_search_by_id_identifier_and_text_with_like_escaped(world: Console) -> None:
    c = world.client("rita")
    ids = re.compile(r'href="/console/items/([^"]+)"')
    assert ids.findall(c.get("/console/search", params={"q": "ad-1"}).text)[:1] == ["ad-1"]
    assert set(ids.findall(c.get("/console/search", params={"q": "ad-1"}).text)) == {"ad-1"} | {
        f"ad-{i}" for i in range(10, 20)
    }
    assert ids.findall(c.get("/console/search", params={"q": "617.555.0107"}).text) == ["ad-7"]
    assert "ad-pictures" in ids.findall(c.get("/console/search", params={"q": "WINDOW.PWNED"}).text)
    assert ids.findall(c.get("/console/search", params={"q": "%"}).text) == []  # a literal %, in no text
    assert ids.findall(c.get("/console/search", params={"q": "_"}).text) == []
    first = ids.findall(c.get("/console/search", params={"q": "new in town"}).text)
    second = ids.findall(c.get("/console/search", params={"q": "new in town", "page": 2}).text)
    assert len(first) == 41 and second == []  # the 40 ads and the pictured one, on one page of 50
    api = c.get("/api/search", params={"q": "six1seven 555 0103"}).json()
    assert api["identifier"] == {"type": "phone", "value": "+16175550103"}
    assert [i["id"] for i in api["items"]] == ["ad-3"]


def _steepest(im: Image.Image) -> int:
    """The largest difference between two horizontally neighbouring pixels."""
    px = np.asarray(im, dtype=np.int16)
    return int(np.abs(np.diff(px, axis=1)).max())


def _png(r: Any) -> Image.Image:
    assert r.status_code == 200 and r.headers["content-type"] == "image/png", r.text[:200]
    return Image.open(io.BytesIO(r.content))


def test_images_are_blurred_grey_until_revealed_and_each_view_is_audited(world: Console) -> None:
    c = world.client("rita")
    page = c.get(f"/console/items/{world.pictures}")
    _inert(page.text)
    assert page.text.count('class="blurred"') == 2  # the third climbs out of the input's folder
    assert "not shown, the scan could not read it" in page.text
    blurred = _png(c.get(f"/console/images/0/{world.pictures}"))
    assert blurred.mode == "L" and max(blurred.size) <= 320
    original = scene(1).convert("RGB")
    # Blurred: neighbouring pixels barely differ, where the original has hard shape edges.
    assert _steepest(blurred) < 20 < _steepest(original.convert("L"))
    url = f"/console/images/0/{world.pictures}"
    assert c.post(url, data={"csrf": "forged", "reason": "x"}).status_code == 403
    assert c.post(url, data={"csrf": _csrf(page.text), "reason": "  "}).status_code == 422
    shown = _png(c.post(url, data={"csrf": _csrf(page.text), "reason": "compare with the bank match"}))
    assert shown.mode == "RGB" and shown.tobytes() == original.tobytes()
    reveals = world.events("image.reveal")
    assert len(reveals) == 1 and reveals[0]["details"] == {
        "image": 0,
        "reason": "compare with the bank match",
    }
    assert len(world.events("image.view")) == 1
    outside = c.get(f"/console/images/2/{world.pictures}")
    assert outside.status_code == 404 and "outside the input" in outside.text
    (world.tmp / "input" / "second.jpg").write_bytes(b"not the picture any more")
    changed = c.get(f"/console/images/1/{world.pictures}")
    assert changed.status_code == 404 and "not the file the scan hashed" in changed.text
    assert c.get(f"/console/images/9/{world.pictures}").status_code == 404


def test_lookups_and_item_page_on_postgresql(new_postgres_database: Any, tmp_path: Path) -> None:
    """The queries that differ by dialect (JSON text, ILIKE, NULLS LAST, the versions query) on PostgreSQL."""
    log, _tokens, network, pictures = build(new_postgres_database(), tmp_path, items=12)
    assert isinstance(log, audit.AuditLog)
    try:
        w = Console(create_app(log, Settings()), log, network, pictures, tmp_path)
        c = w.client("rita")
        ids = re.compile(r'href="/console/items/([^"]+)"')
        assert ids.findall(c.get("/console/search", params={"q": "ad-1"}).text) == [
            "ad-1",
            "ad-11",
            "ad-10",
        ]  # exact first, then by score
        assert ids.findall(c.get("/console/search", params={"q": "%"}).text) == []
        assert "ad-pictures" in ids.findall(c.get("/console/search", params={"q": "Window.Pwned"}).text)
        entity = c.get("/console/entities", params={"value": "617 555 0102"}).text
        assert 'href="/console/items/ad-2"' in entity and f'href="/console/networks/{network}"' in entity
        assert "<td>67%</td>" in c.get(f"/console/networks/{network}").text
        item = c.get("/console/items/ad-2")
        assert item.status_code == 200 and f'href="/console/networks/{network}"' in item.text
        assert _png(c.get(f"/console/images/0/{pictures}")).mode == "L"
        # PostgreSQL text holds no NUL: a query with one finds nothing, a path with one is refused, no 500.
        assert ids.findall(c.get("/console/search", params={"q": "ad-1\x00"}).text)[:1] == ["ad-1"]
        assert c.get("/api/search", params={"q": "\x00"}).json()["items"] == []
        assert c.get("/api/entities", params={"value": "617 555 0102\x00"}).json()["items_total"] == 1
        for path in ("/console/items/ad-1%00", "/console/networks/net%00", "/api/networks/net%00/graph",
                     "/console/entities/phone/1%00", f"/console/images/0/{pictures}%00"):  # fmt: skip
            assert c.get(path).status_code == 422, path
    finally:
        log.engine.dispose()


def test_item_page_shows_versions_and_what_changed(world: Console) -> None:
    from trailguard.model import Assessment, Item
    from trailguard.store.writer import Store

    store = Store(str(world.log.engine.url))
    scan = store.start_scan(["again.jsonl"])
    edited = "new in town, now <em>edited</em>, call 617 555 0104"
    item = Item(id="ad-4", kind="ad", text=edited, location="Boston, MA", platform="example.com")
    store.save_assessed(scan, [(item, Assessment("ad-4", "ad", [], [], 0.05, "low", text=edited))])
    store.finish_scan(scan, read=1, assessed=1, rejected=0)
    store.engine.dispose()
    page = world.client("rita").get("/console/items/ad-4").text
    assert "<h2>Versions (2)</h2>" in page
    assert "indicators lost: ads.obscured_phone" in page
    assert "now &lt;em&gt;edited&lt;/em&gt;" in page and "<em>" not in page
    assert "Versions" not in world.client("rita").get("/console/items/ad-5").text
