"""The self-contained HTML report of a scan: one file, no external assets, every piece of item text escaped.

Jinja2 autoescaping is on for the whole template, and evidence highlighting escapes each text piece itself
(report.highlight), because ad and chat text is written by the people the report is about.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from trailguard.chat.summary import evidence_excerpts
from trailguard.indicators.scoring import BAND_THRESHOLDS, contributions
from trailguard.model import BANDS, Assessment, Item
from trailguard.report.highlight import highlight, untrusted

if TYPE_CHECKING:
    from trailguard.pipeline.contracts import ScanResult

TEXT_LIMIT = 4000  # characters of an item's text shown in the report
CHAT_EXCERPT_CHARS = 400  # of each evidence message: the report shows what the evidence needs, no more
MAX_NETWORKS = 200


def item_view(item: Item, a: Assessment) -> dict[str, Any]:
    """What a page shows for one item (this report, the console's item page): evidence highlighted, and for
    chats only the evidence messages."""
    contrib = contributions(a.hits, a.score)
    view: dict[str, Any] = {"item": item, "a": a, "contrib": contrib}
    if a.kind == "chat":
        shown = []
        messages = item.conversation()
        for ex in evidence_excerpts(messages, a, CHAT_EXCERPT_CHARS):
            i, start, end = ex["message"], ex["start"], ex["end"]
            text = messages[i].text
            local = [
                (s - start, e - start, label)
                for s, e, label in ex.get("spans", [])
                if s >= start and e <= end
            ]
            shown.append(
                {
                    **ex,
                    "html": highlight(text[start:end], local),
                    "cut_before": start > 0,
                    "cut_after": end < len(text),
                }
            )
        view["messages"] = shown
        view["conversation"] = a.conversation or {}
        # Identifiers from the evidence messages only: the others may be a potential victim's own contacts.
        evidence = {m["message"] for m in shown}
        view["entities"] = [e for e in a.entities if e.message in evidence]
        view["entities_withheld"] = len(a.entities) - len(view["entities"])
    else:
        spans = [(s.start, s.end, h.indicator) for h in a.hits for s in h.evidence if s.message is None]
        spans += [(e.start, e.end, f"{e.type}: {e.value}") for e in a.entities]
        view["html"] = highlight(item.document(), spans, TEXT_LIMIT)
        view["entities"], view["entities_withheld"] = a.entities, 0
    return view


def render_report(result: ScanResult, path: Path) -> None:
    env = Environment(
        loader=PackageLoader("trailguard.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["u"] = untrusted
    template = env.get_template("report.html.j2")
    networks = sorted(result.networks, key=lambda n: (-n.score, -len(n.items), n.id))[:MAX_NETWORKS]
    html = template.render(
        r=result,
        bands=BANDS,
        thresholds=BAND_THRESHOLDS,
        items=[item_view(item, a) for item, a in result.top],
        networks=networks,
        networks_total=len(result.networks),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        nothing=Markup("&mdash;"),
    )
    tmp = path.with_suffix(".html.part")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
