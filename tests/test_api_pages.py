"""The queue page: reached only with a session, attacker text escaped, served under a CSP allowing only our
own scripts."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from review_db import console
from trailguard.api.app import create_app
from trailguard.review import audit
from trailguard.settings import Settings


def test_queue_page_escapes_item_text_and_needs_a_session(tmp_path: Path) -> None:
    log, _ = console(f"sqlite:///{tmp_path / 'tg.db'}", tmp_path, 8, {"rita": "reviewer"})
    assert isinstance(log, audit.AuditLog)
    with TestClient(create_app(log, Settings()), follow_redirects=False) as c:
        anonymous = c.get("/console/queues")
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/console/login"
        refused = c.post("/console/login", data={"name": "rita", "password": "wrong password"})
        assert refused.status_code == 401 and "locked for now" in refused.text
        r = c.post("/console/login", data={"name": "rita", "password": "correct horse battery"})
        assert r.status_code == 303 and r.headers["location"] == "/console/queues"
        page = c.get("/console/queues")
    log.engine.dispose()
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp and "'unsafe-inline'" not in csp
    # seed_items writes '<script>alert(N)</script>' into every ad: it must arrive as text, never as markup.
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts == ['<script src="/console/static/console.js" defer>']  # ours only, no inline script
    assert "&lt;script&gt;alert(" in page.text
    assert "review — 6 open" in page.text
    assert "rita (reviewer)" in page.text
