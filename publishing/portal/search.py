"""The portal's search index: static files a browser reads a few at a time, at any scale.

Organisations are sorted by code (the USCC; one with none sorts after every code, by name) and
cut into chunks of `CHUNK`. Per chunk, two files: the organisations (code, name, records per
dataset) and their published records (every public field). A small manifest lists each chunk's
first key, so a code prefix or an organisation's page needs only its chunk.

Names are found by the characters they contain: each name's character pairs (bigrams, after
NFKC and upper case, as the page's script does) point to the positions of the organisations
holding them. A query's pairs give candidates, which the page checks against the names
themselves, so a hit always contains the query. Pairs come in three kinds, by how many names
hold them:

* most pairs: the positions (as gaps), in shards chosen by a hash of the pair;
* dense pairs (a city's, a big trade's: more than `DENSE_SHARE` of the names): a bitset over
  all positions, one file each, read only when the other pairs leave too many candidates;
* common pairs (有限, 公司: more than `COMMON_SHARE`): listed, never read; they narrow nothing.

Every file is named after its content's hash (in letters, as version ids are): a browser or CDN may keep it for ever, and a new
version of the data is new names, listed by a new manifest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from publishing.open_data import as_letters

CHUNK = 256  # organisations per chunk: a chunk's two files stay a few tens of kilobytes
SHARD_POSTINGS = 20_000  # positions per name shard, about 80 KB of JSON
# Platform policy, measured at a million records (bench/portal_bench.py): a pair in more than 5%
# of the names would weigh more as positions than as a bitset; one in more than half tells
# nothing. Under 1,000 names every pair is a list of positions.
DENSE_SHARE, COMMON_SHARE, DENSE_MIN = 0.05, 0.5, 1_000
FNV_OFFSET, FNV_PRIME = 0x811C9DC5, 0x01000193


def normalise(text: str) -> str:
    """The form names are indexed and searched in (the page's script applies the same)."""
    return unicodedata.normalize("NFKC", text).upper()


def bigrams(text: str) -> set[str]:
    chars = [c for c in normalise(text) if not c.isspace()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def shard_of(pair: str, shards: int) -> int:
    """FNV-1a over the pair's code points (the page's script computes the same)."""
    h = FNV_OFFSET
    for char in pair:
        h = ((h ^ ord(char)) * FNV_PRIME) & 0xFFFFFFFF
    return h % shards


@dataclass
class Organisation:
    key: str  # its code, or "~" and its name when it has none
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    records: str = "[]"  # its records, a JSON array of [dataset index, field values...]


def write_index(folder: Path, organisations: list[Organisation], datasets: list[str], header: dict) -> str:
    """Write the chunks, the name shards and the manifest under `folder`; returns the manifest's
    file name. `header` goes into the manifest as it is (field labels, versions, guidance)."""
    organisations = sorted(organisations, key=lambda o: o.key)
    chunks = []
    for start in range(0, len(organisations), CHUNK):
        part = organisations[start : start + CHUNK]
        summary = [[o.key, o.name, [o.counts.get(d, 0) for d in datasets]] for o in part]
        chunks.append(
            [
                part[0].key,
                _write(folder, "orgs", summary),
                _write_json(folder, "records", "[" + ",".join(o.records for o in part) + "]"),
            ]
        )
    postings: dict[str, list[int]] = {}
    for position, organisation in enumerate(organisations):
        for pair in bigrams(organisation.name):
            postings.setdefault(pair, []).append(position)
    count = len(organisations)
    dense = {p: w for p, w in postings.items() if len(w) > max(DENSE_MIN, DENSE_SHARE * count)}
    for pair in dense:
        del postings[pair]
    common = sorted(p for p, where in dense.items() if len(where) > COMMON_SHARE * count)
    bitsets = {
        p: _write(folder, "bits", bitset(w, count)) for p, w in sorted(dense.items()) if p not in common
    }
    shards = max(1, -(-sum(map(len, postings.values())) // SHARD_POSTINGS))
    grouped: list[dict[str, list[int]]] = [{} for _ in range(shards)]
    for pair, where in postings.items():
        # ascending positions as gaps: small numbers, short JSON
        grouped[shard_of(pair, shards)][pair] = [b - a for a, b in zip([0, *where], where, strict=False)]
    manifest = header | {
        "datasets": datasets,
        "chunk": CHUNK,
        "organisations": count,
        "chunks": chunks,
        "names": [_write(folder, "names", shard) for shard in grouped],
        "dense": bitsets,
        "common": common,
    }
    return _write(folder, "manifest", manifest)


def bitset(positions: list[int], size: int) -> str:
    """Bit p (byte p // 8, bit p % 8) set for each position, base64."""
    import numpy as np

    bits = np.zeros(size, dtype=bool)
    bits[positions] = True
    return base64.b64encode(np.packbits(bits, bitorder="little").tobytes()).decode()


def _write(folder: Path, kind: str, content) -> str:
    return _write_json(folder, kind, json.dumps(content, ensure_ascii=False, separators=(",", ":")))


def _write_json(folder: Path, kind: str, text: str) -> str:
    data = text.encode()
    name = f"{kind}.{as_letters(hashlib.sha256(data).digest()[:12])}.json"
    path = folder / name
    if not path.exists():  # same content, same name: unchanged chunks are not rewritten
        tmp = path.with_name(name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return name
