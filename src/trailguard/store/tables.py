"""Every table of the store, registered on `trailguard.store.db.metadata`."""

from __future__ import annotations
