"""The RFC 6962 / RFC 9162 Merkle tree over audit leaves: tree heads and proofs.

The hash chain in :mod:`interlock.audit.chain` proves that nobody edited the log
*without recomputing every later hash*. A Merkle tree adds what a chain cannot give
cheaply: a short proof that one event is in a log of a given size (an inclusion
proof, ``log2(n)`` hashes) and a short proof that a later log extends an earlier one
without rewriting it (a consistency proof). A tree head signed and kept outside the
database (:mod:`interlock.audit.checkpoint`) then pins the whole log as it was.

The leaves are exactly the chain's stored ``leaf_hash`` values, ``H(0x00 || body)``,
so the tree is computed over the existing rows without rewriting any. Interior nodes
are ``H(0x01 || left || right)`` and the head of the empty tree is ``H("")``.
Everything here works on 32-byte leaf hashes, never on event bodies, and is pure.

Generation follows the recursive definitions of RFC 9162 section 2.1 (``MTH``,
``PATH``, ``SUBPROOF``); verification follows its iterative algorithms (sections
2.1.3.2 and 2.1.4.2). The verifiers return ``False`` on *any* malformed input instead
of raising: a forged proof is an expected input here, not a programming error, and
a verifier that can be made to crash is one that can be made to skip a check.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

HASH_SIZE: Final = 32
"""SHA-256 digest length; every leaf, node and proof element has it."""

EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
"""The tree head of a log with no events (RFC 9162: the hash of the empty string)."""

_LEAF: Final = b"\x00"
_NODE: Final = b"\x01"


def hash_leaf(data: bytes) -> bytes:
    """The leaf hash ``H(0x00 || data)`` of one entry."""
    return hashlib.sha256(_LEAF + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """The interior node hash ``H(0x01 || left || right)``."""
    return hashlib.sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (for ``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


class TreeBuilder:
    """Computes tree heads of a growing log in one pass, keeping ``log2(n)`` hashes.

    The stack holds the roots of the perfect subtrees that make up the log so far
    (its binary decomposition, largest first), which is all that is needed both to
    absorb the next leaf and to produce the head at the current size. That lets a
    verifier stream a million rows and read off the head at every checkpointed size
    without holding the leaves in memory.
    """

    __slots__ = ("_sizes", "_stack", "size")

    def __init__(self) -> None:
        self._stack: list[bytes] = []
        self._sizes: list[int] = []
        self.size = 0

    def append(self, leaf: bytes) -> None:
        """Absorb the next leaf hash."""
        stack, sizes = self._stack, self._sizes
        node, width = leaf, 1
        while sizes and sizes[-1] == width:
            node = hashlib.sha256(_NODE + stack.pop() + node).digest()
            sizes.pop()
            width *= 2
        stack.append(node)
        sizes.append(width)
        self.size += 1

    def root(self) -> bytes:
        """The tree head ``MTH`` of the leaves absorbed so far."""
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            node = hash_children(left, node)
        return node


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The tree head ``MTH(D[n])`` of a sequence of leaf hashes."""
    builder = TreeBuilder()
    for leaf in leaves:
        builder.append(leaf)
    return builder.root()


def _subtree_root(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """``MTH(D[start:end])`` without copying the slice."""
    if end - start == 1:
        return leaves[start]
    builder = TreeBuilder()
    for i in range(start, end):
        builder.append(leaves[i])
    return builder.root()


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """``PATH(index, D[size])``: the audit path of leaf ``index`` in the first ``size`` leaves.

    ``size`` defaults to every leaf given, so a proof against an older tree head (a
    checkpoint) is asked for by passing that head's size.
    """
    n = len(leaves) if size is None else size
    if not 0 <= index < n <= len(leaves):
        raise ValueError(f"no leaf {index} in a tree of {n} (with {len(leaves)} leaves known)")
    path: list[bytes] = []
    start, end, m = 0, n, index
    # Walk down from the root; each step records the sibling subtree's head. RFC 9162
    # lists the path bottom-up, so the siblings are collected and then reversed.
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            path.append(_subtree_root(leaves, start + k, end))
            end = start + k
        else:
            path.append(_subtree_root(leaves, start, start + k))
            start, m = start + k, m - k
    path.reverse()
    return path


def consistency_proof(leaves: Sequence[bytes], old_size: int, new_size: int | None = None) -> list[bytes]:
    """``PROOF(old_size, D[new_size])``: that the first ``old_size`` leaves are a prefix.

    Empty when the sizes are equal or the old tree is empty: nothing needs proving.
    """
    n = len(leaves) if new_size is None else new_size
    if not 0 <= old_size <= n <= len(leaves):
        raise ValueError(f"no consistency proof from size {old_size} to {n}")
    if old_size in (0, n):
        return []
    return _subproof(leaves, old_size, 0, n, complete=True)


def _subproof(leaves: Sequence[bytes], m: int, start: int, end: int, *, complete: bool) -> list[bytes]:
    """``SUBPROOF(m, D[start:end], b)`` of RFC 9162 section 2.1.4.1."""
    n = end - start
    if m == n:
        return [] if complete else [_subtree_root(leaves, start, end)]
    k = _split(n)
    if m <= k:
        return [
            *_subproof(leaves, m, start, start + k, complete=complete),
            _subtree_root(leaves, start + k, end),
        ]
    return [
        *_subproof(leaves, m - k, start + k, end, complete=False),
        _subtree_root(leaves, start, start + k),
    ]


def _well_formed(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """True iff ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree of ``size`` with head ``root``.

    RFC 9162 section 2.1.3.2. The loop also rejects a proof that is longer or shorter
    than the shape of the tree allows (``sn`` must reach zero exactly at the end).

    ``size`` and ``root`` are one fact, the tree head, and must come together from a
    trusted source such as a signed checkpoint: trees of neighbouring sizes can share
    a leaf's path shape, so a size paired with another size's head is not detected
    here, only by the signature over the pair.
    """
    if not (isinstance(index, int) and isinstance(size, int) and 0 <= index < size):
        return False
    if not _well_formed(leaf, root, *proof):
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True iff ``proof`` shows the tree ``(old_size, old_root)`` is a prefix of ``(new_size, new_root)``.

    RFC 9162 section 2.1.4.2, plus the two cases it leaves to the caller: equal sizes
    (the proof must be empty and the heads equal) and an empty old tree (the proof must
    be empty and the old head must be the empty head). A non-empty proof for those is
    refused so that no proof has two accepted spellings.
    """
    if not (isinstance(old_size, int) and isinstance(new_size, int) and 0 <= old_size <= new_size):
        return False
    if not _well_formed(old_root, new_root, *proof):
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a perfect subtree of the new one: its head is the first node.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
