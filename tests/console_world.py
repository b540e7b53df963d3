"""A seeded console for the page tests and the browser tests: items, queues, one network, one item with
images on disk (benign synthetic pictures), and one user per role."""

from __future__ import annotations

from pathlib import Path

from media_images import encode, scene
from review_db import console, seed_network

PASSWORD = "correct horse battery"
PEOPLE = {"adam": "admin", "ann": "analyst", "rita": "reviewer", "rob": "reviewer", "aud": "auditor"}
HOSTILE = (
    '<script>window.pwned=1</script> <img src=x onerror="window.pwned=2"> '
    '<a href="javascript:window.pwned=3">call me</a> new in town'
)


def seed_pictures(url: str, folder: Path) -> str:
    """Store an item whose two images lie next to its input file, hashed as a scan would; its id. A third
    reference climbs out of the folder, as a hostile record's might."""
    from trailguard.media.scan import hash_item_images
    from trailguard.model import Assessment, Item, SourceRef
    from trailguard.settings import Settings
    from trailguard.store.writer import Store

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "first.png").write_bytes(encode(scene(1)))
    (folder / "second.jpg").write_bytes(encode(scene(2), "JPEG", quality=95))
    refs = ["first.png", "second.jpg", "../outside.png"]
    item = Item(
        id="ad-pictures",
        kind="ad",
        text=HOSTILE,
        images=refs,
        location="Boston, MA",
        source=SourceRef(str(folder / "ads.jsonl"), 7),
    )
    hashes = hash_item_images(folder, refs, Settings())
    assessment = Assessment(
        item_id=item.id,
        kind="ad",
        entities=[],
        hits=[],
        score=0.95,
        band="critical",
        text=HOSTILE,
        images=hashes,
    )
    store = Store(url)
    scan = store.start_scan([str(folder / "ads.jsonl")])
    store.save_assessed(scan, [(item, assessment)])
    store.finish_scan(scan, read=1, assessed=1, rejected=0)
    store.engine.dispose()
    return item.id


def build(url: str, tmp_path: Path, items: int = 40) -> tuple[object, dict[str, str], str, str]:
    """The audit log, each user's API token, the network's id and the pictured item's id."""
    from trailguard.review import work

    log, tokens = console(url, tmp_path, items, PEOPLE)
    pictures = seed_pictures(url, tmp_path / "input")
    network = seed_network(url, ["ad-1", "ad-2", "ad-3"])
    with log.begin() as conn:  # type: ignore[attr-defined]
        work.fill(conn, by="test")
    return log, tokens, network, pictures
