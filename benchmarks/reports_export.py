"""Time to build and validate a case's CyberTipline report and STIX bundle, by case size.

Run: PYTHONPATH=src .venv/bin/python benchmarks/reports_export.py [--items 200]
(at most 5000 items). The case is synthetic: N attached ads, each with a phone, an email and a wallet, from
N/5 posters, and one capture. Needs NCMEC's schema: TRAILGUARD_NCMEC_XSD, else ../shared/data/ncmec/.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from trailguard.reports import cybertipline, stix_export
from trailguard.reports.case_content import Captured, CaseContent, CaseItem, Identifier
from trailguard.reports.reporter import Reporter

ROOT = Path(__file__).resolve().parent.parent


def case(n: int) -> CaseContent:
    items = [
        CaseItem(
            f"ad-{i}",
            "ad",
            "classifieds.example.org",
            f"https://classifieds.example.org/ad/{i}",
            f"user{i % max(1, n // 5)}",
            "2026-03-01T09:30:00+00:00",
            [
                Identifier("phone", f"+1617555{i % 10000:04d}", f"ad-{i}"),
                Identifier("email", f"u{i}@example.org", f"ad-{i}"),
                Identifier("crypto", f"btc:bc1q{i:032d}", f"ad-{i}"),
            ],
        )
        for i in range(n)
    ]
    capture = Captured(
        "https://classifieds.example.org/ad/0",
        "a.warc.gz",
        "ab" * 32,
        "2026-03-02T00:00:00+00:00",
        "alice",
        200,
    )
    return CaseContent("case-bench", "bench", "rita", "2026-03-02T00:00:00+00:00", [capture], items)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200)
    n = min(parser.parse_args().items, 5000)
    xsd = Path(
        os.environ.get("TRAILGUARD_NCMEC_XSD")
        or ROOT.parent / "shared" / "data" / "ncmec" / "cyber_tipline.xsd"
    )
    content = case(n)
    t0 = time.perf_counter()
    schema = cybertipline.load_schema(xsd.resolve())
    t1 = time.perf_counter()
    xml = cybertipline.build(content, Reporter("Org", "R", "R", "r@example.org"), cybertipline.TRAFFICKING)
    t2 = time.perf_counter()
    assert cybertipline.problems(schema, xml) == []
    t3 = time.perf_counter()
    bundle = stix_export.build(content, reporter_org="Org").serialize()
    t4 = time.perf_counter()
    assert stix_export.problems(bundle) == []
    t5 = time.perf_counter()
    print(
        f"items={n} schema_load={t1 - t0:.2f}s xml_build={t2 - t1:.2f}s ({len(xml) / 1e3:.0f} kB) "
        f"xml_validate={t3 - t2:.2f}s stix_build={t4 - t3:.2f}s ({len(bundle) / 1e6:.2f} MB) "
        f"stix_validate={t5 - t4:.2f}s"
    )


if __name__ == "__main__":
    main()
