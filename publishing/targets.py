"""Where published files go: a local folder always, and S3 via boto3 when configured.

The local folder (`open_root`, `feeds_root`) is the complete copy operators look at; when
`CREDITLAKE_<KIND>_S3_BUCKET` is set the same files are mirrored to object storage, under
the same relative keys. Pointers (`latest.json`) are written last, so a reader following
one never finds a half-published version.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
from pathlib import Path

from creditlake.settings import S3Target


def s3_client(target: S3Target):
    import boto3

    return boto3.client("s3", endpoint_url=target.endpoint_url)


def _key(s3: S3Target, local_root: Path, path: Path) -> str:
    return "/".join(p for p in (s3.prefix, path.relative_to(local_root).as_posix()) if p)


def put_tree(local_root: Path, files: list[Path], s3: S3Target | None) -> list[str]:
    """Mirror `files` (already under `local_root`) to S3; returns the object keys written. Each
    object gets its media type (a static website serves pages as pages); a file named after its
    content's hash (`name.<hash>.ext`, the portal's index and assets) may be cached for ever."""
    if s3 is None:
        return []
    client = s3_client(s3)
    keys = []
    for path in files:
        key = _key(s3, local_root, path)
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media in ("application/json", "text/javascript"):
            media += "; charset=utf-8"
        hashed = len(path.name.split(".")) == 3 and path.parent.name in ("portal", "search")
        cache = "public, max-age=31536000, immutable" if hashed else "no-cache"
        client.upload_file(str(path), s3.bucket, key, ExtraArgs={"ContentType": media, "CacheControl": cache})
        keys.append(key)
    return keys


def delete_tree(local_root: Path, files: list[Path], s3: S3Target | None) -> list[str]:
    """Delete from S3 the objects of `files` (already deleted under `local_root`)."""
    if s3 is None or not files:
        return []
    client = s3_client(s3)
    keys = [_key(s3, local_root, path) for path in files]
    for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
        client.delete_objects(
            Bucket=s3.bucket, Delete={"Objects": [{"Key": k} for k in keys[start : start + 1000]]}
        )
    return keys


def install_version(staged: Path, destination: Path) -> list[Path]:
    """Put a staged version folder into place, never overwriting a published version.

    Files are linked (copied where the two folders are on different file systems) under a
    temporary folder name, renamed in one step: a version folder either exists whole or not at
    all. A link costs nothing at any size (a copy of a province's versions took 2.3 s a cycle);
    it is safe because no file of a staged version is written again in place
    (`publishing.open_data.write_version` starts from an empty folder).
    """
    if destination.exists():
        return sorted(p for p in destination.rglob("*") if p.is_file())
    tmp = destination.with_name(destination.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(staged, tmp, copy_function=_link_or_copy)
    os.replace(tmp, destination)
    return sorted(p for p in destination.rglob("*") if p.is_file())


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)


def write_parquet(frame, path: Path) -> None:
    """Everything that leaves the platform is written by fastparquet, to a temporary name
    and renamed: no half files. Text columns are UTF-8, dates stay dates."""
    import fastparquet

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    text = {c: "utf8" for c in frame.columns if frame[c].dtype == object}
    fastparquet.write(
        str(tmp), frame.reset_index(drop=True), object_encoding=text or "utf8", write_index=False, stats=False
    )
    os.replace(tmp, path)


def write_csv(frame, path: Path) -> None:
    """A frame as CSV for people: UTF-8 with a BOM (so that Excel reads it), a header line, a
    missing value as an empty cell, days as YYYY-MM-DD, booleans as True/False, numbers as
    Python writes them: the cells pandas' `to_csv` writes. The rows are written by DuckDB (in
    C++, on both cores: 2.2 s, not pandas' 5.1 s, for a province's three open datasets); a column it
    cannot write as pandas would (text mixed with other objects, times of day) sends the whole
    frame to pandas. DuckDB quotes a little more often (a value starting with `#`, a lone
    carriage return): the same cells to any CSV reader."""
    import csv
    import io

    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    cells = [_csv_cell(column, frame[column]) for column in frame.columns]
    if not cells or None in cells or not frame.columns.is_unique:
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        return
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(frame.columns)  # pandas' dialect
    body = path.with_name(path.name + ".rows")
    with duckdb.connect() as con:
        con.register("frame", frame)
        target = str(body).replace("'", "''")
        con.execute(f"copy (select {', '.join(cells)} from frame) to '{target}' (format csv, header false)")
    with open(path, "wb") as out, open(body, "rb") as rows:
        out.write(header.getvalue().encode("utf-8-sig"))
        shutil.copyfileobj(rows, out, 1 << 20)
    body.unlink()


def _csv_cell(column, series) -> str | None:
    """How DuckDB writes a column's cells as pandas does; None when it cannot."""
    import pandas as pd

    from creditlake.warehouse import identifier

    quoted = identifier(column)
    kind = series.dtype
    if pd.api.types.is_object_dtype(kind):
        if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
            return None
        return f"nullif({quoted}, '')"  # pandas writes an empty text as it writes a missing one
    if pd.api.types.is_bool_dtype(kind):
        return f"case when {quoted} then 'True' when not {quoted} then 'False' end"
    if pd.api.types.is_datetime64_dtype(kind):
        if series.dt.tz is not None or not (series.dropna() == series.dropna().dt.normalize()).all():
            return None  # pandas writes times of day: left to it
        return f"strftime({quoted}, '%Y-%m-%d')"
    if pd.api.types.is_integer_dtype(kind) or pd.api.types.is_float_dtype(kind):
        return quoted
    return None


def write_pointer(path: Path, text: str) -> None:
    """Atomically replace a pointer file (write a temporary file, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
