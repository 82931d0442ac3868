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

Each table has a history (`publishing.history`): one version per delivery, and one more whenever the
registry changes what the licence may see between deliveries; a query may ask for a past version or
timestamp, and `changes` serves the change data feed, for `history_days` (default 30). History never
re-serves a record the licence may not hold today. Answers are in parquet format only: a client asking
for `responseformat=delta` gets parquet, and the `delta-sharing-capabilities` header says so.

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
import base64
import hashlib
import hmac
import ipaddress
import json
import math
import os
import secrets
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from creditlake.settings import RunConfig
from publishing.audit import CHINA, AccessLog, audit_root, now_china, served_subjects
from publishing.feeds import (
    RECORD_COLUMNS,
    WITHDRAWAL_COLUMNS,
    FeedError,
    current_state,
    licence_folder,
    scope_filter,
)
from publishing.locks import exclusive
from publishing.registry import Licence, Registry, RegistryError, licence_refusal, load_registry

PREFIX = "/delta-sharing"
TABLES = ("records", "withdrawals")
URL_TTL_SECONDS = 900
MAX_TOKEN_DAYS = 366  # a token outliving a year is a standing credential nobody reviews
MAX_BODY_BYTES = 64 * 1024  # a query body is a few hundred bytes; more is not a query
AUTH_FAILURES_ALLOWED = 5  # failed authentications per client address within the window ...
AUTH_WINDOW_SECONDS = 900  # ... before it must wait 2, 4, 8 ... seconds between attempts
AUTH_MAX_DELAY_SECONDS = 900
NDJSON = "application/x-ndjson; charset=utf-8"
RECORD_FIELDS = [*RECORD_COLUMNS, "content_hash"]
WITHDRAWAL_FIELDS = [*WITHDRAWAL_COLUMNS, "delivery_id"]
MAX_RESULTS = 1000  # per page of a listing, whatever maxResults asks (the protocol allows fewer)
HTTP_ERROR_CODES = {
    400: "INVALID_PARAMETER_VALUE",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "RESOURCE_DOES_NOT_EXIST",
    405: "METHOD_NOT_ALLOWED",
}


# --- tokens ----------------------------------------------------------------------------------


def tokens_path(cfg: RunConfig) -> Path:
    return Path(os.environ.get("CREDITLAKE_SHARING_TOKENS") or Path(cfg.lake) / "sharing" / "tokens.json")


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def read_tokens(path: Path) -> list[dict]:
    if not Path(path).exists():
        return []
    return json.loads(Path(path).read_text(encoding="utf-8")).get("tokens", [])


def _tokens_locked(path: Path):
    path = Path(path)
    return exclusive(path.with_name(path.name + ".lock"))


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


class TooManyFailures(Refused):
    """429: this client address failed to authenticate too often; it must wait `retry_after`."""

    def __init__(self, address: str, retry_after: int):
        super().__init__(
            429,
            "TOO_MANY_REQUESTS",
            f"too many failed authentications: retry in {retry_after} s",
            f"client {address} backing off after failed authentications",
        )
        self.retry_after = retry_after


class _Backoff:
    """Failed authentications per client address (bearer token or file URL signature): after
    `AUTH_FAILURES_ALLOWED` within `AUTH_WINDOW_SECONDS`, each further attempt waits twice as long
    as the one before (2, 4, 8 ... s, at most `AUTH_MAX_DELAY_SECONDS`) after the last failure.
    A guessed token costs the guesser time; a success clears the address."""

    def __init__(self, clock: Callable[[], datetime]):
        self.clock, self._failures, self._lock = clock, {}, threading.Lock()

    def check(self, address: str) -> None:
        now = self.clock().timestamp()
        with self._lock:
            recent = [t for t in self._failures.get(address, []) if now - t < AUTH_WINDOW_SECONDS]
            self._failures[address] = recent
            if not recent:
                del self._failures[address]
            excess = len(recent) - AUTH_FAILURES_ALLOWED
            if excess < 0:
                return
            wait = recent[-1] + min(2 ** (excess + 1), AUTH_MAX_DELAY_SECONDS) - now
        if wait > 0:
            raise TooManyFailures(address, math.ceil(wait))

    def failed(self, address: str) -> None:
        with self._lock:
            self._failures.setdefault(address, []).append(self.clock().timestamp())

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


def client_address(request) -> str:
    return request.client.host if request.client else "unknown"


class _Sharing:
    """The state behind the routes: registry (reloaded when its files change), tokens, files."""

    def __init__(self, cfg, registry, tokens, clock, url_key, url_ttl):
        self.cfg, self.clock, self.url_key, self.url_ttl = cfg, clock, url_key, url_ttl
        self.tokens = Path(tokens)
        self._registry, self._lock = registry, threading.Lock()
        self.files = Path(cfg.feeds_root) / "_sharing" / "files"
        self.backoff = _Backoff(clock)

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
        """The token record of the request's bearer token, checked once per request (the
        middleware checks it before a body is read); a failure counts against the client's
        address (`_Backoff`), a backing-off address is answered 429 without a look at the token."""
        cached = getattr(request.state, "token", None)
        if cached is not None:
            return cached
        address = client_address(request)
        self.backoff.check(address)
        try:
            record = self._bearer(request)
            request.state.audit["token"] = record["id"]
            self._check_token(record)
        except Refused as refused:
            if refused.status == 401:
                self.backoff.failed(address)
            raise
        self.backoff.succeeded(address)
        request.state.audit["institution"] = record["institution"]
        request.state.token = record
        return record

    def _bearer(self, request) -> dict:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise Refused(401, "UNAUTHENTICATED", "a bearer token is required", "no bearer token")
        digest = _hash_token(header[7:].strip())
        record = next((t for t in read_tokens(self.tokens) if hmac.compare_digest(t["sha256"], digest)), None)
        if record is None:
            raise Refused(401, "UNAUTHENTICATED", "the bearer token is not valid", "unknown token")
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

    def view(self, lic: Licence):
        """The licence's history (`publishing.history`) and the records it may see today: the
        scope is enforced here, on every request, whatever version is asked for."""
        from publishing.history import Timeline, history_days

        folder = licence_folder(self.cfg, lic.institution, lic.id)
        log = Path(self.cfg.feeds_root) / "_sharing" / "versions" / f"{lic.id}.jsonl"
        try:
            held = current_state(folder)
            allowed = (
                set()
                if held is None
                else set(scope_filter(held, self.registry(), lic, self.today())["record_id"])
            )
            hidden = [] if held is None else sorted(set(held["record_id"]) - allowed)
            now_ms = int(self.clock().timestamp() * 1000)
            days = history_days(getattr(self, "history_days", None))
            return Timeline.load(folder, log, hidden, now_ms, days), allowed
        except FeedError as err:
            raise Refused(503, "UNAVAILABLE", "the share's data is unavailable", str(err)) from err

    def version(self, lic: Licence) -> int:
        return self.view(lic)[0].latest

    def rows(self, lic: Licence, item: str, table: str, view=None, version: int | None = None):
        """A table's rows at a version (default the latest) as this licence may see them today:
        history never serves a record the licence may no longer hold."""
        timeline, allowed = view or self.view(lic)
        try:
            frame = timeline.rows(timeline.latest if version is None else version, table)
        except FeedError as err:
            raise Refused(503, "UNAVAILABLE", "the share's data is unavailable", str(err)) from err
        frame = frame[frame["catalog_item"] == item]
        if table == "records":
            frame = frame[frame["record_id"].isin(allowed)]
        return frame.reset_index(drop=True)

    def url_expiry(self, lic: Licence, token: dict, frame) -> int:
        """When a file URL issued now expires: the URL TTL, cut to the end of the token, the
        licence, the institution's qualification and the authorisation of every natural person
        in the file — a URL never outlives what it was issued under."""
        ends = [
            self.clock().timestamp() + self.url_ttl,
            datetime.fromisoformat(token["expires_at"]).timestamp(),
        ]
        registry = self.registry()
        ends.append(_day_end(lic.valid_to))
        qualified_to = registry.institutions[lic.institution].qualified_to
        if qualified_to is not None:
            ends.append(_day_end(qualified_to))
        ends += _authorisation_ends(registry, lic, frame, self.today())
        return int(min(ends))

    def write_file(self, frame, institution: str, expires: int) -> tuple[str, int]:
        """Content-addressed Parquet for one answer, in the institution's own folder (0700, files
        0600); the file's mtime is the expiry of the latest URL to it, and it is removed once
        that has passed (`sweep_files`)."""
        from publishing.targets import write_parquet

        folder = self._institution_files(institution)
        self.sweep_files()
        frame = frame.reset_index(drop=True).astype(
            {c: object for c in frame.columns if c != "under_objection"}
        )
        tmp = folder / f".{uuid.uuid4().hex}.parquet"
        write_parquet(frame, tmp)
        os.chmod(tmp, 0o600)
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        path = folder / f"{digest}.parquet"
        if path.exists():
            expires = max(expires, int(path.stat().st_mtime))
        os.utime(tmp, (expires, expires))  # before it is visible: a sweep never sees it unexpired
        os.replace(tmp, path)
        return digest, path.stat().st_size

    def _institution_files(self, institution: str) -> Path:
        if not institution or "/" in institution or institution.startswith("."):
            raise Refused(500, "INTERNAL_ERROR", "internal error", f"bad institution id {institution!r}")
        folder = self.files / institution
        for path in (self.files.parent, self.files, folder):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(path, 0o700)
        return folder

    def sweep_files(self) -> None:
        """Remove every served file whose URLs have all expired (its mtime is their latest expiry)."""
        now = self.clock().timestamp()
        # files/*.parquet: the layout before per-institution folders, whose URLs are long dead
        for old in [*self.files.glob("*.parquet"), *self.files.glob("*/*.parquet")]:
            if old.name.startswith("."):  # being written (`write_file`)
                continue
            try:
                if old.stat().st_mtime < now:
                    old.unlink()
            except FileNotFoundError:
                pass

    def sign(self, file_id: str, lic: str, token_id: str, expires: int) -> str:
        message = f"{file_id}\n{lic}\n{token_id}\n{expires}".encode()
        return hmac.new(self.url_key, message, hashlib.sha256).hexdigest()

    def signed_file(
        self, request, file_id: str, lic: str, tok: str, exp: int, sig: str
    ) -> tuple[Licence, Path]:
        """The file behind a signed URL, and the licence it is read under. The signed URL is the
        credential here (clients fetch files without the bearer token): it names the file,
        licence, token and expiry; all are checked again now. A bad signature counts as a
        failed authentication of the client's address (`_Backoff`)."""
        address = client_address(request)
        self.backoff.check(address)
        self.sweep_files()  # an expired URL's file goes even if nobody queries again
        if len(file_id) != 64 or any(c not in "0123456789abcdef" for c in file_id):
            raise Refused(404, "RESOURCE_DOES_NOT_EXIST", "no such file")
        if not hmac.compare_digest(self.sign(file_id, lic, tok, exp), sig):
            self.backoff.failed(address)
            raise Refused(
                403, "PERMISSION_DENIED", "the file URL's signature is not valid", "bad URL signature"
            )
        request.state.audit["token"] = tok
        if exp < self.clock().timestamp():
            raise Refused(403, "PERMISSION_DENIED", "the file URL has expired", f"URL expired at {exp}")
        record = next((t for t in read_tokens(self.tokens) if t["id"] == tok), None)
        if record is None:
            raise Refused(403, "PERMISSION_DENIED", "the token behind this URL is gone", f"token {tok} gone")
        request.state.audit["institution"] = record["institution"]
        self._check_token(record)
        licence = self.licence(request, record, lic)
        path = self.files / record["institution"] / f"{file_id}.parquet"
        if not path.exists():
            raise Refused(404, "RESOURCE_DOES_NOT_EXIST", "the file has been swept; query the table again")
        return licence, path


def _day_end(day: date) -> float:
    """The end of a calendar day in China time (a date "until" is valid through that day)."""
    return (datetime(day.year, day.month, day.day, tzinfo=CHINA) + timedelta(days=1)).timestamp()


def _authorisation_ends(registry: Registry, lic: Licence, frame, today: date) -> list[float]:
    """For each natural person in a file, when the last authorisation covering them today ends
    (jl-draft Art 21, city-2022 Art 24: no authorisation, no record)."""
    if not {"subject_type", "subject_key", "catalog_item"} <= set(frame.columns):
        return []
    people = frame[frame["subject_type"] == "natural_person"]
    pairs = set(zip(people["subject_key"], people["catalog_item"], strict=True))
    ends = []
    for key, item in pairs:
        covering = [
            a
            for a in registry.authorisations
            if a.covers(lic.institution, str(key).strip().upper(), item, lic.purpose, today)
        ]
        if covering:
            ends.append(max(_authorisation_end(a) for a in covering))
    return ends


def _authorisation_end(authorisation) -> float:
    ends = [math.inf]
    if authorisation.expires_on is not None:
        ends.append(_day_end(authorisation.expires_on))
    if authorisation.withdrawn_on is not None:  # covered only before the day it is withdrawn
        ends.append(_day_end(authorisation.withdrawn_on) - 86400)
    return min(ends)


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
    history_days: int | None = None,
):
    """The FastAPI app. `registry` is reloaded from its folder whenever the files change (a
    licence revoked or an authorisation withdrawn takes effect on the next request); `url_key`
    signs file URLs (`CREDITLAKE_SHARING_URL_KEY` hex, else random per process)."""
    from fastapi import FastAPI

    env_key = os.environ.get("CREDITLAKE_SHARING_URL_KEY")
    url_key = url_key or (bytes.fromhex(env_key) if env_key else secrets.token_bytes(32))
    state = _Sharing(cfg, registry, tokens or tokens_path(cfg), clock, url_key, url_ttl)
    state.history_days = history_days  # None: CREDITLAKE_SHARING_HISTORY_DAYS, else publishing.history
    log = AccessLog(audit_dir or audit_root(cfg), clock, lake=cfg.lake)
    app = FastAPI(title="creditlake Delta Sharing", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sharing = state
    _log_every_request(app, log, state)
    _protocol_errors(app)
    app.include_router(_catalog_routes(state, prefix))
    app.include_router(_table_routes(state, prefix, public_url))
    app.include_router(_file_routes(state, prefix))
    return app


def _log_every_request(app, log: AccessLog, state: _Sharing) -> None:
    """One access-log entry per request, refused or not: who (institution, token, client
    address), what (method, path and query, status, subjects served), and why a refusal; a
    refusal answers in the protocol's error format. Before any route runs, the Host header is
    pinned to the address the server is bound to (file URLs never come from a client's Host),
    and a request with a body is authenticated, then size-checked, before the body is read."""
    from fastapi import Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse

    @app.middleware("http")
    async def access_log(request: Request, call_next):
        # hl-draft Art 25, gd-draft Art 22: every query logged — who, when, what, for what purpose.
        _pin_host(request.scope)
        request.state.audit = dict.fromkeys(
            ("institution", "licence", "purpose", "read", "why", "token", "subjects")
        )
        try:
            response = await _before_body(request, state) or await call_next(request)
        except Exception:
            await run_in_threadpool(log.record, **_log_entry(request, None))
            raise
        try:
            await run_in_threadpool(log.record, **_log_entry(request, response.status_code))
        except Exception:  # noqa: BLE001 - no answer leaves unlogged (fail closed)
            return JSONResponse(
                {"errorCode": "INTERNAL_ERROR", "message": "the access log is unavailable"}, 500
            )
        return response

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        return _refusal(request, exc)


def _refusal(request, exc: Refused):
    from fastapi.responses import JSONResponse

    request.state.audit["why"] = exc.why
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyFailures) else None
    return JSONResponse(
        {"errorCode": exc.code, "message": exc.message}, status_code=exc.status, headers=headers
    )


async def _before_body(request, state: _Sharing):
    """For a request that carries a body: the bearer token first, then its declared size
    (`MAX_BODY_BYTES`; a body without a Content-Length is refused). None: go on."""
    from fastapi.concurrency import run_in_threadpool

    headers = request.headers
    if (
        request.method in ("GET", "HEAD")
        and "content-length" not in headers
        and "transfer-encoding" not in headers
    ):
        return None
    try:
        await run_in_threadpool(state.authenticate, request)
        length = headers.get("content-length")
        if length is None:
            raise Refused(411, "MALFORMED_REQUEST", "a request body needs a Content-Length")
        if not length.isdigit():
            raise Refused(400, "MALFORMED_REQUEST", "the Content-Length is not a number")
        if int(length) > MAX_BODY_BYTES:
            raise Refused(413, "REQUEST_TOO_LARGE", f"the request body is larger than {MAX_BODY_BYTES} bytes")
    except Refused as exc:
        return _refusal(request, exc)
    return None


def _pin_host(scope: dict) -> None:
    """Replace the client's Host header with the address the server is bound to: whatever a
    client sends as Host never reaches a URL the server builds (file URLs use `public_url`, else
    this address)."""
    server = scope.get("server")
    if not server:
        return
    host, port = server[0], server[1]
    netloc = (f"[{host}]" if ":" in str(host) else str(host)) + (f":{port}" if port else "")
    scope["headers"] = [(k, v) for k, v in scope.get("headers", []) if k != b"host"] + [
        (b"host", netloc.encode("latin-1"))
    ]


def _log_entry(request, status: int | None) -> dict:
    """The access-log fields of a request answered with `status` (None: it failed inside)."""
    audit = request.state.audit
    ok = status is not None and status < 400
    if status is None:
        why = "internal error"
    else:
        why = None if ok else (audit["why"] or f"HTTP {status}")
    return {
        "action": f"{request.method} {request.url.path}",
        "result": "ok" if ok else "refused",
        "institution": audit["institution"],
        "licence": audit["licence"],
        "purpose": audit["purpose"],
        "read": audit["read"] if ok else None,
        "why": why,
        "token": audit["token"],
        "client": client_address(request),
        "request": _request_line(request),
        "status": status or 500,
        "subjects": audit["subjects"] if ok else None,
    }


def _request_line(request) -> str:
    """Method, path and query, with a file URL's signature left out (it is a credential)."""
    from urllib.parse import parse_qsl, urlencode

    query = [(k, "-" if k == "sig" else v) for k, v in parse_qsl(request.url.query, keep_blank_values=True)]
    return f"{request.method} {request.url.path}" + (f"?{urlencode(query)}" if query else "")


def _catalog_routes(state: _Sharing, prefix: str):
    """What a token may list: its institution's shares, their schemas (catalog items) and tables."""
    from fastapi import APIRouter, Request

    router = APIRouter()

    @router.get(prefix + "/shares")
    def list_shares(request: Request, maxResults: int | None = None, pageToken: str | None = None):  # noqa: N803
        token = state.authenticate(request)
        items = [{"name": lic.id, "id": _ids(lic)} for lic in state.shares(token)]
        body = _page(state, items, maxResults, pageToken, f"shares {token['institution']}")
        request.state.audit["read"] = {"shares": [i["name"] for i in body["items"]]}
        return body

    @router.get(prefix + "/shares/{share}")
    def get_share(request: Request, share: str):
        lic = state.licence(request, state.authenticate(request), share)
        return {"share": {"name": lic.id, "id": _ids(lic)}}

    @router.get(prefix + "/shares/{share}/schemas")
    def list_schemas(
        request: Request,
        share: str,
        maxResults: int | None = None,  # noqa: N803
        pageToken: str | None = None,  # noqa: N803
    ):
        lic = state.licence(request, state.authenticate(request), share)
        items = [{"name": item, "share": lic.id} for item in lic.catalog_items]
        return _page(state, items, maxResults, pageToken, f"schemas {lic.id}")

    @router.get(prefix + "/shares/{share}/schemas/{schema}/tables")
    def list_tables(
        request: Request,
        share: str,
        schema: str,
        maxResults: int | None = None,  # noqa: N803
        pageToken: str | None = None,  # noqa: N803
    ):
        lic = state.licence(request, state.authenticate(request), share)
        item, _ = state.table(lic, schema, TABLES[0])
        items = [_table_entry(lic, item, t) for t in TABLES]
        return _page(state, items, maxResults, pageToken, f"tables {lic.id}.{item}")

    @router.get(prefix + "/shares/{share}/all-tables")
    def list_all_tables(
        request: Request,
        share: str,
        maxResults: int | None = None,  # noqa: N803
        pageToken: str | None = None,  # noqa: N803
    ):
        lic = state.licence(request, state.authenticate(request), share)
        items = [_table_entry(lic, i, t) for i in lic.catalog_items for t in TABLES]
        return _page(state, items, maxResults, pageToken, f"all-tables {lic.id}")

    return router


def _table_routes(state: _Sharing, prefix: str, public_url: str | None):
    """One table: its versions, its metadata, a query (today's or a past version's rows) and its
    change data feed, answered with signed file URLs in parquet format (`_version_headers`)."""
    from fastapi import APIRouter, Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import Response

    from publishing.history import parse_timestamp

    router = APIRouter()
    table_path = prefix + "/shares/{share}/schemas/{schema}/tables/{table}"

    def base_url(request: Request) -> str:
        return (public_url or str(request.base_url)).rstrip("/") + prefix

    @router.api_route(table_path + "/version", methods=["GET", "HEAD"])
    def table_version(
        request: Request,
        share: str,
        schema: str,
        table: str,
        startingTimestamp: str | None = None,  # noqa: N803
    ):
        lic = state.licence(request, state.authenticate(request), share)
        state.table(lic, schema, table)
        timeline, _ = state.view(lic)
        version = timeline.latest
        if startingTimestamp is not None:  # the earliest version committed at or after it
            version = timeline.since(parse_timestamp(startingTimestamp))
        return Response(status_code=200, headers=_version_headers(version))

    @router.get(table_path + "/metadata")
    def table_metadata(request: Request, share: str, schema: str, table: str):
        lic = state.licence(request, state.authenticate(request), share)
        item, table = state.table(lic, schema, table)
        version = state.version(lic)
        body = "\n".join(_metadata_lines(lic, item, table, version)) + "\n"
        return Response(body, media_type=NDJSON, headers=_version_headers(version))

    @router.post(table_path + "/query")
    async def query_table(request: Request, share: str, schema: str, table: str):
        try:
            body = await request.json() if await request.body() else {}
        except ValueError as err:
            raise Refused(400, "MALFORMED_REQUEST", "the request body is not JSON") from err
        return await run_in_threadpool(answer_query, request, share, schema, table, body)

    def answer_query(request: Request, share: str, schema: str, table: str, body):
        token = state.authenticate(request)
        lic = state.licence(request, token, share)
        item, table = state.table(lic, schema, table)
        hash_header = _file_id_hash(request)
        view = state.view(lic)
        version, travelled = _requested_version(body, view[0])
        frame = state.rows(lic, item, table, view, version)
        lines = _metadata_lines(lic, item, table, version)
        if len(frame):
            stamp = {"version": version, "timestamp": view[0].timestamp(version)} if travelled else {}
            lines.append(_file_line(state, frame, base_url(request), lic, token, stamp))
        request.state.audit["read"] = {
            "table": f"{lic.id}.{item}.{table}",
            "records": len(frame),
            "version": version,
        }
        headers = _version_headers(version) | hash_header
        return Response("\n".join(lines) + "\n", media_type=NDJSON, headers=headers)

    _changes_route(router, state, table_path, base_url)
    return router


def _changes_route(router, state: _Sharing, table_path: str, base_url) -> None:
    """The change data feed of one table: per version, a `cdf` file of its row changes."""
    from fastapi import Request
    from fastapi.responses import Response

    @router.get(table_path + "/changes")
    def table_changes(
        request: Request,
        share: str,
        schema: str,
        table: str,
        startingVersion: int | None = None,  # noqa: N803
        endingVersion: int | None = None,  # noqa: N803
        startingTimestamp: str | None = None,  # noqa: N803
        endingTimestamp: str | None = None,  # noqa: N803
        includeHistoricalMetadata: bool = False,  # noqa: N803, ARG001 - the schema never changes
    ):
        token = state.authenticate(request)
        lic = state.licence(request, token, share)
        item, table = state.table(lic, schema, table)
        hash_header = _file_id_hash(request)
        timeline, allowed = state.view(lic)
        start, end = _change_window(
            timeline, startingVersion, endingVersion, startingTimestamp, endingTimestamp
        )
        lines = _metadata_lines(lic, item, table, start)
        counts = {}
        for version, changed in _item_changes(timeline, allowed, item, table, start, end):
            lines.append(_change_line(state, changed, base_url(request), lic, token, version))
            counts[version.number] = len(changed)
        request.state.audit["read"] = {
            "table": f"{lic.id}.{item}.{table}",
            "changes": counts,
            "versions": [start, end],
        }
        headers = _version_headers(start) | hash_header
        return Response("\n".join(lines) + "\n", media_type=NDJSON, headers=headers)


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
        if request.method == "GET":  # the subjects whose records were served (who-read)
            request.state.audit["subjects"] = served_subjects([path])
        return FileResponse(path, media_type="application/octet-stream")

    return router


def _page(
    state: _Sharing, items: list, max_results: int | None, page_token: str | None, listing: str
) -> dict:
    """One page of a listing, at most `MAX_RESULTS` items. The page token is opaque and bound to
    its listing (an HMAC of listing and offset): a token from another listing is refused."""
    if max_results is not None and max_results < 0:
        raise Refused(400, "INVALID_PARAMETER_VALUE", "maxResults must not be negative")
    size = MAX_RESULTS if max_results is None else min(max_results, MAX_RESULTS)
    start = _page_offset(state, page_token, listing) if page_token else 0
    end = start + size
    body = {"items": items[start:end]}
    if end < len(items):
        body["nextPageToken"] = _page_token(state, listing, end)
    return body


def _page_mac(state: _Sharing, listing: str, offset: int) -> str:
    key = hmac.new(state.url_key, b"creditlake page tokens", hashlib.sha256).digest()
    return hmac.new(key, f"{listing}\n{offset}".encode(), hashlib.sha256).hexdigest()[:32]


def _page_token(state: _Sharing, listing: str, offset: int) -> str:
    raw = f"{offset}.{_page_mac(state, listing, offset)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _page_offset(state: _Sharing, token: str, listing: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        offset_text, mac = raw.split(".", 1)
        offset = int(offset_text)
    except (ValueError, UnicodeDecodeError) as err:
        raise Refused(400, "INVALID_PARAMETER_VALUE", "pageToken is not a page token of this server") from err
    if offset < 0 or not hmac.compare_digest(mac, _page_mac(state, listing, offset)):
        raise Refused(
            400,
            "INVALID_PARAMETER_VALUE",
            "pageToken does not belong to this listing",
            f"page token for another listing than {listing}",
        )
    return offset


def _table_entry(lic: Licence, item: str, table: str) -> dict:
    return {
        "name": table,
        "schema": item,
        "share": lic.id,
        "shareId": _ids(lic),
        "id": _ids(lic, item, table),
    }


def _version_headers(version: int) -> dict:
    # responseformat=delta is declined as the protocol allows: every answer is in parquet format
    # and says so here, whatever the client asked for (the tables use no Delta reader feature).
    return {"delta-table-version": str(version), "delta-sharing-capabilities": "responseformat=parquet"}


def _file_id_hash(request) -> dict:
    """The `fileidhash` header: parquet or delta, echoed in lowercase (file ids are the sha256 of
    the file's bytes under either scheme); any other value is a 400."""
    value = request.headers.get("fileidhash")
    if value is None:
        return {}
    if value.strip().lower() not in ("parquet", "delta"):
        raise Refused(
            400, "INVALID_PARAMETER_VALUE", f"fileidhash {value!r} is not supported: use parquet or delta"
        )
    return {"fileidhash": value.strip().lower()}


def _metadata_lines(lic: Licence, item: str, table: str, version: int) -> list[str]:
    """The protocol and metaData lines that open a metadata, query or changes answer."""
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
                    # Delta's table property, and the bare key of the protocol's own example.
                    "configuration": {"delta.enableChangeDataFeed": "true", "enableChangeDataFeed": "true"},
                    "version": version,
                }
            },
            ensure_ascii=False,
        ),
    ]


def _requested_version(body, timeline) -> tuple[int, bool]:
    """The version a query asks for (`version` or `timestamp`, else the latest), and whether it
    asked for one. Streaming queries (`startingVersion`) are sent to the changes endpoint."""
    from publishing.history import parse_timestamp

    if not isinstance(body, dict):
        raise Refused(400, "MALFORMED_REQUEST", "the request body must be a JSON object")
    if body.get("startingVersion") is not None:
        raise Refused(
            400, "INVALID_PARAMETER_VALUE", "startingVersion queries are not served: read the table's changes"
        )
    version, timestamp = body.get("version"), body.get("timestamp")
    if version is not None and timestamp is not None:
        raise Refused(400, "INVALID_PARAMETER_VALUE", "give a version or a timestamp, not both")
    if version is not None:
        if isinstance(version, bool) or not isinstance(version, int):
            raise Refused(400, "INVALID_PARAMETER_VALUE", f"version must be an integer, not {version!r}")
        return timeline.check(version), True
    if timestamp is not None:
        return timeline.at(parse_timestamp(timestamp)), True
    return timeline.latest, False


def _change_window(timeline, starting_version, ending_version, starting_timestamp, ending_timestamp):
    """[start, end] of a changes request: a start (version or timestamp) is required; the end
    defaults to the latest version, and an end past it is read as the latest."""
    from publishing.history import HistoryError, parse_timestamp

    if (starting_version is None) == (starting_timestamp is None):
        raise Refused(
            400, "INVALID_PARAMETER_VALUE", "give startingVersion or startingTimestamp (one of them)"
        )
    if ending_version is not None and ending_timestamp is not None:
        raise Refused(400, "INVALID_PARAMETER_VALUE", "give endingVersion or endingTimestamp, not both")
    start = (
        starting_version
        if starting_version is not None
        else timeline.since(parse_timestamp(starting_timestamp))
    )
    end = timeline.latest if ending_version is None else min(ending_version, timeline.latest)
    if ending_timestamp is not None:
        end = timeline.at(parse_timestamp(ending_timestamp))
    timeline.check(start)
    if end < start:
        raise HistoryError(f"the changes end (version {end}) before they start (version {start})")
    return start, end


def _item_changes(timeline, allowed: set[str], item: str, table: str, start: int, end: int):
    """Per version, one catalog item's changes; a record the licence may not hold today keeps its
    key columns only (`publishing.history.redact`)."""
    from publishing.history import redact

    for version, changed in timeline.changes(table, start, end):
        changed = changed[changed["catalog_item"] == item]
        if table == "records":
            changed = redact(changed, allowed)
        if len(changed):
            yield version, changed.reset_index(drop=True)


def _file_line(
    state: _Sharing, frame, base: str, lic: Licence, token: dict, stamp: dict | None = None
) -> str:
    """The `file` line of a query answer: the rows written once, behind a short-lived signed URL
    (with the version and its timestamp when the query asked for a version)."""
    return json.dumps({"file": _signed_file_action(state, frame, base, lic, token) | (stamp or {})})


def _change_line(state: _Sharing, frame, base: str, lic: Licence, token: dict, version) -> str:
    """A `cdf` line of a changes answer: one version's changes, `_change_type` in the file."""
    action = _signed_file_action(state, frame, base, lic, token)
    action.pop("stats")
    return json.dumps({"cdf": action | {"version": version.number, "timestamp": version.timestamp}})


def _signed_file_action(state: _Sharing, frame, base: str, lic: Licence, token: dict) -> dict:
    expires = state.url_expiry(lic, token, frame)  # never past the token, licence, authorisations
    file_id, size = state.write_file(frame, token["institution"], expires)
    url = (
        f"{base}/files/{file_id}?lic={lic.id}&tok={token['id']}&exp={expires}"
        f"&sig={state.sign(file_id, lic.id, token['id'], expires)}"
    )
    return {
        "url": url,
        "id": file_id,
        "partitionValues": {},
        "size": size,
        "stats": json.dumps({"numRecords": len(frame)}),
        "expirationTimestamp": expires * 1000,
    }


def _protocol_errors(app) -> None:
    """Every error in the protocol's shape, `{"errorCode", "message"}`: FastAPI's own (a bad
    parameter is a 400, not a 422; unknown paths 404; wrong methods 405), the history's, and any
    unexpected failure (500, without details)."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    from publishing.history import HistoryError

    def answer(request: Request, status: int, code: str, message: str, headers=None):
        audit = getattr(request.state, "audit", None)
        if audit is not None:
            audit["why"] = message
        return JSONResponse({"errorCode": code, "message": message}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(
            f"{e['loc'][-1]}: {e['msg']}" if e.get("loc") else e["msg"] for e in exc.errors()
        )
        return answer(request, 400, "INVALID_PARAMETER_VALUE", problems or "the request is not valid")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        code = HTTP_ERROR_CODES.get(
            exc.status_code, "INTERNAL_ERROR" if exc.status_code >= 500 else "BAD_REQUEST"
        )
        message = f"no such path {request.url.path}" if exc.status_code == 404 else str(exc.detail)
        return answer(request, exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(HistoryError)
    async def history(request: Request, exc: HistoryError):
        return answer(request, 400, "INVALID_PARAMETER_VALUE", str(exc))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):
        return answer(request, 500, "INTERNAL_ERROR", "the server could not answer")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serving_refusal(
    host: str, public_url: str | None, tls_cert: Path | None = None, tls_key: Path | None = None
) -> str | None:
    """Why the server must not start so (None: it may). Plain HTTP is for loopback only: a
    non-loopback address needs TLS here (`tls_cert` and `tls_key`) or an https `public_url` that
    says a TLS proxy is in front; and file URLs off loopback need `public_url` to be built from."""
    if (tls_cert is None) != (tls_key is None):
        return "give --tls-cert and --tls-key together"
    for path in (tls_cert, tls_key):
        if path is not None and not Path(path).is_file():
            return f"TLS file {path} does not exist"
    https = bool(public_url) and public_url.lower().startswith("https://")
    if public_url and not https and not public_url.lower().startswith("http://"):
        return f"--public-url {public_url} is not an http(s) URL"
    if is_loopback(host):
        return None
    if not public_url:
        return (
            f"--host {host} is not loopback: give --public-url (the https address institutions reach); "
            "file URLs are never built from a client's Host header"
        )
    if tls_cert is None and not https:
        return f"--host {host} without TLS: give --tls-cert/--tls-key, or an https --public-url for the TLS proxy in front"
    return None


def serve(
    cfg: RunConfig,
    registry: Registry,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    **options,
) -> None:
    """Run the sharing server with uvicorn (blocking); refuses what `serving_refusal` refuses.
    `options` go to `create_app`; without a `public_url`, file URLs name the bound address."""
    import uvicorn

    refusal = serving_refusal(host, options.get("public_url"), tls_cert, tls_key)
    if refusal:
        raise ValueError(refusal)
    tls = {"ssl_certfile": str(tls_cert), "ssl_keyfile": str(tls_key)} if tls_cert else {}
    uvicorn.run(create_app(cfg, registry, **options), host=host, port=port, log_level="info", **tls)
