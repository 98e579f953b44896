"""Hash-chain primitives for tamper-evident evidence.

Each link stores the hash of the previous link and its own hash, computed over the previous
hash and a canonical JSON encoding of its content. Editing a link's content breaks its own hash;
deleting or reordering links breaks the next link's ``previous_hash`` or the sequence; cutting
off the tail is found by comparing with the chain's head, kept apart from the links.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
"""The ``previous_hash`` of the first link of every chain."""


def canonical_json(content: Mapping[str, Any]) -> bytes:
    """Encode content deterministically: sorted keys, no spaces, UTF-8 (kanji kept as is)."""
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def link_hash(previous_hash: str, content: Mapping[str, Any]) -> str:
    """Return the SHA-256 (hex) that a link with this content after ``previous_hash`` carries."""
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_json(content))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Link:
    """One stored link of a chain, as read back from storage."""

    ident: str
    """How the storage names this link (an event id), used in reports."""
    sequence: int
    """Position in the chain, starting at 1."""
    previous_hash: str
    """The hash of the link before it as stored in this link."""
    hash: str
    """The hash stored in this link."""
    content: Mapping[str, Any]
    """The content the hash covers."""


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    """The result of checking a chain."""

    ok: bool
    """True when every link and the head agree."""
    checked: int
    """How many links were read."""
    broken_link: str | None = None
    """The ident of the first link that does not hold (None if ok or if only the head differs)."""
    reason: str = ""
    """What is wrong, in plain words."""


def verify_chain(
    links: Iterable[Link], *, head_hash: str | None = None, length: int | None = None
) -> ChainVerdict:
    """Check links given in sequence order and name the first broken one.

    ``head_hash`` and ``length`` are the chain's head as recorded apart from the links; when
    given they reveal links deleted from the end.
    """
    expected_previous = GENESIS_HASH
    count = 0
    for count, link in enumerate(links, start=1):
        if link.sequence != count:
            return ChainVerdict(
                False, count, link.ident, f"sequence {link.sequence} where {count} was expected"
            )
        if link.previous_hash != expected_previous:
            return ChainVerdict(False, count, link.ident, "previous hash does not match")
        if link_hash(link.previous_hash, link.content) != link.hash:
            return ChainVerdict(False, count, link.ident, "content does not match its hash")
        expected_previous = link.hash
    if length is not None and length != count:
        return ChainVerdict(False, count, None, f"chain has {count} links, head records {length}")
    if head_hash is not None and head_hash != expected_previous:
        return ChainVerdict(False, count, None, "last link does not match the recorded head")
    return ChainVerdict(True, count)
