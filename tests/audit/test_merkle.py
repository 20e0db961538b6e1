"""The RFC 6962 Merkle tree: published vectors, proofs of every shape, and forged proofs refused."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import pytest

from interlock.audit.chain import leaf_hash as chain_leaf_hash
from interlock.audit.merkle import (
    EMPTY_ROOT,
    TreeBuilder,
    consistency_proof,
    hash_children,
    hash_leaf,
    inclusion_proof,
    root_of,
    verify_consistency,
    verify_inclusion,
)

# The eight entries of the certificate-transparency reference tree (RFC 6962 test data).
CT_ENTRIES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_LEAVES = [hash_leaf(e) for e in CT_ENTRIES]

# Published tree heads for sizes 0..8.
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# Published inclusion proofs: (leaf index, tree size, path).
CT_INCLUSION: list[tuple[int, int, list[str]]] = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

# Published consistency proofs: (old size, new size, proof).
CT_CONSISTENCY: list[tuple[int, int, list[str]]] = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162's recursive MTH, written independently of the iterative builder under test."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def hexes(hashes: Sequence[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def leaves_of(n: int) -> list[bytes]:
    return [hash_leaf(i.to_bytes(4, "big")) for i in range(n)]


def test_empty_tree_head_is_hash_of_empty_string() -> None:
    """The head of an empty log is SHA-256 of nothing, as published."""
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert root_of([]) == EMPTY_ROOT


def test_leaf_hash_agrees_with_the_chain() -> None:
    """The tree's leaf hash is the one the hash chain already stores, so no row needs rewriting."""
    for entry in CT_ENTRIES:
        assert hash_leaf(entry).hex() == chain_leaf_hash(entry)


@pytest.mark.parametrize("size", range(9))
def test_published_tree_heads_are_reproduced_two_ways(size: int) -> None:
    """The iterative builder and the recursive definition both give the published head for each size."""
    assert root_of(CT_LEAVES[:size]).hex() == CT_ROOTS[size]
    assert mth(CT_LEAVES[:size]).hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_published_inclusion_proofs_are_generated_and_accepted(
    index: int, size: int, path: list[str]
) -> None:
    """Generating an inclusion proof on the reference tree gives the published path, which verifies."""
    assert hexes(inclusion_proof(CT_LEAVES, index, size)) == path
    proof = [bytes.fromhex(p) for p in path]
    assert verify_inclusion(CT_LEAVES[index], index, size, proof, bytes.fromhex(CT_ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_published_consistency_proofs_are_generated_and_accepted(old: int, new: int, path: list[str]) -> None:
    """Generating a consistency proof on the reference tree gives the published one, which verifies."""
    assert hexes(consistency_proof(CT_LEAVES, old, new)) == path
    proof = [bytes.fromhex(p) for p in path]
    assert verify_consistency(old, new, bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new]), proof)


def test_builder_head_matches_recursive_definition_at_every_size() -> None:
    """Reading the head off the streaming builder after each leaf equals MTH of that prefix."""
    leaves = leaves_of(70)
    builder = TreeBuilder()
    for n, leaf in enumerate(leaves, start=1):
        builder.append(leaf)
        assert builder.size == n
        assert builder.root() == mth(leaves[:n])


def test_every_inclusion_proof_verifies_in_trees_up_to_33() -> None:
    """Every leaf of every tree up to 33 leaves has a verifying proof of the expected length."""
    leaves = leaves_of(33)
    for size in range(1, 34):
        head = mth(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(leaves, index, size)
            assert verify_inclusion(leaves[index], index, size, proof, head), (index, size)
            assert len(proof) <= (size - 1).bit_length()


def test_every_consistency_proof_verifies_in_trees_up_to_33() -> None:
    """Every pair of sizes 0 <= m <= n <= 33 has a consistency proof that verifies."""
    leaves = leaves_of(33)
    heads = [mth(leaves[:n]) for n in range(34)]
    for new in range(34):
        for old in range(new + 1):
            proof = consistency_proof(leaves, old, new)
            assert verify_consistency(old, new, heads[old], heads[new], proof), (old, new)


def test_consistency_fails_when_the_prefix_was_rewritten() -> None:
    """A newer tree whose old part differs is not consistent with the old head, whatever proof is given."""
    leaves = leaves_of(20)
    forged = list(leaves)
    forged[3] = hash_leaf(b"forged")
    old_head = mth(leaves[:10])
    proof = consistency_proof(forged, 10, 20)
    assert not verify_consistency(10, 20, old_head, mth(forged), proof)


def test_proof_generation_refuses_impossible_positions() -> None:
    """Asking for a leaf or size outside the known leaves is a caller error, not a wrong proof."""
    leaves = leaves_of(4)
    for index, size in ((4, 4), (-1, 4), (0, 0), (0, 5)):
        with pytest.raises(ValueError, match="no leaf"):
            inclusion_proof(leaves, index, size)
    for old, new in ((5, 4), (3, 2), (-1, 3)):
        with pytest.raises(ValueError, match="no consistency proof"):
            consistency_proof(leaves, old, new)


LEAVES = leaves_of(23)
HEADS = [mth(LEAVES[:n]) for n in range(len(LEAVES) + 1)]


def flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit), *h[1:]])


Inclusion = tuple[bytes, int, int, list[bytes], bytes]

INCLUSION_CORRUPTIONS: list[tuple[str, Callable[[Inclusion], Inclusion]]] = [
    ("wrong index +1", lambda c: (c[0], c[1] + 1, c[2], c[3], c[4])),
    ("wrong index -1", lambda c: (c[0], c[1] - 1, c[2], c[3], c[4])),
    ("index equals size", lambda c: (c[0], c[2], c[2], c[3], c[4])),
    ("another tree head, one larger", lambda c: (c[0], c[1], c[2] + 1, c[3], HEADS[c[2] + 1])),
    ("another tree head, one smaller", lambda c: (c[0], c[1], c[2] - 1, c[3], HEADS[c[2] - 1])),
    ("size doubled", lambda c: (c[0], c[1], c[2] * 2, c[3], c[4])),
    ("size zero", lambda c: (c[0], c[1], 0, c[3], c[4])),
    ("flipped bit in leaf", lambda c: (flip(c[0]), c[1], c[2], c[3], c[4])),
    ("flipped bit in root", lambda c: (c[0], c[1], c[2], c[3], flip(c[4], 7))),
    ("flipped bit in first element", lambda c: (c[0], c[1], c[2], [flip(c[3][0]), *c[3][1:]], c[4])),
    ("flipped bit in last element", lambda c: (c[0], c[1], c[2], [*c[3][:-1], flip(c[3][-1], 3)], c[4])),
    ("truncated by one", lambda c: (c[0], c[1], c[2], c[3][:-1], c[4])),
    ("first element dropped", lambda c: (c[0], c[1], c[2], c[3][1:], c[4])),
    ("empty proof", lambda c: (c[0], c[1], c[2], [], c[4])),
    ("extended with zeros", lambda c: (c[0], c[1], c[2], [*c[3], bytes(32)], c[4])),
    ("extended with its last element", lambda c: (c[0], c[1], c[2], [*c[3], c[3][-1]], c[4])),
    ("prefixed with the leaf", lambda c: (c[0], c[1], c[2], [c[0], *c[3]], c[4])),
    ("elements swapped", lambda c: (c[0], c[1], c[2], [c[3][1], c[3][0], *c[3][2:]], c[4])),
    ("short element", lambda c: (c[0], c[1], c[2], [c[3][0][:31], *c[3][1:]], c[4])),
    ("long element", lambda c: (c[0], c[1], c[2], [c[3][0] + b"\x00", *c[3][1:]], c[4])),
    ("root given as leaf", lambda c: (c[4], c[1], c[2], c[3], c[4])),
]


@pytest.mark.parametrize(
    ("name", "corrupt"), INCLUSION_CORRUPTIONS, ids=[n for n, _ in INCLUSION_CORRUPTIONS]
)
def test_corrupted_inclusion_proofs_are_refused(name: str, corrupt: Callable[[Inclusion], Inclusion]) -> None:
    """Each corruption of a valid inclusion proof, on trees of several shapes, is refused."""
    leaves = LEAVES
    for index, size in ((0, 8), (5, 8), (6, 7), (3, 13), (12, 13), (20, 21), (16, 21)):
        proof = inclusion_proof(leaves, index, size)
        case: Inclusion = (leaves[index], index, size, proof, HEADS[size])
        assert verify_inclusion(*case)
        assert not verify_inclusion(*corrupt(case)), (name, index, size)


Consistency = tuple[int, int, bytes, bytes, list[bytes]]

CONSISTENCY_CORRUPTIONS: list[tuple[str, Callable[[Consistency], Consistency]]] = [
    ("old tree head one larger", lambda c: (c[0] + 1, c[1], HEADS[c[0] + 1], c[3], c[4])),
    ("old tree head one smaller", lambda c: (c[0] - 1, c[1], HEADS[c[0] - 1], c[3], c[4])),
    ("new tree head one larger", lambda c: (c[0], c[1] + 1, c[2], HEADS[c[1] + 1], c[4])),
    ("new tree head one smaller", lambda c: (c[0], c[1] - 1, c[2], HEADS[c[1] - 1], c[4])),
    ("sizes swapped", lambda c: (c[1], c[0], c[3], c[2], c[4])),
    ("old size zero", lambda c: (0, c[1], c[2], c[3], c[4])),
    ("flipped bit in old root", lambda c: (c[0], c[1], flip(c[2]), c[3], c[4])),
    ("flipped bit in new root", lambda c: (c[0], c[1], c[2], flip(c[3], 5), c[4])),
    ("roots swapped", lambda c: (c[0], c[1], c[3], c[2], c[4])),
    ("flipped bit in first element", lambda c: (c[0], c[1], c[2], c[3], [flip(c[4][0]), *c[4][1:]])),
    ("flipped bit in last element", lambda c: (c[0], c[1], c[2], c[3], [*c[4][:-1], flip(c[4][-1], 6)])),
    ("truncated by one", lambda c: (c[0], c[1], c[2], c[3], c[4][:-1])),
    ("first element dropped", lambda c: (c[0], c[1], c[2], c[3], c[4][1:])),
    ("empty proof", lambda c: (c[0], c[1], c[2], c[3], [])),
    ("extended with zeros", lambda c: (c[0], c[1], c[2], c[3], [*c[4], bytes(32)])),
    ("extended with its last element", lambda c: (c[0], c[1], c[2], c[3], [*c[4], c[4][-1]])),
    ("prefixed with the old root", lambda c: (c[0], c[1], c[2], c[3], [c[2], *c[4]])),
    ("elements swapped", lambda c: (c[0], c[1], c[2], c[3], [c[4][1], c[4][0], *c[4][2:]])),
    ("short element", lambda c: (c[0], c[1], c[2], c[3], [c[4][0][:31], *c[4][1:]])),
]


@pytest.mark.parametrize(
    ("name", "corrupt"), CONSISTENCY_CORRUPTIONS, ids=[n for n, _ in CONSISTENCY_CORRUPTIONS]
)
def test_corrupted_consistency_proofs_are_refused(
    name: str, corrupt: Callable[[Consistency], Consistency]
) -> None:
    """Each corruption of a valid consistency proof, across several size pairs, is refused."""
    leaves = LEAVES
    for old, new in ((1, 8), (2, 5), (6, 8), (3, 7), (4, 16), (7, 21), (13, 20)):
        proof = consistency_proof(leaves, old, new)
        case: Consistency = (old, new, HEADS[old], HEADS[new], proof)
        assert verify_consistency(*case)
        assert not verify_consistency(*corrupt(case)), (name, old, new)


def test_equal_or_empty_sizes_accept_only_the_empty_proof() -> None:
    """For equal sizes or an empty old tree, only an empty proof and matching heads are accepted."""
    leaves = leaves_of(5)
    head = mth(leaves)
    assert verify_consistency(5, 5, head, head, [])
    assert not verify_consistency(5, 5, head, head, [head])
    assert not verify_consistency(5, 5, head, mth(leaves[:4]), [])
    assert verify_consistency(0, 5, EMPTY_ROOT, head, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, head, [head])
    assert not verify_consistency(0, 5, head, head, [])


def test_node_hash_uses_the_interior_prefix() -> None:
    """Interior nodes hash 0x01 before the children, so a node can never pass as a leaf."""
    a, b = hash_leaf(b"a"), hash_leaf(b"b")
    assert hash_children(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert hash_children(a, b) != hash_leaf(a + b)
