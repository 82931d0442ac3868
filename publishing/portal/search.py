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


def organisations_table(rows: list[tuple[str, str, list[int], str]]):
    """Organisations as `write_index` takes them, from (key, name, records per dataset, records)
    rows: the key is its code, or "~" and its name when it has none; its records a JSON array
    of [dataset index, field values...]."""
    import pyarrow as pa

    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[], [], [], []]
    return pa.table(columns, schema=organisations_schema())


def organisations_schema():
    import pyarrow as pa

    return pa.schema(
        [
            ("key", pa.string()),
            ("name", pa.string()),
            ("counts", pa.list_(pa.int64())),
            ("records", pa.string()),
        ]
    )


def write_index(folder: Path, organisations, datasets: list[str], header: dict) -> str:
    """Write the chunks, the name shards and the manifest under `folder`; returns the manifest's
    file name. `organisations`: an Arrow table (`organisations_table`), its counts in the order
    of `datasets`; `header` goes into the manifest as it is (field labels, versions, guidance).
    A chunk's records are joined and hashed as Arrow's UTF-8 bytes: they are most of the portal
    (500 MB at a million penalties), and as Python text they cost seconds more."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = organisations["key"].to_pylist()
    if any(a > b for a, b in zip(keys, keys[1:], strict=False)):  # `collect` gives them in order
        organisations = organisations.sort_by("key")  # UTF-8 bytes sort as code points do
        keys = organisations["key"].to_pylist()
    names, count = organisations["name"].to_pylist(), len(keys)
    # one count per dataset for each: a matrix (as lists, they would take a second at 1M records)
    counts = (
        np.asarray(organisations["counts"].combine_chunks().flatten()).reshape(count, len(datasets)).tolist()
    )
    starts = list(range(0, count, CHUNK))
    offsets = pa.array([*starts, count], pa.int32())
    records = organisations["records"].cast(pa.large_string()).combine_chunks()  # past 2 GB too
    records = pc.binary_join(pa.ListArray.from_arrays(offsets, records), pa.scalar(",", pa.large_string()))
    chunks = []
    for start, joined in zip(starts, records, strict=True):
        end = start + CHUNK
        summary = [
            list(row) for row in zip(keys[start:end], names[start:end], counts[start:end], strict=True)
        ]
        chunks.append(
            [
                keys[start],
                _write(folder, "orgs", summary),
                _write_bytes(folder, "records", b"[" + joined.as_buffer().to_pybytes() + b"]"),
            ]
        )
    postings: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        for pair in bigrams(name):
            postings.setdefault(pair, []).append(position)
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
        # pairs in order: a set's order changes with each process's string hashes, and with it
        # the shard's name, which would send every browser and the S3 mirror a new file daily
        "names": [_write(folder, "names", dict(sorted(shard.items()))) for shard in grouped],
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
    return _write_bytes(folder, kind, json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode())


def _write_bytes(folder: Path, kind: str, data: bytes) -> str:
    name = f"{kind}.{as_letters(hashlib.sha256(data).digest()[:12])}.json"
    path = folder / name
    if not path.exists():  # same content, same name: unchanged chunks are not rewritten
        tmp = path.with_name(name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return name
