"""Pull access for licensed institutions: the Delta Sharing REST protocol, served by the platform.

Institutions with a `pull` or `both` licence read their data with any Delta Sharing client
(`delta_sharing.load_as_pandas("profile.share#<licence>.<catalog item>.records")`) — opening
information "by interface" under the agreement (jl-draft Art 45, city-2022 Art 53,
hl-2022 Art 23). The layout:

* one **share** per licence (its id);
* one **schema** per catalog item of the licence;
* two **tables** per schema: `records` — what the licence may hold today — and `withdrawals` —
  records it was given and must take down, with reason and date (city-2022 Art 47: the pull
  side must say what to withdraw as much as the push side does).

The data is the licence's state as of its latest delivery (`publishing.feeds`), filtered again
on **every request** against the registry as it stands that day: the licence and institution in
force, the licence's items and subject types, and each natural person's authorisation
(jl-draft Art 21, city-2022 Art 24, gd-draft Art 22). An authorisation that ends today hides
the record today, not at the next delivery. Files are written per request and served by this
app under short-lived HMAC-signed URLs.

Bearer tokens are per institution, stored only as sha256 hashes with an expiry in the tokens
file (`CREDITLAKE_SHARING_TOKENS`, default `<lake>/sharing/tokens.json`); `issue_token`
returns the plaintext once. A token sees its own institution's shares only: another
institution's share is "not found" (404), a licence not in force is refused (403).
Every request, refused or not, appends one entry to the access log (`publishing.audit`).

Plain HTTP is for loopback only: in production put TLS in front (`public_url` names it).
"""

# No `from __future__ import annotations`: FastAPI must see the real `Request` class in the
# route signatures, which are defined inside the route-registering functions (`_catalog_routes`,
# `_table_routes`, `_file_routes`), where fastapi is imported lazily.
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from creditlake.settings import RunConfig
from publishing.audit import CHINA, AccessLog, audit_root, now_china
from publishing.feeds import (
    RECORD_COLUMNS,
    WITHDRAWAL_COLUMNS,
    FeedError,
    current_state,
    licence_folder,
    read_ledger,
    scope_filter,
)
from publishing.registry import Licence, Registry, RegistryError, licence_refusal, load_registry

PREFIX = "/delta-sharing"
TABLES = ("records", "withdrawals")
URL_TTL_SECONDS = 900
MAX_TOKEN_DAYS = 366  # a token outliving a year is a standing credential nobody reviews
NDJSON = "application/x-ndjson; charset=utf-8"
RECORD_FIELDS = [*RECORD_COLUMNS, "content_hash"]
WITHDRAWAL_FIELDS = [*WITHDRAWAL_COLUMNS, "delivery_id"]


# --- tokens ----------------------------------------------------------------------------------


def tokens_path(cfg: RunConfig) -> Path:
    return Path(os.environ.get("CREDITLAKE_SHARING_TOKENS") or Path(cfg.lake) / "sharing" / "tokens.json")


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def read_tokens(path: Path) -> list[dict]:
    if not Path(path).exists():
        return []
    return json.loads(Path(path).read_text(encoding="utf-8")).get("tokens", [])


@contextmanager
def _tokens_locked(path: Path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_tokens(path: Path, tokens: list[dict]) -> None:
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"tokens": tokens}, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    os.replace(tmp, path)


def issue_token(
    path: Path,
    registry: Registry,
    institution: str,
    *,
    days: int = 90,
    note: str = "",
    clock: Callable[[], datetime] = now_china,
) -> tuple[str, dict]:
    """A new bearer token for an institution: returns (plaintext, record). Only the sha256 of
    the plaintext is stored; the plaintext cannot be shown again."""
    if institution not in registry.institutions:
        raise ValueError(f"institution {institution} is not in the registry")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValueError(f"a token lives 1 to {MAX_TOKEN_DAYS} days, not {days}")
    now = clock().astimezone(CHINA)
    plaintext = "cls_" + secrets.token_urlsafe(32)
    record = {
        "id": "tok_" + secrets.token_hex(6),
        "institution": institution,
        "sha256": _hash_token(plaintext),
        "issued_at": now.isoformat(timespec="seconds"),
        "expires_at": (now + timedelta(days=days)).isoformat(timespec="seconds"),
        "revoked_at": None,
        "note": note,
    }
    with _tokens_locked(path):
        tokens = read_tokens(path)
        tokens.append(record)
        _write_tokens(path, tokens)
    return plaintext, record


def revoke_token(path: Path, token_id: str, *, clock: Callable[[], datetime] = now_china) -> dict:
    with _tokens_locked(path):
        tokens = read_tokens(path)
        for record in tokens:
            if record["id"] == token_id:
                record["revoked_at"] = record["revoked_at"] or clock().astimezone(CHINA).isoformat(
                    timespec="seconds"
                )
                _write_tokens(path, tokens)
                return record
    raise KeyError(f"no token {token_id}")


def profile(endpoint: str, token: str, record: dict) -> dict:
    """The Delta Sharing profile file an institution receives with its token (version 1)."""
    expires = datetime.fromisoformat(record["expires_at"]).astimezone(UTC)
    return {
        "shareCredentialsVersion": 1,
        "endpoint": endpoint.rstrip("/"),
        "bearerToken": token,
        "expirationTime": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


# --- the app ---------------------------------------------------------------------------------


class Refused(Exception):
    """An answer in the protocol's error format; `why` is what the access log records."""

    def __init__(self, status: int, code: str, message: str, why: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.why = status, code, message, why or message


class _Sharing:
    """The state behind the routes: registry (reloaded when its files change), tokens, files."""

    def __init__(self, cfg, registry, tokens, clock, url_key, url_ttl):
        self.cfg, self.clock, self.url_key, self.url_ttl = cfg, clock, url_key, url_ttl
        self.tokens = Path(tokens)
        self._registry, self._lock = registry, threading.Lock()
        self.files = Path(cfg.feeds_root) / "_sharing" / "files"

    def today(self) -> date:
        return self.clock().astimezone(CHINA).date()

    def registry(self) -> Registry:
        root = self._registry.root
        if root is None:
            return self._registry
        from publishing.registry import registry_digest

        with self._lock:
            if registry_digest(root) != self._registry.digest:
                try:
                    self._registry = load_registry(root, self._registry.profile)
                except RegistryError as err:  # fail closed: serve nothing from a broken registry
                    raise Refused(
                        503,
                        "REGISTRY_INVALID",
                        "the registry is being updated; try later",
                        f"registry invalid: {err.problems[:3]}",
                    ) from err
            return self._registry

    def authenticate(self, request) -> dict:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise Refused(401, "UNAUTHENTICATED", "a bearer token is required", "no bearer token")
        digest = _hash_token(header[7:].strip())
        record = next((t for t in read_tokens(self.tokens) if hmac.compare_digest(t["sha256"], digest)), None)
        if record is None:
            raise Refused(401, "UNAUTHENTICATED", "the bearer token is not valid", "unknown token")
        self._check_token(record)
        request.state.audit["institution"] = record["institution"]
        return record

    def _check_token(self, record: dict) -> None:
        if record.get("revoked_at"):
            raise Refused(
                401, "UNAUTHENTICATED", "the bearer token was revoked", f"token {record['id']} revoked"
            )
        if datetime.fromisoformat(record["expires_at"]) <= self.clock():
            raise Refused(
                401,
                "UNAUTHENTICATED",
                "the bearer token has expired",
                f"token {record['id']} expired at {record['expires_at']}",
            )
        if record["institution"] not in self.registry().institutions:
            raise Refused(
                403,
                "PERMISSION_DENIED",
                "the institution is not registered",
                f"institution {record['institution']} not in the registry",
            )

    def shares(self, token: dict) -> list[Licence]:
        registry, today = self.registry(), self.today()
        return sorted(
            (
                lic
                for lic in registry.licences.values()
                if lic.institution == token["institution"]
                and lic.pulled
                and licence_refusal(registry, lic.id, today) is None
            ),
            key=lambda lic: lic.id,
        )

    def licence(self, request, token: dict, share: str) -> Licence:
        registry = self.registry()
        lic = next((v for k, v in registry.licences.items() if k.lower() == share.lower()), None)
        audit = request.state.audit
        if lic is None or lic.institution != token["institution"]:
            why = (
                "no such share" if lic is None else f"share {lic.id} belongs to institution {lic.institution}"
            )
            raise Refused(404, "RESOURCE_DOES_NOT_EXIST", f"share {share} not found", why)
        audit["licence"], audit["purpose"] = lic.id, lic.purpose
        refusal = licence_refusal(registry, lic.id, self.today())
        if refusal:
            raise Refused(403, "PERMISSION_DENIED", refusal)
        if not lic.pulled:
            raise Refused(403, "PERMISSION_DENIED", f"licence {lic.id} is delivered by push only")
        return lic

    def table(self, lic: Licence, schema: str, table: str) -> tuple[str, str]:
        item = next((i for i in lic.catalog_items if i.lower() == schema.lower()), None)
        if item is None:
            raise Refused(404, "RESOURCE_DOES_NOT_EXIST", f"schema {schema} not found in share {lic.id}")
        if table.lower() not in TABLES:
            raise Refused(404, "RESOURCE_DOES_NOT_EXIST", f"table {table} not found in {lic.id}.{item}")
        return item, table.lower()

    def version(self, lic: Licence) -> int:
        ledger = read_ledger(licence_folder(self.cfg, lic.institution, lic.id))
        return ledger[-1]["seq"] if ledger else 0

    def rows(self, lic: Licence, item: str, table: str):
        """The table's rows as this licence may see them today (scope enforced here, every time)."""
        import pandas as pd

        folder = licence_folder(self.cfg, lic.institution, lic.id)
        try:
            held = current_state(folder)
        except FeedError as err:
            raise Refused(503, "UNAVAILABLE", "the share's data is unavailable", str(err)) from err
        if table == "records":
            if held is None:
                return pd.DataFrame(columns=RECORD_FIELDS)
            held = held[held["catalog_item"] == item]
            return scope_filter(held, self.registry(), lic, self.today())[RECORD_FIELDS]
        frames = []
        for entry in read_ledger(folder):
            path = folder / entry["delivery_id"] / "withdrawals.parquet"
            if path.exists():
                frames.append(pd.read_parquet(path).assign(delivery_id=entry["delivery_id"]))
        if not frames:
            return pd.DataFrame(columns=WITHDRAWAL_FIELDS)
        gone = pd.concat(frames, ignore_index=True)
        gone = gone[gone["catalog_item"] == item].drop_duplicates("record_id", keep="last")
        if held is not None:  # given back since: it is in `records` again
            gone = gone[~gone["record_id"].isin(set(held["record_id"]))]
        return gone[WITHDRAWAL_FIELDS].reset_index(drop=True)

    def write_file(self, frame) -> tuple[str, int]:
        """Content-addressed Parquet for one answer; old answers are swept after twice the URL TTL."""
        from publishing.targets import write_parquet

        self.files.mkdir(parents=True, exist_ok=True)
        cutoff = time.time() - 2 * self.url_ttl
        for old in self.files.glob("*.parquet"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except FileNotFoundError:
                pass
        frame = frame.reset_index(drop=True).astype(
            {c: object for c in frame.columns if c != "under_objection"}
        )
        tmp = self.files / f".{uuid.uuid4().hex}.parquet"
        write_parquet(frame, tmp)
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        os.replace(tmp, self.files / f"{digest}.parquet")
        return digest, (self.files / f"{digest}.parquet").stat().st_size

    def sign(self, file_id: str, lic: str, token_id: str, expires: int) -> str:
        message = f"{file_id}\n{lic}\n{token_id}\n{expires}".encode()
        return hmac.new(self.url_key, message, hashlib.sha256).hexdigest()

    def signed_file(
        self, request, file_id: str, lic: str, tok: str, exp: int, sig: str
    ) -> tuple[Licence, Path]:
        """The file behind a signed URL, and the licence it is read under. The signed URL is the
        credential here (clients fetch files without the bearer token): it names the file,
        licence, token and expiry; all are checked again now."""
        if len(file_id) != 64 or any(c not in "0123456789abcdef" for c in file_id):
            raise Refused(404, "RESOURCE_DOES_NOT_EXIST", "no such file")
        if not hmac.compare_digest(self.sign(file_id, lic, tok, exp), sig):
            raise Refused(
                403, "PERMISSION_DENIED", "the file URL's signature is not valid", "bad URL signature"
            )
        if exp < self.clock().timestamp():
            raise Refused(403, "PERMISSION_DENIED", "the file URL has expired", f"URL expired at {exp}")
        record = next((t for t in read_tokens(self.tokens) if t["id"] == tok), None)
        if record is None:
            raise Refused(403, "PERMISSION_DENIED", "the token behind this URL is gone", f"token {tok} gone")
        request.state.audit["institution"] = record["institution"]
        self._check_token(record)
        licence = self.licence(request, record, lic)
        path = self.files / f"{file_id}.parquet"
        if not path.exists():
            raise Refused(404, "RESOURCE_DOES_NOT_EXIST", "the file has been swept; query the table again")
        return licence, path


def _schema(table: str) -> dict:
    fields = RECORD_FIELDS if table == "records" else WITHDRAWAL_FIELDS
    return {
        "type": "struct",
        "fields": [
            {
                "name": f,
                "type": "boolean" if f == "under_objection" else "string",
                "nullable": True,
                "metadata": {},
            }
            for f in fields
        ],
    }


def _ids(lic: Licence, item: str | None = None, table: str | None = None) -> str:
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, "creditlake:" + ".".join(p for p in (lic.id, item, table) if p))
    )


def create_app(
    cfg: RunConfig,
    registry: Registry,
    *,
    tokens: Path | None = None,
    audit_dir: Path | None = None,
    clock: Callable[[], datetime] = now_china,
    url_key: bytes | None = None,
    url_ttl: int = URL_TTL_SECONDS,
    public_url: str | None = None,
    prefix: str = PREFIX,
):
    """The FastAPI app. `registry` is reloaded from its folder whenever the files change (a
    licence revoked or an authorisation withdrawn takes effect on the next request); `url_key`
    signs file URLs (`CREDITLAKE_SHARING_URL_KEY` hex, else random per process)."""
    from fastapi import FastAPI

    env_key = os.environ.get("CREDITLAKE_SHARING_URL_KEY")
    url_key = url_key or (bytes.fromhex(env_key) if env_key else secrets.token_bytes(32))
    state = _Sharing(cfg, registry, tokens or tokens_path(cfg), clock, url_key, url_ttl)
    log = AccessLog(audit_dir or audit_root(cfg), clock)
    app = FastAPI(title="creditlake Delta Sharing", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sharing = state
    _log_every_request(app, log)
    app.include_router(_catalog_routes(state, prefix))
    app.include_router(_table_routes(state, prefix, public_url))
    app.include_router(_file_routes(state, prefix))
    return app


def _log_every_request(app, log: AccessLog) -> None:
    """One access-log entry per request, refused or not; a refusal answers in the protocol's
    error format and its `why` is what the log records."""
    from fastapi import Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse

    @app.middleware("http")
    async def access_log(request: Request, call_next):
        # hl-draft Art 25, gd-draft Art 22: every query logged — who, when, what, for what purpose.
        request.state.audit = {
            "institution": None,
            "licence": None,
            "purpose": None,
            "read": None,
            "why": None,
        }
        audit = request.state.audit
        try:
            response = await call_next(request)
        except Exception:
            await run_in_threadpool(
                log.record,
                action=f"{request.method} {request.url.path}",
                result="refused",
                institution=audit["institution"],
                licence=audit["licence"],
                purpose=audit["purpose"],
                why="internal error",
            )
            raise
        ok = response.status_code < 400
        try:
            await run_in_threadpool(
                log.record,
                action=f"{request.method} {request.url.path}",
                result="ok" if ok else "refused",
                institution=audit["institution"],
                licence=audit["licence"],
                purpose=audit["purpose"],
                read=audit["read"] if ok else None,
                why=None if ok else (audit["why"] or f"HTTP {response.status_code}"),
            )
        except Exception:  # noqa: BLE001 - no answer leaves unlogged (fail closed)
            return JSONResponse(
                {"errorCode": "INTERNAL_ERROR", "message": "the access log is unavailable"}, 500
            )
        return response

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        request.state.audit["why"] = exc.why
        return JSONResponse({"errorCode": exc.code, "message": exc.message}, status_code=exc.status)


def _catalog_routes(state: _Sharing, prefix: str):
    """What a token may list: its institution's shares, their schemas (catalog items) and tables."""
    from fastapi import APIRouter, Request

    router = APIRouter()

    @router.get(prefix + "/shares")
    def list_shares(request: Request, maxResults: int | None = None, pageToken: str | None = None):  # noqa: N803
        token = state.authenticate(request)
        items = [{"name": lic.id, "id": _ids(lic)} for lic in state.shares(token)]
        request.state.audit["read"] = {"shares": [i["name"] for i in items]}
        return _page(items, maxResults, pageToken)

    @router.get(prefix + "/shares/{share}")
    def get_share(request: Request, share: str):
        lic = state.licence(request, state.authenticate(request), share)
        return {"share": {"name": lic.id, "id": _ids(lic)}}

    @router.get(prefix + "/shares/{share}/schemas")
    def list_schemas(
        request: Request, share: str, maxResults: int | None = None, pageToken: str | None = None
    ):  # noqa: N803
        lic = state.licence(request, state.authenticate(request), share)
        return _page([{"name": item, "share": lic.id} for item in lic.catalog_items], maxResults, pageToken)

    @router.get(prefix + "/shares/{share}/schemas/{schema}/tables")
    def list_tables(
        request: Request,
        share: str,
        schema: str,
        maxResults: int | None = None,  # noqa: N803
        pageToken: str | None = None,
    ):  # noqa: N803
        lic = state.licence(request, state.authenticate(request), share)
        item, _ = state.table(lic, schema, TABLES[0])
        return _page([_table_entry(lic, item, t) for t in TABLES], maxResults, pageToken)

    @router.get(prefix + "/shares/{share}/all-tables")
    def list_all_tables(
        request: Request, share: str, maxResults: int | None = None, pageToken: str | None = None
    ):  # noqa: N803
        lic = state.licence(request, state.authenticate(request), share)
        return _page(
            [_table_entry(lic, i, t) for i in lic.catalog_items for t in TABLES], maxResults, pageToken
        )

    return router


def _table_routes(state: _Sharing, prefix: str, public_url: str | None):
    """One table: its version, its metadata, and a query answered with signed file URLs."""
    from fastapi import APIRouter, Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import Response

    router = APIRouter()

    @router.api_route(
        prefix + "/shares/{share}/schemas/{schema}/tables/{table}/version", methods=["GET", "HEAD"]
    )
    def table_version(request: Request, share: str, schema: str, table: str):
        lic = state.licence(request, state.authenticate(request), share)
        state.table(lic, schema, table)
        return Response(status_code=200, headers=_version_headers(state.version(lic)))

    @router.get(prefix + "/shares/{share}/schemas/{schema}/tables/{table}/metadata")
    def table_metadata(request: Request, share: str, schema: str, table: str):
        lic = state.licence(request, state.authenticate(request), share)
        item, table = state.table(lic, schema, table)
        version = state.version(lic)
        body = "\n".join(_metadata_lines(lic, item, table, version)) + "\n"
        return Response(body, media_type=NDJSON, headers=_version_headers(version))

    @router.post(prefix + "/shares/{share}/schemas/{schema}/tables/{table}/query")
    async def query_table(request: Request, share: str, schema: str, table: str):
        try:
            body = await request.json() if await request.body() else {}
        except ValueError as err:
            raise Refused(400, "MALFORMED_REQUEST", "the request body is not JSON") from err
        return await run_in_threadpool(answer_query, request, share, schema, table, body or {})

    def answer_query(request: Request, share: str, schema: str, table: str, body: dict):
        token = state.authenticate(request)
        lic = state.licence(request, token, share)
        item, table = state.table(lic, schema, table)
        version = state.version(lic)
        _only_current_version(body, version, f"{lic.id}.{item}.{table}")
        frame = state.rows(lic, item, table)
        lines = _metadata_lines(lic, item, table, version)
        if len(frame):
            base = (public_url or str(request.base_url)).rstrip("/") + prefix
            lines.append(_file_line(state, frame, base, lic, token))
        request.state.audit["read"] = {
            "table": f"{lic.id}.{item}.{table}",
            "records": len(frame),
            "version": version,
        }
        return Response("\n".join(lines) + "\n", media_type=NDJSON, headers=_version_headers(version))

    @router.get(prefix + "/shares/{share}/schemas/{schema}/tables/{table}/changes")
    def table_changes(request: Request, share: str, schema: str, table: str):
        lic = state.licence(request, state.authenticate(request), share)
        state.table(lic, schema, table)
        raise Refused(
            400,
            "INVALID_PARAMETER_VALUE",
            "change data feed is not shared: read the withdrawals table and the records' content_hash",
        )

    return router


def _file_routes(state: _Sharing, prefix: str):
    """The files a query answer points to, under their signed URLs."""
    from fastapi import APIRouter, Request
    from fastapi.responses import FileResponse

    router = APIRouter()

    @router.api_route(prefix + "/files/{file_id}", methods=["GET", "HEAD"])
    def get_file(request: Request, file_id: str, lic: str = "", tok: str = "", exp: int = 0, sig: str = ""):
        licence, path = state.signed_file(request, file_id, lic, tok, exp, sig)
        request.state.audit["read"] = {
            "file": file_id,
            "licence": licence.id,
            "range": request.headers.get("range"),
        }
        return FileResponse(path, media_type="application/octet-stream")

    return router


def _page(items: list, max_results, page_token) -> dict:
    """One page of a listing; `pageToken` is the index of the first item."""
    try:
        start = int(page_token) if page_token else 0
        size = int(max_results) if max_results is not None else None
    except ValueError as err:
        raise Refused(400, "INVALID_PARAMETER_VALUE", "maxResults and pageToken must be integers") from err
    if start < 0 or (size is not None and size < 0):
        raise Refused(400, "INVALID_PARAMETER_VALUE", "maxResults and pageToken must not be negative")
    end = len(items) if size is None else start + size
    body = {"items": items[start:end]}
    if end < len(items):
        body["nextPageToken"] = str(end)
    return body


def _table_entry(lic: Licence, item: str, table: str) -> dict:
    return {
        "name": table,
        "schema": item,
        "share": lic.id,
        "shareId": _ids(lic),
        "id": _ids(lic, item, table),
    }


def _version_headers(version: int) -> dict:
    return {"delta-table-version": str(version), "delta-sharing-capabilities": "responseformat=parquet"}


def _metadata_lines(lic: Licence, item: str, table: str, version: int) -> list[str]:
    """The protocol and metaData lines that open a metadata or query answer."""
    description = (
        f"{item}: records licence {lic.id} may hold today"
        if table == "records"
        else f"{item}: records licence {lic.id} must take down (reason, withdrawn_on)"
    )
    return [
        json.dumps({"protocol": {"minReaderVersion": 1}}),
        json.dumps(
            {
                "metaData": {
                    "id": _ids(lic, item, table),
                    "name": table,
                    "description": description,
                    "format": {"provider": "parquet"},
                    "schemaString": json.dumps(_schema(table)),
                    "partitionColumns": [],
                    "configuration": {},
                    "version": version,
                }
            },
            ensure_ascii=False,
        ),
    ]


def _only_current_version(body, version: int, table: str) -> None:
    """Only today's state is shared: no time travel, no history, no other version."""
    if not isinstance(body, dict):
        raise Refused(400, "MALFORMED_REQUEST", "the request body must be a JSON object")
    for travel in ("version", "timestamp", "startingVersion"):
        if body.get(travel) is not None and not (travel == "version" and str(body[travel]) == str(version)):
            raise Refused(
                400,
                "INVALID_PARAMETER_VALUE",
                f"only the current version ({version}) of {table} is shared",
            )


def _file_line(state: _Sharing, frame, base: str, lic: Licence, token: dict) -> str:
    """The `file` line of a query answer: the rows written once, behind a short-lived signed URL."""
    file_id, size = state.write_file(frame)
    expires = int(state.clock().timestamp()) + state.url_ttl
    url = (
        f"{base}/files/{file_id}?lic={lic.id}&tok={token['id']}&exp={expires}"
        f"&sig={state.sign(file_id, lic.id, token['id'], expires)}"
    )
    return json.dumps(
        {
            "file": {
                "url": url,
                "id": file_id,
                "partitionValues": {},
                "size": size,
                "stats": json.dumps({"numRecords": len(frame)}),
                "expirationTimestamp": expires * 1000,
            }
        }
    )


def serve(cfg: RunConfig, registry: Registry, host: str = "127.0.0.1", port: int = 8080, **options) -> None:
    """Run the sharing server with uvicorn (blocking). `options` go to `create_app`."""
    import uvicorn

    uvicorn.run(create_app(cfg, registry, **options), host=host, port=port, log_level="info")
