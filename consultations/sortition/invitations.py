"""The invitation draw: who of a register extract gets a letter.

Rule ``mitreden-invitations-1`` (docs/councils.md, "The invitation draw"), stable across
Python versions and re-implementable in a few lines anywhere:

1. Every row gets the key ``HMAC-SHA256(key = seed as UTF-8, message = canonical row)``
   (``consultations.sortition.register.canonical_row``); rows are ordered by their keys'
   32 bytes, ascending. (Equal rows are refused when the extract is read, so keys differ.)
2. Without stratification the first ``n`` rows of that order are invited.
3. Stratified by district, each district (the canonical district text, the empty text being a
   district of its own) gets ``n × rows in the district / rows`` invitations rounded by the
   largest-remainder method: every district first gets the whole part; the seats left go one
   each to the districts with the largest remainders, ties broken by the larger district,
   then by the district's UTF-8 bytes (ascending). Each district invites the first rows of
   the order in step 1 that live there.

The order of the rows in the file, the separator and the encoding play no part; the seed and
the extract's content decide everything.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

ALGORITHM = "mitreden-invitations-1"


@dataclass(frozen=True)
class Candidate:
    """A row as the draw sees it: its canonical bytes and its canonical district."""

    canonical: bytes
    district: str


def draw_key(seed: str, canonical: bytes) -> bytes:
    return hmac.new(seed.encode("utf-8"), canonical, hashlib.sha256).digest()


def ordered(seed: str, candidates: Sequence[Candidate]) -> list[int]:
    """Indexes of ``candidates`` in draw order (step 1)."""
    keys = [draw_key(seed, candidate.canonical) for candidate in candidates]
    return sorted(range(len(candidates)), key=lambda index: keys[index])


def district_shares(counts: dict[str, int], invitations: int) -> dict[str, int]:
    """Largest-remainder apportionment of ``invitations`` over districts (step 3)."""
    total = sum(counts.values())
    if invitations > total:
        raise ValueError("More invitations than rows.")
    exact = {district: Fraction(invitations * count, total) for district, count in counts.items()}
    shares = {district: int(value) for district, value in exact.items()}
    left = invitations - sum(shares.values())
    by_remainder = sorted(
        counts,
        key=lambda district: (
            -(exact[district] - shares[district]),
            -counts[district],
            district.encode("utf-8"),
        ),
    )
    for district in by_remainder[:left]:
        shares[district] += 1
    return shares


def draw(
    seed: str, candidates: Sequence[Candidate], invitations: int, *, by_district: bool
) -> tuple[list[int], dict[str, int]]:
    """The indexes of the invited candidates, in draw order, and the invitations per
    district (empty when not stratified)."""
    if not 0 < invitations <= len(candidates):
        raise ValueError("Invite at least one and at most every row.")
    order = ordered(seed, candidates)
    if not by_district:
        return order[:invitations], {}
    shares = district_shares(Counter(c.district for c in candidates), invitations)
    taken: Counter[str] = Counter()
    chosen = []
    for index in order:
        district = candidates[index].district
        if taken[district] < shares[district]:
            taken[district] += 1
            chosen.append(index)
    return chosen, {district: count for district, count in sorted(shares.items()) if count}
