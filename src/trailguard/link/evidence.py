"""How specific a piece of shared evidence is: how many different posters carry it, measured in the corpus.

A number, an e-mail or a picture on several items links them only if one poster stands behind those items.
A site's help address or a screening line is quoted by posters who each bring their own contacts; a group's
own number, however many ads, cities and wordings it is on, comes with no other contact or with the group's
own few. The same holds for a template: a job-lure script copied word for word by many recruiters, each with
their own number, is a fact about the genre (a copied script), not a group.

So, for one piece of evidence shared by items S, the items of S are joined where they agree on something
else: another identifier (not a hub) or a stated name (a slot fill). Each part that carries a contact of its
own (an identifier other than the evidence itself and other than images) is one poster. The evidence's
`posters` is the number of such parts, and its strength 1 / max(1, posters): 1.0 when one poster (or only
contactless items) stand behind it. Evidence of `hub_min_posters` or more posters is a hub (identifiers) or a
copied script (templates): listed, never merged through.

The parts are computed within S only (two items joined through a third item outside S stay apart here): the
count is then an upper bound, which errs towards calling evidence a hub, never towards merging strangers.
A small union-find is written here because each call joins a handful of items; building a scipy graph per
identifier would cost more than the work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trailguard.link.columns import Coded, Frozen


@dataclass(frozen=True, slots=True)
class Specificity:
    posters: int  # distinct posters (each with a contact of their own) among the items
    parts: list[list[int]]  # the items joined by other evidence, each part in item order

    @property
    def strength(self) -> float:
        return round(1.0 / max(1, self.posters), 3)


class PosterCounter:
    """Counts posters among the items of one piece of evidence, from the corpus' identifiers and names."""

    def __init__(self, ident: Frozen, names: Coded[tuple[str, ...]], contact: np.ndarray) -> None:
        """`contact[kid]` is True for identifier keys that are a poster's contact (not images)."""
        self.ident = ident
        self.names = names
        self.contact = contact
        self.excluded = np.zeros(len(ident.keys), dtype=bool)

    def exclude(self, kids: Sequence[int]) -> None:
        """Keys no longer used to join items (hubs): a hub says nothing about who posted."""
        self.excluded[np.asarray(kids, dtype=np.int64)] = True

    def count(self, items: Sequence[int], skip: int | None = None) -> Specificity:
        """Posters among `items`; `skip` is the evidence's own key (it joins all of them by definition).

        For an identifier, only keys of smaller reach join or count as a contact of one's own: a poster's
        own contacts are on fewer items than something every poster quotes, and two widespread keys (a help
        address and a hotline quoted together) must not vouch for each other."""
        below = int(self.ident.count[skip]) if skip is not None else None
        parent = list(range(len(items)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        first: dict[object, int] = {}
        own = [False] * len(items)
        for pos, i in enumerate(items):
            joins: list[object] = list(self.names[i])
            for kid in self.ident.of_item(i).tolist():
                if (
                    kid == skip
                    or self.excluded[kid]
                    or (below is not None and self.ident.count[kid] >= below)
                ):
                    continue
                own[pos] = own[pos] or bool(self.contact[kid])
                joins.append(kid)
            for j in joins:
                at = first.setdefault(j, pos)
                a, b = find(at), find(pos)
                if a != b:
                    parent[max(a, b)] = min(a, b)
        parts: dict[int, list[int]] = {}
        with_contact: set[int] = set()
        for pos, i in enumerate(items):
            root = find(pos)
            parts.setdefault(root, []).append(i)
            if own[pos]:
                with_contact.add(root)
        return Specificity(len(with_contact), [sorted(p) for p in parts.values()])
