"""The conversation stages the `chats` catalogue assigns, and the groups the conversation rules use.

Stage names are data (each catalogue indicator names its stage); these groups are the few facts about them
that the conversation-level rules need, kept in one place.
"""

from __future__ import annotations

# Display order: roughly the order in which the stages unfold in grooming and sextortion (O'Connell 2003).
STAGES: tuple[str, ...] = (
    "rapport",
    "age_probing",
    "age_disclosure",
    "isolation",
    "secrecy",
    "platform_move",
    "gifts_money",
    "image_request",
    "sexualisation",
    "meeting",
    "threat",
    "demand",
    "control",
    "recruitment",
)

# Stated by the person at risk, not by the source of risk: never counted towards a sender's risk mass.
AGE_DISCLOSURE = "age_disclosure"

# Stages of the grooming process that exclusivity (secrecy, isolation) turns from ordinary talk into approach.
APPROACH_STAGES = frozenset(
    {"age_probing", "platform_move", "gifts_money", "image_request", "sexualisation", "meeting", "isolation"}
)
EXCLUSIVITY_STAGES = frozenset({"secrecy", "isolation"})
