"""Landing from object storage: the run's `landing` may be `s3://bucket/prefix` instead of a folder.

The prefix is laid out as a landing folder is: one "folder" per dataset (`<prefix>/penalties/`,
`<prefix>/licenses/`, ... as `landing.landing_folders()` names them), and the objects directly in
each are the extracts (a name starting with "." is not; nothing in deeper "folders" is). A run
handles them in the same stages as files in a folder:

1. `discover` lists each dataset folder and fetches every object into the lake,
   `<lake>/incoming/<sha256 of its bytes>/<name>`, checking what arrived: the object's own
   checksum (SHA-256, SHA-1 or CRC32, asked for with `ChecksumMode="ENABLED"`) when it was
   uploaded with one, else the ETag's MD5 for a single-part upload without KMS, and its size
   always. A mismatch refuses that object, naming its key (status `fetch_failed`): nothing is
   landed from it, and the object stays where it is for the next run. Each file it returns
   (JSON, small: it goes through XCom) carries the object's `s3_key`.
2. `land` reads the local copy as it reads a file in a folder; the lineage (`_source_file`) and
   the run summary name the object by its `s3://` URI, and its `received_at` is the day the
   object was last modified. The ledger (`raw/_ledger.jsonl`, by sha256) makes bytes landed
   before `already_landed`, under whatever key they come back.
3. `validate_raw` gates each batch and writes the ledger; only then, once every file of an
   object has its final fate (landed, refused, gate_failed or already_landed), is the object
   moved: copied to the processed prefix, deleted from the landing prefix, and its local copy
   removed. A run that fails before that leaves the objects where they were: the rerun finds
   them again, and the ledger lands each only once.

The processed prefix is `<prefix>/_processed/` (`<prefix>/_processed/penalties/p.csv`), or the
key prefix in `CREDITLAKE_S3_PROCESSED_PREFIX`, keeping the dataset folder and name; an object
already there with other bytes is not overwritten (the new one gets its ETag in its name). A
move that fails is reported on the file (`move_error`); the next run moves it.

Credentials are boto3's usual ones (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, a profile or
a role), the endpoint `CREDITLAKE_S3_ENDPOINT_URL` (as for publishing). A bucket that does not
exist or cannot be read fails `discover` with `SourceError`, naming the URI.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from creditlake import landing
from creditlake.settings import RunConfig, s3_endpoint_url

PROCESSED_PREFIX_ENV = "CREDITLAKE_S3_PROCESSED_PREFIX"
# A file's fate after which its object leaves the landing prefix (`fetch_failed` is not one).
FINAL = frozenset({"landed", "refused", "already_landed", "gate_failed"})
CHUNK_BYTES = 8 << 20
# The error codes that say the bucket cannot be read as configured (retrying will not help).
_ACCESS_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}


class SourceError(Exception):
    """The landing location (or one object in it) cannot be read; the message names it."""


class ChecksumMismatch(SourceError):
    """The bytes downloaded are not the object's: the object is left where it is."""


def s3_client():
    import boto3

    return boto3.client("s3", endpoint_url=s3_endpoint_url())


@dataclass(frozen=True)
class S3Landing:
    """An `s3://bucket/prefix` landing location and where its processed objects go."""

    bucket: str
    prefix: str
    processed: str

    @classmethod
    def parse(cls, uri: str) -> S3Landing:
        bucket, _, prefix = str(uri).removeprefix("s3://").partition("/")
        if not str(uri).startswith("s3://") or not bucket:
            raise SourceError(f"landing {uri!r} is not an s3://bucket/prefix URI")
        prefix = prefix.strip("/")
        processed = os.environ.get(PROCESSED_PREFIX_ENV, "").strip("/") or _join(prefix, "_processed")
        return cls(bucket, prefix, processed)

    @property
    def uri(self) -> str:
        return self.url(self.prefix)

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def folder(self, name: str) -> str:
        return _join(self.prefix, name) + "/"

    def processed_key(self, key: str) -> str:
        """`<prefix>/penalties/p.csv` -> `<processed>/penalties/p.csv`."""
        return _join(self.processed, key.removeprefix(self.prefix).lstrip("/"))


def _join(*parts: str) -> str:
    return "/".join(p for p in parts if p)


def describe(err: Exception) -> str:
    """An S3 error as an operator reads it: the code and message, not a traceback."""
    details = getattr(err, "response", {}).get("Error", {})
    if details.get("Code"):
        return f"{details['Code']}: {details.get('Message') or 'no message'}"
    return f"{type(err).__name__}: {err}"


# ---------------------------------------------------------------------------------------
# discover: list, fetch and verify.
# ---------------------------------------------------------------------------------------


def discover(cfg: RunConfig) -> list[dict]:
    """Every object in the landing prefix's dataset folders, fetched and checked, as files to
    land (in key order; each member of a ZIP bundle as its own file, as from a folder)."""
    where = S3Landing.parse(cfg.landing)
    client = s3_client()
    found = []
    for dataset, folder in landing.landing_folders().items():
        for key in list_folder(client, where, folder):
            found += _fetched(client, where, cfg, key, dataset)
    return found


def check(uri: str) -> None:
    """Raise `SourceError` (naming the URI) when the landing prefix cannot be listed."""
    where = S3Landing.parse(uri)
    _list(s3_client(), where, where.folder(""), max_keys=1)


def list_folder(client, where: S3Landing, folder: str) -> list[str]:
    """The keys directly in one dataset folder that are extracts (not deeper, not hidden)."""
    keys = _list(client, where, where.folder(folder))
    return sorted(k for k in keys if landing.is_landing_name(PurePosixPath(k).name) and not k.endswith("/"))


def _list(client, where: S3Landing, prefix: str, max_keys: int | None = None) -> list[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    paging = {"MaxItems": max_keys} if max_keys else {}
    try:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=where.bucket, Prefix=prefix, Delimiter="/", PaginationConfig=paging
        )
        return [obj["Key"] for page in pages for obj in page.get("Contents", [])]
    except ClientError as err:
        raise SourceError(_listing_problem(where, err)) from err
    except BotoCoreError as err:
        raise SourceError(f"landing {where.uri}: cannot be listed: {describe(err)}") from err


def _listing_problem(where: S3Landing, err) -> str:
    code = err.response.get("Error", {}).get("Code", "")
    if code == "NoSuchBucket":
        return f"landing {where.uri}: bucket {where.bucket!r} does not exist"
    if code in _ACCESS_CODES:
        return (
            f"landing {where.uri}: access denied ({describe(err)}); check the AWS credentials "
            "and that they may list and read the bucket"
        )
    return f"landing {where.uri}: cannot be listed: {describe(err)}"


def _fetched(client, where: S3Landing, cfg: RunConfig, key: str, dataset: str) -> list[dict]:
    try:
        path = fetch(client, where, key, cfg.incoming_root)
    except SourceError as err:
        return [{"path": where.url(key), "dataset": dataset, "s3_key": key, "error": str(err)}]
    return [entry | {"s3_key": key} for entry in landing.entries(path, dataset)]


def fetch(client, where: S3Landing, key: str, root: Path) -> Path:
    """Download one object to `root/<sha256>/<name>`, verified; `ChecksumMismatch` (naming the
    key) when the bytes are not the object's, `SourceError` when it cannot be read."""
    from botocore.exceptions import BotoCoreError, ClientError, FlexibleChecksumError

    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{uuid.uuid4().hex}.part"
    try:
        response = client.get_object(Bucket=where.bucket, Key=key, ChecksumMode="ENABLED")
        verifier = Verifier(response)
        with tmp.open("wb") as fh:
            for chunk in read_chunks(response["Body"]):
                verifier.update(chunk)
                fh.write(chunk)
        problem = verifier.problem()
    except FlexibleChecksumError as err:  # botocore's own check of the same checksum
        problem = str(err)
    except (ClientError, BotoCoreError) as err:
        tmp.unlink(missing_ok=True)
        raise SourceError(f"{where.url(key)}: cannot be fetched: {describe(err)}") from err
    if problem:
        tmp.unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"{where.url(key)}: the download does not match the object ({problem}); "
            "not landed, the object is left where it is"
        )
    path = root / verifier.sha256.hexdigest() / PurePosixPath(key).name
    path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, path)
    modified = response["LastModified"].timestamp()  # the day it arrived: landing's received_at
    os.utime(path, (modified, modified))
    return path


def read_chunks(body):
    """The object's bytes as they arrive (a seam: tests corrupt a download here)."""
    yield from body.iter_chunks(CHUNK_BYTES)


class Verifier:
    """What a download must match: the object's size, and its checksum or its ETag's MD5."""

    _HASHES = {"SHA256": hashlib.sha256, "SHA1": hashlib.sha1}

    def __init__(self, response: dict):
        self.response = response
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.algorithm, self.expected = _declared_checksum(response)
        self.hash = self._HASHES[self.algorithm]() if self.algorithm in self._HASHES else None
        self.crc32 = 0
        self.md5 = hashlib.md5(usedforsecurity=False) if self.algorithm is None else None

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.sha256.update(chunk)
        if self.hash is not None:
            self.hash.update(chunk)
        elif self.algorithm == "CRC32":
            self.crc32 = zlib.crc32(chunk, self.crc32)
        if self.md5 is not None:
            self.md5.update(chunk)

    def problem(self) -> str | None:
        """None when the download is the object, else what differs."""
        expected_size = self.response.get("ContentLength", self.size)
        if self.size != expected_size:
            return f"{self.size} bytes downloaded, the object has {expected_size}"
        if self.algorithm is not None:
            digest = self.hash.digest() if self.hash is not None else self.crc32.to_bytes(4, "big")
            got = base64.b64encode(digest).decode()
            return (
                None if got == self.expected else f"{self.algorithm} {got}, the object's is {self.expected}"
            )
        etag = _md5_etag(self.response)
        if etag is not None and self.md5.hexdigest() != etag:
            return f"MD5 {self.md5.hexdigest()}, the object's ETag is {etag}"
        return None


def _declared_checksum(response: dict) -> tuple[str | None, str | None]:
    """The whole-object checksum S3 holds for the object, where one can be computed here."""
    if response.get("ChecksumType") == "COMPOSITE":  # of the parts: not of the bytes
        return None, None
    for algorithm in ("SHA256", "SHA1", "CRC32"):
        value = response.get(f"Checksum{algorithm}")
        if value and "-" not in value:
            return algorithm, value
    return None, None


def _md5_etag(response: dict) -> str | None:
    """The ETag, where it is the object's MD5: a single-part upload, not encrypted with KMS or a
    customer's key."""
    etag = str(response.get("ETag", "")).strip('"')
    encrypted = response.get("ServerSideEncryption") == "aws:kms" or response.get("SSECustomerAlgorithm")
    return etag if len(etag) == 32 and "-" not in etag and not encrypted else None


# ---------------------------------------------------------------------------------------
# land, and the move once a file's fate is final.
# ---------------------------------------------------------------------------------------


def land(cfg: RunConfig, file: dict) -> dict:
    """Land one fetched file as from a folder, named by its URI; a refused download as `fetch_failed`."""
    where = S3Landing.parse(cfg.landing)
    key = file["s3_key"]
    if file.get("error"):
        refused = landing.FileResult(
            path=where.url(key), dataset=file["dataset"], status="fetch_failed", reason=file["error"]
        )
        return refused.as_dict() | {"s3_key": key}
    result = landing.land_file(cfg, file["path"], file["dataset"], file.get("member"), where.url(key))
    return result | {"s3_key": key, "local_copy": file["path"]}


def move_processed(cfg: RunConfig, results: list[dict]) -> list[dict]:
    """Move each object whose files all have their final fate to the processed prefix (after
    the ledger is written: see the module's docstring); each result says where (`moved_to`) or
    why not (`move_error`). Objects not final stay, for the next run."""
    where = S3Landing.parse(cfg.landing)
    final: dict[str, bool] = {}
    for result in results:
        if result.get("s3_key"):
            final[result["s3_key"]] = final.get(result["s3_key"], True) and result["status"] in FINAL
    if not any(final.values()):
        return results
    client = s3_client()
    moved = {key: move(client, where, key) for key, done in final.items() if done}
    for result in results:
        outcome = moved.get(result.get("s3_key"))
        if outcome is not None:
            result |= outcome
            _drop_local_copy(cfg, result.get("local_copy"))
    return results


def move(client, where: S3Landing, key: str) -> dict:
    """Copy one object to the processed prefix and delete it from the landing prefix."""
    from botocore.exceptions import BotoCoreError, ClientError

    destination = where.processed_key(key)
    try:
        etag = client.head_object(Bucket=where.bucket, Key=key)["ETag"]
        destination = _free_key(client, where, destination, etag)
        client.copy({"Bucket": where.bucket, "Key": key}, where.bucket, destination)
        client.delete_object(Bucket=where.bucket, Key=key)
    except (ClientError, BotoCoreError) as err:
        return {
            "move_error": f"{where.url(key)} was not moved to {where.url(destination)} ({describe(err)}); "
            "the next run finds it again and moves it (the ledger knows it landed)"
        }
    return {"moved_to": where.url(destination)}


def _free_key(client, where: S3Landing, destination: str, etag: str) -> str:
    """`destination`, unless an object with other bytes is there already: never overwrite one."""
    from botocore.exceptions import ClientError

    try:
        there = client.head_object(Bucket=where.bucket, Key=destination)["ETag"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return destination
        raise
    if there == etag:  # the same object, copied by a run that stopped before the delete
        return destination
    name = PurePosixPath(destination)
    return str(name.with_name(f"{name.stem}.{etag.strip(chr(34))[:12]}{name.suffix}"))


def _drop_local_copy(cfg: RunConfig, local: str | None) -> None:
    if not local:
        return
    folder = Path(local).parent
    if folder.parent == cfg.incoming_root:
        shutil.rmtree(folder, ignore_errors=True)
