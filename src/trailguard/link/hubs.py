"""Hubs and copied scripts: shared evidence that many different posters carry, kept as a fact, never merged.

- An identifier (number, e-mail, handle, picture, ...) is a hub when `hub_min_posters` or more posters, each
  with a contact of their own, carry it (trailguard.link.evidence): a site's address, a hotline, a screening
  line quoted across groups, a stock picture. A group's own number on hundreds of ads across cities and
  wordings comes with no other contact or the group's own few, so it is one poster and links.
  Identifiers are judged from the most widespread down; one judged a hub no longer joins the posters of the
  others (a hotline quoted with a help address does not make their quoters one poster).
- A template is a copied script when `script_min_posters` or more posters follow it (a job-lure text that
  many recruiters copy, each with their own number; a popular ad several posters copy).
- The operator decides either way: `LinkConfig.never_merge` (always a hub or script) and
  `LinkConfig.always_merge` (never), keyed "type:value" for identifiers and "template:KEY" for templates
  (KEY as shown in the network and in hubs.json); `trailguard.link.config.load_overrides` reads them from a
  file.
"""

from __future__ import annotations

from dataclasses import dataclass

from trailguard.link.config import LinkConfig
from trailguard.link.evidence import PosterCounter, Specificity


@dataclass(frozen=True, slots=True)
class Judged:
    """Specificity of one piece of shared evidence and, for a hub or script, why."""

    spec: Specificity
    hub: str | None = None  # the reason it is a hub or a copied script; None when it links


def judge_identifiers(
    shared: dict[str, list[int]], key_ids: dict[str, int], counter: PosterCounter, cfg: LinkConfig
) -> dict[str, Judged]:
    """Every shared identifier judged, most widespread first; hubs are excluded from the counter as found."""
    out: dict[str, Judged] = {}
    for key in sorted(shared, key=lambda k: (-len(shared[k]), k)):
        kid = key_ids[key]
        spec = counter.count(shared[key], skip=kid)
        reason = _reason(key, spec, cfg.hub_min_posters, cfg, "posters who each bring their own contacts")
        out[key] = Judged(spec, reason)
        if reason is not None:
            counter.exclude([kid])
    return out


def judge_template(key: str, members: list[int], counter: PosterCounter, cfg: LinkConfig) -> Judged:
    spec = counter.count(members)
    return Judged(
        spec,
        _reason(key, spec, cfg.script_min_posters, cfg, "posters with different contacts: a copied script"),
    )


def _reason(key: str, spec: Specificity, threshold: int, cfg: LinkConfig, what: str) -> str | None:
    if key in cfg.always_merge:
        return None
    if key in cfg.never_merge:
        return "operator allow-list"
    if spec.posters >= threshold:
        return f"carried by {spec.posters} {what}"
    return None
