"""The reviewer traffic `benchmarks/console_load.py` puts on `trailguard serve` (run by locust, headless).

Each simulated reviewer reads the queue page, a page of a queue's jobs, stored items at random and, when the
API has them, networks; no think time, so the rate is what the server sustains. Everything it needs comes
from the environment the benchmark sets: TG_TOKEN (an API token), TG_COOKIE (a console session), TG_ITEMS
(how many items `ad-N` are stored), TG_QUEUE (the queue id), TG_NETWORK_PATH (an API path template with
`{id}`, or empty) and TG_NETWORK_IDS (a file of the stored networks' ids, one a line).
"""

from __future__ import annotations

import os
import random

from locust import FastHttpUser

ITEMS = int(os.environ.get("TG_ITEMS", "1"))
_IDS = os.environ.get("TG_NETWORK_IDS", "")
NETWORKS = open(_IDS).read().split() if _IDS else []  # noqa: SIM115
NETWORK_PATH = os.environ.get("TG_NETWORK_PATH", "")
QUEUE = os.environ.get("TG_QUEUE", "1")


def queue_page(user: Reviewer) -> None:
    user.client.get("/console/queues", headers=user.page, name="GET /console/queues")


def queue_jobs(user: Reviewer) -> None:
    user.client.get(
        f"/api/queues/{QUEUE}/jobs?status=open", headers=user.api, name="GET /api/queues/{id}/jobs"
    )


def item(user: Reviewer) -> None:
    user.client.get(f"/api/items/ad-{random.randrange(ITEMS)}", headers=user.api, name="GET /api/items/{id}")


def network(user: Reviewer) -> None:
    path = NETWORK_PATH.replace("{id}", random.choice(NETWORKS))
    user.client.get(path, headers=user.api, name=f"GET {NETWORK_PATH}")


class Reviewer(FastHttpUser):
    tasks = [queue_page, queue_jobs, item] + ([network] if NETWORK_PATH and NETWORKS else [])

    def on_start(self) -> None:
        self.api = {"Authorization": f"Bearer {os.environ['TG_TOKEN']}"}
        self.page = {"Cookie": f"tg_session={os.environ['TG_COOKIE']}"}
