"""Conversation analysis on the held-out labelled set (tests/data/chat_heldout): the same table as
benchmarks/chat_eval.py, for a set written without sight of the rules or the tuned set, so the figures show
how far the rules generalise rather than how well they fit the examples they were tuned on.

Run: .venv/bin/python benchmarks/chat_heldout.py [--repeat 5] [--long 20000] (as a script, from the repo
root, like chat_eval.py, which it imports from this folder).
"""

from __future__ import annotations

from chat_eval import LabelledSet, run

HELDOUT = LabelledSet(
    "tests/data/chat_heldout",
    "## Conversations, held-out set (chat analysis)",
    "benchmarks/chat_heldout.py",
    "The held-out set is synthetic and was written without reading the chats catalogue, the conversation "
    "rules or the tuned set; it measures generalisation and must not be used to tune the rules.",
)

if __name__ == "__main__":
    run(HELDOUT)
