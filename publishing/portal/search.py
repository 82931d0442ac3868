"""The portal's search index: static files a browser reads a few at a time, at any scale.

Organisations are sorted by code (the USCC; one with none sorts after every code, by name) and
cut into chunks of `CHUNK`. Per chunk, two files: the organisations (code, name, records per
dataset) and their published records (every public field). A small manifest lists each chunk's
first key, so a code prefix or an organisation's page needs only its chunk.

Names are found by the characters they contain: each name's character pairs (bigrams, after
NFKC and upper case, as the page's script does) point to the positions of the organisations
holding them, in shards chosen by a hash of the pair. A query's pairs give candidates, which
the page checks against the names themselves, so a hit always contains the query. A pair held
by too many names (有限, 公司) is left out of the shards and listed in the manifest as common:
it narrows nothing, and the page looks the query up by its other pairs.

Every file is named after its content's hash (in letters, as version ids are): a browser or CDN may keep it for ever, and a new
version of the data is new names, listed by a new manifest.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from publishing.open_data import as_letters

CHUNK = 256  # organisations per chunk: a chunk's two files stay a few tens of kilobytes
SHARD_POSTINGS = 20_000  # positions per name shard, about 60 KB of JSON
# A pair in more names than this is common (platform policy: at a million records, 有限 and 公司
# would each weigh megabytes and tell nothing; under 1,000 names every pair is indexed).
COMMON_SHARE, COMMON_MIN = 0.02, 1_000
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
    records: list[list] = field(default_factory=list)  # [dataset index, record id, field values...]


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
                _write(folder, "records", [o.records for o in part]),
            ]
        )
    postings: dict[str, list[int]] = {}
    for position, organisation in enumerate(organisations):
        for pair in bigrams(organisation.name):
            postings.setdefault(pair, []).append(position)
    limit = max(COMMON_MIN, COMMON_SHARE * len(organisations))
    common = sorted(p for p, where in postings.items() if len(where) > limit)
    for pair in common:
        del postings[pair]
    shards = max(1, -(-sum(map(len, postings.values())) // SHARD_POSTINGS))
    grouped: list[dict[str, list[int]]] = [{} for _ in range(shards)]
    for pair, where in postings.items():
        # ascending positions as gaps: small numbers, short JSON
        grouped[shard_of(pair, shards)][pair] = [b - a for a, b in zip([0, *where], where, strict=False)]
    manifest = header | {
        "datasets": datasets,
        "chunk": CHUNK,
        "organisations": len(organisations),
        "chunks": chunks,
        "names": [_write(folder, "names", shard) for shard in grouped],
        "common": common,
    }
    return _write(folder, "manifest", manifest)


def _write(folder: Path, kind: str, content) -> str:
    data = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    name = f"{kind}.{as_letters(hashlib.sha256(data).digest()[:12])}.json"
    path = folder / name
    if not path.exists():  # same content, same name: unchanged chunks are not rewritten
        tmp = path.with_name(name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return name
