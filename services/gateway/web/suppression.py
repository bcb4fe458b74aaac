"""Small-cell suppression: a count of people below the threshold is never published, nor
can it be worked out from a total that is.

`hidden(cells, groups, threshold)` names the cells to show as "<5": every count from 1
to threshold − 1 (primary suppression), then, wherever a published total would give a
hidden member back (the total minus the others), the smallest other member too
(complementary suppression), until nothing more can be derived.
"""
from collections.abc import Hashable, Iterable


def hidden(cells: dict[Hashable, int], groups: Iterable[tuple[Hashable, list[Hashable]]],
           threshold: int) -> set[Hashable]:
    """`cells`: every published count by key; `groups`: (total's key, its members' keys),
    the total being the members' sum and itself a cell."""
    groups = list(groups)
    concealed = {key for key, count in cells.items() if 0 < count < threshold}
    changed = True
    while changed:
        changed = False
        for total, members in groups:
            if total in concealed or sum(member in concealed for member in members) != 1:
                continue
            others = sorted((member for member in members if member not in concealed), key=lambda m: cells[m])
            concealed.add(others[0] if others else total)
            changed = True
    return concealed
