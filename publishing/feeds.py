"""Push deliveries (推送) to licensed credit service institutions: signed snapshots and deltas.

With the authorisation of the subjects and providers, the platform opens public credit
information to qualifying institutions under a signed agreement, by interface or in bulk
(jl-draft Art 45, city-2022 Art 53, hl-2022 Art 23). `deliver` runs once per cycle, after the
warehouse build, and for every licence in force (`publishing.registry.active_licences`):

* decides what the licence may hold on the run's date (`scope_filter`): its catalog items
  and subject types; a natural person's record only under that person's valid written
  authorisation for this institution, item and purpose (jl-draft Art 21, city-2022 Art 24,
  gd-draft Art 22). Records carry their objection mark (`under_objection`, RULES §7);
* the first delivery is a full `snapshot.parquet`; each later one is a delta:
  `upserts.parquet` (new records, and records whose content hash changed) and
  `withdrawals.parquet` — every record this licence was given that it must now take down,
  with the reason and the date it took effect (city-2022 Art 47): from `fct_withdrawals`
  (expired, repaired, revoked, corrected, deleted_on_request, withheld_on_request) or because it
  left the licence's scope (`authorisation_ended`, `out_of_licence_scope`, `no_longer_shareable`);
* writes `manifest.json` (per-file sha256, byte and row counts, schema version, watermark =
  the run's as-of date, previous delivery id) signed with Ed25519 (the platform's key; the
  institution holds the public key) or, without `cryptography`, HMAC-SHA256 with a secret
  shared with that institution alone;
* records the delivery in the licence's ledger and its state (what the licence now holds),
  then mirrors push licences' files to S3 under the institution's own prefix.

Layout, per licence, under `feeds_root` (and the same keys under the FEEDS bucket's prefix):

    <institution USCC>/<licence id>/<delivery id>/{snapshot|upserts,withdrawals}.parquet, manifest.json
    <institution USCC>/<licence id>/latest.json            pointer, written last
    <institution USCC>/<licence id>/_state/ledger.jsonl    one line per delivery (never mirrored)
    <institution USCC>/<licence id>/_state/current-<delivery id>.parquet   what it holds

Idempotent: a delivery is committed by its ledger line; re-running the same as-of date writes
nothing unless the warehouse changed since, and then only the difference. A date before the
last watermark is refused. Dates inside the files are ISO 8601 calendar-day strings: the
writer (fastparquet) has no DATE type, and a midnight timestamp invites timezone shifts.

An institution checks a delivery with `verify_delivery(folder, key)` (the CLI's
`creditlake feeds verify DIR --key FILE`); see that function for the recipe in other languages.
A licence folder is checked whole (`verify_feed`): numbered without a gap, chained, and
`latest.json` naming the newest delivery and its manifest's sha256.

Every signature names its key (`signature.key_id`). The platform's Ed25519 keys are listed in a
key set, `keys.json` in the keys folder (`KeySet`: id, public key, valid from and until), which
institutions receive instead of a single public key: `creditlake feeds rotate-key` makes a new
key, retires the old one (its private key is destroyed) and lists both, so deliveries signed
before the rotation still verify (`feeds verify DIR --key-set keys.json`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from creditlake.settings import RunConfig, S3Target
from publishing import declared
from publishing.audit import (
    AccessLog,
    audit_root,
    canonical,
    head_for_publication,
    log_delivery_reads,
    now_china,
)
from publishing.locks import exclusive
from publishing.registry import Licence, Registry, authorised_pairs, licence_refusal

SCHEMA_VERSION = "creditlake.feed/1"
RECORD_COLUMNS = [
    "record_id",
    "dataset",
    "catalog_item",
    "subject_type",
    "subject_key",
    "subject_name",
    "decision_number",
    "decision_date",
    "publicity_end",
    "nature_class",
    "under_objection",
    "record_json",
]
DATE_COLUMNS = ("decision_date", "publicity_end")
WITHDRAWAL_COLUMNS = [
    "record_id",
    "dataset",
    "catalog_item",
    "subject_type",
    "subject_key",
    "withdrawn_on",
    "reason",
]
FILE_RECORD_COLUMNS = [*RECORD_COLUMNS, "content_hash", "change"]
STATE_COLUMNS = [*RECORD_COLUMNS, "content_hash", "delivery_id"]
SCOPE_REASONS = ("authorisation_ended", "out_of_licence_scope", "no_longer_shareable")
# Natural persons' credit information is not public in principle: an institution receives it only
# under the person's written authorisation (jl-draft Art 18 and 21, gd-draft Art 21-22, city-2022 Art 24).
AUTHORISATION_REQUIRED = ("natural_person",)
_FROM_ENV = object()


class FeedError(RuntimeError):
    """The warehouse interface or a licence's state is not what deliveries can trust: fail closed."""


# --- the warehouse interface -----------------------------------------------------------------

# The two models the feeds read are the ones whose dbt YAML declares `meta.creditlake.feed`
# (`records`, `withdrawals`): publishing.declared.


@cache
def warehouse_reasons(path: Path | None = None) -> tuple[str, ...]:
    """The reasons the withdrawals model may give, as its dbt YAML declares them (the `reason`
    column's `accepted_values`): the one list, which dbt enforces on the build."""
    import yaml

    name, declared_in = declared.feed_model("withdrawals")
    path = path or declared_in
    models = yaml.safe_load(path.read_text(encoding="utf-8"))["models"]
    model = next((m for m in models if m["name"] == name), None)
    column = next((c for c in (model or {}).get("columns", []) if c["name"] == "reason"), None)
    for test in (column or {}).get("data_tests", []):
        if isinstance(test, dict) and "accepted_values" in test:
            return tuple(test["accepted_values"]["arguments"]["values"])
    raise FeedError(f"{path}: {name}.reason declares no accepted_values")


def read_interface(cfg: RunConfig):
    """`fct_shareable_records` and `fct_withdrawals`, checked against the contract and normalised
    (dates as ISO strings, subject keys upper-case, a content hash per record; text as `str`,
    missing as None)."""
    records, withdrawals = _interface(cfg)
    return _object_frame(records), withdrawals


def _interface(cfg: RunConfig):
    """`read_interface`, its records' columns left as Arrow's (`_arrow_frame`): what deliveries
    read, which make Python objects only of what they write."""
    import duckdb

    if not Path(cfg.warehouse).exists():
        raise FeedError(f"no warehouse at {cfg.warehouse}: build it before delivering feeds")
    records_model, _ = declared.feed_model("records")
    withdrawals_model, _ = declared.feed_model("withdrawals")
    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        records = _normalised(con.table(f"main.{records_model}"))
        withdrawals = con.sql(f"select * from main.{withdrawals_model}").df()
    return records, normalise_withdrawals(withdrawals)


def normalise_records(frame):
    """`read_interface`'s records from a frame of `fct_shareable_records` rows."""
    import duckdb

    with duckdb.connect() as con:
        return _object_frame(_normalised(con.from_df(frame)))


# What Python's str.strip() removes from ASCII text (an ASCII subject key is stripped in SQL).
_ASCII_WHITESPACE = "".join(c for c in map(chr, range(128)) if c.isspace())
# Control characters DuckDB's to_json escapes with upper-case hex digits (json.dumps: lower case).
_UPPER_HEX_ESCAPES = "[\\x0b\\x0e\\x0f\\x1a-\\x1f]"


def _normalised(relation):
    """The records with every contract column as text (dates as ISO days, the objection mark a
    bool, subject keys stripped and upper-case) and their content hash, made by DuckDB over the
    whole table: each `"key":value` member is DuckDB's `to_json`, which escapes text as
    `json.dumps(ensure_ascii=False)` does, and the members are joined in sorted key order into the
    bytes `canonical` gives. Rows where DuckDB and Python could differ (a text with a control
    character DuckDB escapes in upper-case hex, a subject key beyond ASCII) are made again by
    `content_hash` itself."""
    import duckdb

    _require(relation, RECORD_COLUMNS, "fct_shareable_records")
    texts = [c for c in RECORD_COLUMNS if c not in DATE_COLUMNS and c != "under_objection"]

    def normal(column: str) -> str:
        quoted = f'"{column}"'
        if column in DATE_COLUMNS:
            return f"cast(cast(left(cast({quoted} as varchar), 10) as date) as varchar)"
        if column == "under_objection":
            return f"cast({quoted} as boolean)"
        if column == "subject_key":
            return f"case when {quoted} similar to '[\\x00-\\x7f]*' then upper(trim({quoted}, $1)) else {quoted} end"
        return f"cast({quoted} as varchar)"

    members = ", ',', ".join(
        f"'{json.dumps(c)}:', "
        + (
            f"case when \"{c}\" then 'true' else 'false' end"
            if c == "under_objection"
            else f"coalesce(to_json(\"{c}\")::varchar, 'null')"
        )
        for c in sorted(RECORD_COLUMNS)
    )
    odd = " or ".join(f"coalesce(regexp_matches(\"{c}\", '{_UPPER_HEX_ESCAPES}'), false)" for c in texts)
    odd += " or not coalesce(\"subject_key\" similar to '[\\x00-\\x7f]*', true)"
    columns = ", ".join(f'{normal(c)} as "{c}"' for c in RECORD_COLUMNS)
    sql = (
        f"select *, sha256(concat('{{', {members}, '}}')) as content_hash, {odd} as _odd "
        f"from (select {columns} from relation)"
    )
    try:
        rows = relation.query("relation", sql.replace("$1", _sql_text(_ASCII_WHITESPACE))).to_arrow_table()
        out = _arrow_frame(rows)
    except duckdb.Error as err:
        raise FeedError(f"fct_shareable_records cannot be read as the feeds' interface: {err}") from err
    if out["record_id"].isna().any():
        raise FeedError("fct_shareable_records: record_id is null on some rows")
    dupes = out["record_id"][out["record_id"].duplicated()].unique().tolist()
    if dupes:
        raise FeedError(f"fct_shareable_records: record_id not unique: {dupes[:5]}")
    if out["under_objection"].isna().any():
        # RULES §7: the objection mark travels with the record; unknown is not "no".
        raise FeedError("fct_shareable_records: under_objection is null on some rows")
    out["under_objection"] = out["under_objection"].astype(bool)
    odd = out.pop("_odd").to_numpy(dtype=bool, na_value=False)
    if odd.any():
        fixed = out.loc[odd, RECORD_COLUMNS]
        fixed["subject_key"] = fixed["subject_key"].map(lambda v: v.strip().upper() if v else v)
        out.loc[odd, "subject_key"] = fixed["subject_key"]
        out.loc[odd, "content_hash"] = [content_hash(r) for r in fixed.to_dict("records")]
    return out


def _arrow_frame(table):
    """A DataFrame over an Arrow table's columns as they are (`pd.ArrowDtype`): a million records'
    text is not made a million Python strings until a file or a caller needs them
    (`_object_frame`)."""
    import pandas as pd

    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _object_frame(frame):
    """A frame of `_arrow_frame` columns as NumPy ones (text as `str`, missing as None), as the
    files and the callers of the interface take them."""
    import pyarrow as pa

    # without pandas' metadata, which would make them Arrow columns again
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata().to_pandas()


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def normalise_withdrawals(frame):
    _require(frame, WITHDRAWAL_COLUMNS, "fct_withdrawals")
    out = frame[WITHDRAWAL_COLUMNS].copy()
    for column in WITHDRAWAL_COLUMNS:
        if column != "withdrawn_on":
            out[column] = _as_text(out[column])
    out["withdrawn_on"] = _iso_dates(out["withdrawn_on"])
    known = warehouse_reasons()
    unknown = sorted(set(out["reason"].dropna()) - set(known))
    if unknown:
        raise FeedError(f"fct_withdrawals: unknown reason(s) {unknown} (known: {', '.join(known)})")
    # A record can leave, come back and leave again: the latest withdrawal is the one that stands.
    out = out.sort_values(["record_id", "withdrawn_on"], na_position="first").drop_duplicates(
        "record_id", keep="last"
    )
    return out.reset_index(drop=True)


def content_hash(record: dict) -> str:
    """sha256 over the canonical JSON of a record's shared fields: a changed mark, date or field
    makes a new hash, hence an upsert."""
    return hashlib.sha256(canonical({k: _native(record[k]) for k in RECORD_COLUMNS})).hexdigest()


def _require(frame, columns: list[str], table: str) -> None:
    """`frame` (a DataFrame or a DuckDB relation) has every column of the interface."""
    missing = [c for c in columns if c not in list(frame.columns)]
    if missing:
        raise FeedError(
            f"{table}: missing column(s) {', '.join(missing)} (the interface is {', '.join(columns)})"
        )


def _as_text(series):
    """Each value as text (`str`), a missing one (None, NaN, NaT, pd.NA) as None; over the whole
    column, not value by value."""
    return series.map(str, na_action="ignore").astype(object).where(series.notna(), None)


def _missing(value) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))  # None, NaN, NaT, pd.NA
    except (TypeError, ValueError):
        return False


def _native(value):
    if _missing(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _iso_dates(series):
    """Each value as an ISO calendar day, a missing one as None; each distinct value once."""
    import pandas as pd

    def one(value):
        if isinstance(value, str):
            return date.fromisoformat(value[:10]).isoformat()
        return pd.Timestamp(value).date().isoformat()

    days = {v: one(v) for v in series.dropna().unique()}
    return series.map(days).astype(object).where(series.notna(), None)


# --- scope -----------------------------------------------------------------------------------


def scope_filter(records, registry: Registry, licence: Licence, on_date: date):
    """The records a licence may hold on a date: its catalog items and subject types, and for
    natural persons only those a valid authorisation covers (institution, item, purpose, date)."""
    import pandas as pd

    mask = records["catalog_item"].isin(licence.catalog_items) & records["subject_type"].isin(
        licence.subject_types
    )
    needs = mask & records["subject_type"].isin(AUTHORISATION_REQUIRED)
    if needs.any():  # only these rows are looked up, by (subject_key, catalog_item) pairs at once
        pairs = authorised_pairs(registry, licence.institution, licence.purpose, on_date)
        asked = pd.MultiIndex.from_frame(records.loc[needs, ["subject_key", "catalog_item"]])
        mask[needs] = asked.isin(list(pairs)) if pairs else False
    return records[mask].reset_index(drop=True)


# --- signing keys ----------------------------------------------------------------------------


def signature_algorithm() -> str:
    """`CREDITLAKE_FEEDS_SIGNATURE` (ed25519 | hmac-sha256); default Ed25519 when `cryptography`
    is installed (the institution can verify but not forge), else HMAC-SHA256."""
    chosen = os.environ.get("CREDITLAKE_FEEDS_SIGNATURE")
    if chosen:
        if chosen not in ("ed25519", "hmac-sha256"):
            raise FeedError(f"CREDITLAKE_FEEDS_SIGNATURE={chosen!r}: use ed25519 or hmac-sha256")
        return chosen
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return "hmac-sha256"
    return "ed25519"


@dataclass
class FeedKeys:
    """Signing keys, in `CREDITLAKE_FEEDS_KEYS` (else `<lake>/keys/feeds`, a local default).

    * Ed25519: one platform key, `platform-ed25519.pem` (private, mode 0600); institutions get
      `platform-ed25519.pub.pem` (`verification_key`). `CREDITLAKE_FEEDS_SIGNING_KEY` may name
      the private key file instead (it must exist: a named key is never generated).
    * HMAC-SHA256: one secret per institution, `hmac/<USCC>.key` (hex), or the environment
      variable `CREDITLAKE_FEEDS_HMAC_KEY_<USCC>`; the institution holds the same secret.

    A missing key under the keys folder is generated on first use (mode 0600): verification by
    institutions then fails loudly until they receive the new public key or secret, never silently.
    """

    root: Path
    algorithm: str

    @classmethod
    def for_run(cls, cfg: RunConfig, algorithm: str | None = None) -> FeedKeys:
        root = Path(os.environ.get("CREDITLAKE_FEEDS_KEYS") or Path(cfg.lake) / "keys" / "feeds")
        return cls(root, algorithm or signature_algorithm())

    def sign(self, institution: str, payload: bytes) -> dict:
        if self.algorithm == "ed25519":
            private = self._ed25519_private()
            self._publish(private.public_key())
            value = private.sign(payload)
            return {
                "alg": "ed25519",
                "key_id": _ed25519_key_id(private.public_key()),
                "value": base64.b64encode(value).decode(),
            }
        secret = self._hmac_secret(institution)
        return {
            "alg": "hmac-sha256",
            "key_id": _hmac_key_id(secret),
            "value": hmac.new(secret, payload, hashlib.sha256).hexdigest(),
        }

    def verification_key(self, institution: str) -> bytes:
        """What the institution verifies with: the platform's public key (PEM) or its HMAC secret (hex)."""
        if self.algorithm == "ed25519":
            from cryptography.hazmat.primitives import serialization

            return (
                self._ed25519_private()
                .public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            )
        return self._hmac_secret(institution).hex().encode()

    def _ed25519_private(self):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        named = os.environ.get("CREDITLAKE_FEEDS_SIGNING_KEY")
        path = Path(named or self.root / "platform-ed25519.pem")
        if named and not path.exists():
            raise FeedError(f"CREDITLAKE_FEEDS_SIGNING_KEY={named}: no such key file")
        if not path.exists():
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            _write_secret(path, pem)
            path.with_name(path.name.replace(".pem", ".pub.pem")).write_bytes(_public_pem(key.public_key()))
            self._publish(key.public_key(), valid_from=now_china().isoformat(timespec="seconds"))
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise FeedError(f"{path}: not an Ed25519 private key")
        return key

    def _hmac_secret(self, institution: str) -> bytes:
        env = os.environ.get(f"CREDITLAKE_FEEDS_HMAC_KEY_{institution}")
        if env:
            return bytes.fromhex(env.strip())
        path = self.root / "hmac" / f"{institution}.key"
        if not path.exists():
            _write_secret(path, os.urandom(32).hex().encode())
        return bytes.fromhex(path.read_text().strip())

    @property
    def key_set_path(self) -> Path:
        """The published key set (`KeySet`): public keys only, for institutions."""
        return self.root / KEY_SET_FILE

    def _publish(self, public, valid_from: str | None = None) -> None:
        """List a signing key in the key set if it is not there yet (a key older than the key
        set is listed without a start)."""
        entries = _read_key_set_entries(self.key_set_path)
        key_id = _ed25519_key_id(public)
        if any(e.get("kid") == key_id for e in entries):
            return
        entries.append(_key_entry(public, valid_from))
        _write_key_set(self.key_set_path, entries)

    def rotate(self, clock: Callable[[], datetime] = now_china) -> tuple[str | None, str]:
        """A new Ed25519 signing key; the old one is retired (listed until now, its private key
        destroyed). Returns (retired key id or None, new key id)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        if self.algorithm != "ed25519":
            raise FeedError("rotate-key rotates the platform's Ed25519 key; HMAC secrets are per institution")
        if os.environ.get("CREDITLAKE_FEEDS_SIGNING_KEY"):
            raise FeedError("CREDITLAKE_FEEDS_SIGNING_KEY names the signing key: rotate it where it is kept")
        path = self.root / "platform-ed25519.pem"
        now = clock().isoformat(timespec="seconds")
        old_id = None
        if path.exists():
            old = self._ed25519_private().public_key()
            self._publish(old)
            old_id = _ed25519_key_id(old)
        new = Ed25519PrivateKey.generate()
        entries = [
            e | {"valid_until": now} if e.get("kid") == old_id else e
            for e in _read_key_set_entries(self.key_set_path)
        ]
        _write_key_set(self.key_set_path, [*entries, _key_entry(new.public_key(), now)])
        staged = path.with_name(path.name + ".new")
        staged.unlink(missing_ok=True)
        _write_secret(
            staged,
            new.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )
        os.replace(staged, path)  # the old private key is gone: it can sign nothing more
        path.with_name(path.name.replace(".pem", ".pub.pem")).write_bytes(_public_pem(new.public_key()))
        return old_id, _ed25519_key_id(new.public_key())


KEY_SET_FILE = "keys.json"


def _public_pem(public) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _key_entry(public, valid_from: str | None) -> dict:
    return {
        "kid": _ed25519_key_id(public),
        "alg": "ed25519",
        "public_key": _public_pem(public).decode(),
        "valid_from": valid_from,
        "valid_until": None,
    }


def _read_key_set_entries(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")).get("keys") or [])


def _write_key_set(path: Path, entries: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(path.name + ".tmp")
    staged.write_text(json.dumps({"keys": entries}, indent=2) + "\n", encoding="utf-8")
    os.replace(staged, path)


@dataclass(frozen=True)
class KeySet:
    """The platform's published verification keys (`keys.json`, like a JWKS): each with its id
    (`kid`, the first 16 hex digits of the sha256 of the raw public key), `alg`, `public_key`
    (PEM), `valid_from` and `valid_until` (ISO timestamps; null: unknown, or still in use). A
    delivery verifies with the key its signature names; one signed after that key's
    `valid_until` does not."""

    keys: dict
    source: str

    @classmethod
    def load(cls, path: Path | str) -> KeySet:
        """Read and check a key set; ValueError naming the file and the entry."""
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"{path}: not a readable key set ({err})") from None
        entries = doc.get("keys") if isinstance(doc, dict) else None
        if not isinstance(entries, list) or not entries:
            raise ValueError(f'{path}: a key set is {{"keys": [...]}} with at least one key')
        keys = {}
        for i, entry in enumerate(entries):
            kid, public = _key_set_entry(entry, f"{path}: keys[{i}]")
            keys[kid] = entry | {"public": public}
        return cls(keys, str(path))

    def lookup(self, manifest: dict) -> tuple[tuple[str, object] | None, list[str]]:
        """The key the manifest's signature names: ((alg, public key), []) or (None, why not)."""
        key_id = (manifest.get("signature") or {}).get("key_id")
        entry = self.keys.get(key_id) if isinstance(key_id, str) else None
        if entry is None:
            return None, [f"signed with key id {key_id!r}, which is not in the key set {self.source}"]
        until, created = entry.get("valid_until"), manifest.get("created_at")
        if until and not _before(created, until):
            return None, [f"signed at {created} with key {key_id}, which was retired at {until}"]
        return ("ed25519", entry["public"]), []


def _before(created, until: str) -> bool:
    """Was a delivery created (its signed `created_at`) no later than a key's retirement?"""
    try:
        return _instant(str(created)) <= _instant(str(until))
    except (ValueError, TypeError):  # no, or an unreadable, time: not provably before
        return False


def _key_set_entry(entry, where: str) -> tuple[str, object]:
    """One key of a key set, checked: an Ed25519 public key listed under its own id."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(entry, dict) or entry.get("alg") != "ed25519":
        raise ValueError(f"{where}: alg: only ed25519 keys are published in a key set")
    try:
        public = serialization.load_pem_public_key(str(entry.get("public_key", "")).encode())
    except (ValueError, UnsupportedAlgorithm):
        public = None
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError(f"{where}: public_key: not an Ed25519 public key (PEM)")
    if entry.get("kid") != _ed25519_key_id(public):
        raise ValueError(f"{where}: kid: {entry.get('kid')!r} is not the id of its public key")
    for bound in ("valid_from", "valid_until"):
        if entry.get(bound) is not None:
            _instant(str(entry[bound]), f"{where}: {bound}")
    return entry["kid"], public


def _instant(text: str, where: str = "created_at") -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not an ISO 8601 timestamp") from None


def _write_secret(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _ed25519_key_id(public) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _hmac_key_id(secret: bytes) -> str:
    return hmac.new(secret, b"creditlake key id", hashlib.sha256).hexdigest()[:16]


# --- delivering ------------------------------------------------------------------------------


def deliver(
    cfg: RunConfig,
    registry: Registry,
    run_id: str,
    *,
    s3=_FROM_ENV,
    keys: FeedKeys | None = None,
    clock: Callable[[], datetime] = now_china,
) -> list[dict]:
    """One delivery per licence in force on `cfg.as_of`; one result dict per licence in the registry.

    Result keys: institution, licence, delivery (push/pull/both), status (delivered / unchanged /
    refused), why, delivery_id, kind (snapshot/delta), watermark, previous_delivery, folder,
    manifest, records (held after it), upserts, withdrawals, s3_keys. Pull-only licences get the
    same signed delivery locally (it backs their share) but nothing is pushed to S3.
    """
    s3 = S3Target.from_env("FEEDS") if s3 is _FROM_ENV else s3
    keys = keys or FeedKeys.for_run(cfg)
    log = AccessLog(audit_root(cfg), clock, lake=cfg.lake)  # the key is refused inside this lake
    records, withdrawals = _interface(cfg)
    results = []
    for licence in sorted(registry.licences.values(), key=lambda lic: lic.id):
        base = {"institution": licence.institution, "licence": licence.id, "delivery": licence.delivery}
        refusal = licence_refusal(registry, licence.id, cfg.as_of)
        if refusal:
            log.record(
                action="delivery",
                result="refused",
                institution=licence.institution,
                licence=licence.id,
                purpose=licence.purpose,
                why=refusal,
            )
            results.append(base | {"status": "refused", "why": refusal})
            continue
        try:
            with _licence_lock(licence_folder(cfg, licence.institution, licence.id)):
                result = _deliver_licence(
                    cfg, registry, licence, run_id, records, withdrawals, s3, keys, clock
                )
        except FeedError as err:
            log.record(
                action="delivery",
                result="refused",
                institution=licence.institution,
                licence=licence.id,
                purpose=licence.purpose,
                why=str(err),
            )
            results.append(base | {"status": "refused", "why": str(err)})
            continue
        read = {
            "delivery_id": result["delivery_id"],
            "records": result["upserts"],
            "withdrawals": result["withdrawals"],
        }
        log.record(
            action="delivery",
            result="ok",
            institution=licence.institution,
            licence=licence.id,
            purpose=licence.purpose,
            read=read,
            why=result.get("why"),
        )
        results.append(base | result)
    # who read which subject (audit who-read)
    log_delivery_reads(audit_root(cfg), results, clock, lake=cfg.lake)
    return results


def _licence_lock(folder: Path):
    """One delivery at a time per licence, even if two runs overlap (the ledger is append-only)."""
    return exclusive(folder / "_state" / ".lock")


def licence_folder(cfg: RunConfig, institution: str, licence_id: str) -> Path:
    return Path(cfg.feeds_root) / institution / licence_id


def read_ledger(folder: Path) -> list[dict]:
    path = folder / "_state" / "ledger.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def current_state(folder: Path, columns: list[str] | None = None):
    """What the licence holds as of its latest committed delivery (None before the first);
    `columns`: only these."""
    state = _state_table(folder, columns)
    return None if state is None else state.to_pandas()


def _state_table(folder: Path, columns: list[str] | None):
    """`current_state` as the Arrow table read from its file."""
    import pyarrow.parquet as pq

    ledger = read_ledger(folder)
    if not ledger:
        return None
    path = folder / "_state" / ledger[-1]["state"]
    if not path.exists():
        raise FeedError(
            f"{path}: the state of delivery {ledger[-1]['delivery_id']} is missing; "
            "deltas cannot be computed without it"
        )
    return pq.read_table(path, columns=columns)


# What a delivery reads of the state it follows: the delta's hashes, whose each record last came
# in, and what a withdrawal names (the rest of each record is the sharing server's).
HELD_COLUMNS = [
    "record_id",
    "content_hash",
    "delivery_id",
    "dataset",
    "catalog_item",
    "subject_type",
    "subject_key",
]


def _deliver_licence(cfg, registry, licence, run_id, records, withdrawals, s3, keys, clock) -> dict:
    folder = licence_folder(cfg, licence.institution, licence.id)
    ledger = read_ledger(folder)
    last = ledger[-1] if ledger else None
    as_of = cfg.as_of.isoformat()
    if last and as_of < last["watermark"]:
        raise FeedError(
            f"as-of {as_of} is before the last delivery's watermark {last['watermark']} "
            f"({last['delivery_id']}): deliveries never go back in time"
        )
    held = _state_table(folder, HELD_COLUMNS)
    held = None if held is None else _arrow_frame(held)
    scoped = scope_filter(records, registry, licence, cfg.as_of)
    kind, upserts, gone, sent = _changes(held, scoped, records, withdrawals, licence, cfg.as_of)
    if last and last["watermark"] == as_of and upserts.empty and gone.empty:
        return _unchanged(last, folder, as_of)

    seq = (last["seq"] + 1) if last else 1
    delivery_id = f"{seq:06d}-{as_of}"
    staging = _fresh_staging(folder, ledger, delivery_id)
    target = folder / delivery_id
    files = _write_delivery_files(staging, kind, upserts, gone)
    counts = _counts(scoped, upserts, gone)
    manifest = _manifest(cfg, registry, licence, run_id, clock, delivery_id, kind, last, files, counts)
    manifest["signature"] = keys.sign(licence.institution, canonical(manifest))
    manifest_text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (staging / "manifest.json").write_text(manifest_text, encoding="utf-8")
    os.replace(staging, target)

    s3_keys = []
    if s3 is not None and licence.pushed:
        s3_keys = mirror(
            s3,
            cfg.feeds_root,
            licence.institution,
            [target / f["name"] for f in files] + [target / "manifest.json"],
        )

    # What the licence holds now, by delivery id; the ledger line below is what commits it.
    state_name = _write_state(folder, delivery_id, scoped, sent)
    entry = {
        "seq": seq,
        "delivery_id": delivery_id,
        "kind": kind,
        "watermark": as_of,
        "run_id": run_id,
        "previous_delivery": manifest["previous_delivery"],
        "created_at": manifest["created_at"],
        "manifest_sha256": hashlib.sha256(manifest_text.encode("utf-8")).hexdigest(),
        "state": state_name,
        "records": len(scoped),
        "upserts": len(upserts),
        "withdrawals": len(gone),
        "pushed": bool(s3_keys),
    }
    _append_ledger(folder, entry)
    _write_latest(folder, entry)
    if s3 is not None and licence.pushed:
        s3_keys += mirror(s3, cfg.feeds_root, licence.institution, [folder / "latest.json"])
    _sweep_states(folder, ledger)
    return {
        "status": "delivered",
        "why": None,
        "delivery_id": delivery_id,
        "kind": kind,
        "watermark": as_of,
        "previous_delivery": manifest["previous_delivery"],
        "folder": str(target),
        "manifest": str(target / "manifest.json"),
        "records": len(scoped),
        "upserts": len(upserts),
        "withdrawals": len(gone),
        "s3_keys": s3_keys,
    }


MANIFEST_CONVENTIONS = {
    "dates": "ISO 8601 calendar-day strings (YYYY-MM-DD)",
    "content_hash": "sha256 of the canonical JSON of the record's fields",
    "signature": "over the canonical JSON (sorted keys, no whitespace, UTF-8) of this "
    "manifest without its 'signature' member",
}


def _changes(held, scoped, records, withdrawals, licence: Licence, as_of: date):
    """(kind, upserts, withdrawals, sent) of the next delivery: a snapshot of everything in scope
    before the first, else a delta against what the licence holds. `sent`: per record in scope,
    the delivery that last sent it as it is, None where this delivery sends it."""
    import numpy as np

    if held is None:
        sent = np.full(len(scoped), None, dtype=object)
        return "snapshot", scoped.assign(change="new"), _empty(WITHDRAWAL_COLUMNS), sent
    at = _positions(scoped["record_id"], held["record_id"])  # -1: not held

    def held_as(column):  # each record's value in what the licence holds, None where it holds none
        return np.append(held[column].to_numpy(dtype=object), None)[at]

    before = held_as("content_hash")
    change = np.where(at < 0, "new", np.where(before != scoped["content_hash"].to_numpy(), "changed", ""))
    upserts = scoped.assign(change=change)
    upserts = upserts[upserts["change"] != ""].astype({"change": object})
    sent = np.where(change == "", held_as("delivery_id"), None)
    kept = np.zeros(len(held), dtype=bool)
    kept[at[at >= 0]] = True
    left = held[~kept]
    return "delta", upserts, taken_down(left, records, withdrawals, licence, as_of), sent


def _unchanged(last: dict, folder: Path, as_of: str) -> dict:
    """The result of a rerun with nothing new: the last delivery stands."""
    return {
        "status": "unchanged",
        "why": f"already delivered as {last['delivery_id']}; nothing new",
        "delivery_id": last["delivery_id"],
        "kind": last["kind"],
        "watermark": as_of,
        "previous_delivery": last.get("previous_delivery"),
        "folder": str(folder / last["delivery_id"]),
        "manifest": str(folder / last["delivery_id"] / "manifest.json"),
        "records": last["records"],
        "upserts": 0,
        "withdrawals": 0,
        "s3_keys": [],
    }


def _fresh_staging(folder: Path, ledger: list[dict], delivery_id: str) -> Path:
    """An empty staging folder for a delivery not yet committed; leftovers of an interrupted
    run (not in the ledger) are removed."""
    if any(entry["delivery_id"] == delivery_id for entry in ledger):
        raise FeedError(f"delivery {delivery_id} is already in the ledger")
    target = folder / delivery_id
    if target.exists():
        shutil.rmtree(target)  # an uncommitted leftover of an interrupted run (not in the ledger)
    staging = folder / f"{delivery_id}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def _write_delivery_files(staging: Path, kind: str, upserts, gone) -> list[dict]:
    """The delivery's Parquet files, as the manifest lists them (name, role, rows, bytes, sha256)."""
    from publishing.targets import write_parquet

    record_file = "snapshot.parquet" if kind == "snapshot" else "upserts.parquet"
    write_parquet(_records_frame(upserts), staging / record_file)
    files = [{"name": record_file, "role": kind if kind == "snapshot" else "upserts", "rows": len(upserts)}]
    write_parquet(gone[WITHDRAWAL_COLUMNS].reset_index(drop=True), staging / "withdrawals.parquet")
    files.append({"name": "withdrawals.parquet", "role": "withdrawals", "rows": len(gone)})
    for entry in files:
        path = staging / entry["name"]
        entry["bytes"] = path.stat().st_size
        entry["sha256"] = _sha256_file(path)
    return files


def _manifest(cfg, registry, licence, run_id, clock, delivery_id, kind, last, files, counts) -> dict:
    """Who the delivery is for, under which licence, and what it holds (not yet signed)."""
    inst = registry.institutions[licence.institution]
    return {
        "schema_version": SCHEMA_VERSION,
        "delivery_id": delivery_id,
        "kind": kind,
        "institution": {"uscc": inst.uscc, "name": inst.name},
        "licence": {
            "id": licence.id,
            "purpose": licence.purpose,
            "catalog_items": list(licence.catalog_items),
            "subject_types": list(licence.subject_types),
        },
        "watermark": cfg.as_of.isoformat(),
        "previous_delivery": last["delivery_id"] if last else None,
        "run_id": run_id,
        "profile": cfg.profile,
        "created_at": clock().isoformat(timespec="seconds"),
        "files": files,
        "counts": counts,
        "conventions": MANIFEST_CONVENTIONS,
        # the access log's head as this delivery is made, signed with it: an institution holds
        # evidence the platform cannot later rewrite (`creditlake audit verify --head`)
        "access_log_head": head_for_publication(audit_root(cfg), lake=cfg.lake, clock=clock),
    }


def _counts(scoped, upserts, gone) -> dict:
    return {
        "records_held": len(scoped),
        "upserts": len(upserts),
        "new": int((upserts["change"] == "new").sum()),
        "changed": int((upserts["change"] == "changed").sum()),
        "withdrawals": len(gone),
        "withdrawal_reasons": {k: int(v) for k, v in gone["reason"].value_counts().items()},
    }


def _write_state(folder: Path, delivery_id: str, scoped, sent) -> str:
    """What the licence holds after this delivery, each record with the delivery that last sent it
    (`sent`, from `_changes`; this one where None). Internal (the next delivery and the sharing
    server read it; it never leaves the platform), so written by pyarrow: half fastparquet's time
    at 800,000 records (1.3 s, not 2.8 s)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    state_name = f"current-{delivery_id}.parquet"
    state = scoped.assign(delivery_id=np.where(pd.isna(sent), delivery_id, sent))
    path = folder / "_state" / state_name
    tmp = path.with_name(f"{state_name}.tmp")
    table = pa.Table.from_pandas(state[STATE_COLUMNS], preserve_index=False)
    pq.write_table(table.replace_schema_metadata(), tmp)  # read back as NumPy columns
    os.replace(tmp, path)  # no half state
    return state_name


def _append_ledger(folder: Path, entry: dict) -> None:
    with open(folder / "_state" / "ledger.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _write_latest(folder: Path, entry: dict) -> None:
    """`latest.json`: the pointer an institution reads first."""
    from publishing.targets import write_pointer

    pointer = {
        "delivery_id": entry["delivery_id"],
        "watermark": entry["watermark"],
        "manifest": f"{entry['delivery_id']}/manifest.json",
        "manifest_sha256": entry["manifest_sha256"],
    }
    write_pointer(folder / "latest.json", json.dumps(pointer, indent=2) + "\n")


def _sweep_states(folder: Path, ledger: list[dict]) -> None:
    """Keep the last two states; the delivery folders are the full history."""
    for old in ledger[:-1]:
        stale = folder / "_state" / old.get("state", "")
        if old.get("state") and stale.exists():
            stale.unlink()


def taken_down(left, records, withdrawals, licence: Licence, as_of: date):
    """Why each record the licence held and no longer may hold must be taken down, and since when:
    its withdrawal (and the day it took effect) when it left sharing with one; out of the licence,
    or its authorisation ended, when it is still shared; else, gone from sharing without a
    withdrawal row, still told (fail safe). Over all of them at once: a day when a year's records
    expire takes tens of thousands down."""
    import numpy as np
    import pandas as pd

    if left.empty:
        return _empty(WITHDRAWAL_COLUMNS)
    today = as_of.isoformat()
    ids = left["record_id"]
    known = _positions(ids, withdrawals["record_id"])  # -1: no withdrawal row
    shared = _positions(ids, records["record_id"])  # -1: not shared today

    def at(column, where):  # the value at each position, None at -1
        return np.append(column.to_numpy(dtype=object), None)[where]

    def among(values, allowed):
        return pd.Series(values, dtype=object).isin(list(allowed)).to_numpy()

    withdrawn = (known >= 0) & (shared < 0)
    kind = at(records["subject_type"], shared)
    in_licence = among(at(records["catalog_item"], shared), licence.catalog_items)
    in_licence &= among(kind, licence.subject_types)
    ended = (shared >= 0) & in_licence & among(kind, AUTHORISATION_REQUIRED)
    reason = np.select(
        [withdrawn, ended, shared >= 0],
        [at(withdrawals["reason"], known), "authorisation_ended", "out_of_licence_scope"],
        "no_longer_shareable",
    )
    on = at(withdrawals["withdrawn_on"], known)
    since = np.where(withdrawn & pd.notna(on) & (on != ""), on, today)
    out = _object_frame(left[WITHDRAWAL_COLUMNS[:5]])
    return out.assign(withdrawn_on=since, reason=reason).astype(object)


def _positions(values, among):
    """Each value's position in `among` (whose values are unique), -1 where it is not: one Arrow
    hash lookup over a column (pandas' `get_indexer` over a million Arrow strings made them
    Python objects first)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.index_in(pa.array(values, pa.string()), value_set=pa.array(among, pa.string()))
    return found.fill_null(-1).to_numpy()


def _records_frame(frame):
    out = _object_frame(frame[FILE_RECORD_COLUMNS])
    out["under_objection"] = out["under_objection"].astype(bool)
    return out


def _empty(columns: list[str]):
    import pandas as pd

    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --- S3: one prefix per institution ----------------------------------------------------------


def institution_prefix(s3: S3Target, institution: str) -> str:
    """Every object of one institution lives under `<FEEDS prefix>/<USCC>/` and nowhere else."""
    return "/".join(p for p in (s3.prefix, institution) if p) + "/"


def mirror(s3: S3Target, feeds_root: Path, institution: str, files: list[Path]) -> list[str]:
    """Upload files (under `feeds_root/<institution>/`) to the same relative keys; refuses any
    file that would land outside the institution's prefix."""
    from publishing.targets import s3_client

    client = s3_client(s3)
    prefix = institution_prefix(s3, institution)
    keys = []
    for path in files:
        relative = Path(path).resolve().relative_to(Path(feeds_root).resolve()).as_posix()
        key = "/".join(p for p in (s3.prefix, relative) if p)
        if not key.startswith(prefix) or "/../" in f"/{key}":
            raise FeedError(f"refusing to write {key}: outside {institution}'s prefix {prefix}")
        client.upload_file(str(path), s3.bucket, key)
        keys.append(key)
    return keys


def presign_download(s3: S3Target, institution: str, key: str, expires_in: int = 3600) -> str:
    """A short-lived GET URL for one object of this institution; any key outside its prefix is refused."""
    from publishing.targets import s3_client

    prefix = institution_prefix(s3, institution)
    if not key.startswith(prefix) or "/../" in f"/{key}" or "//" in key:
        raise PermissionError(f"{key} is not under {institution}'s prefix {prefix}")
    return s3_client(s3).generate_presigned_url(
        "get_object", Params={"Bucket": s3.bucket, "Key": key}, ExpiresIn=expires_in
    )


def institution_policy(s3: S3Target, institution: str, partition: str | None = None) -> dict:
    """The IAM policy for an institution's read-only credentials: its own prefix, nothing else.

    China regions are the `aws-cn` partition (credit data stays in China: jl-draft Art 43,
    gd-draft Art 36); the partition follows `AWS_DEFAULT_REGION` unless given.
    """
    if partition is None:
        region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or ""
        partition = "aws-cn" if region.startswith("cn-") else "aws"
    prefix = institution_prefix(s3, institution)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadOwnDeliveries",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:{partition}:s3:::{s3.bucket}/{prefix}*"],
            },
            {
                "Sid": "ListOwnPrefix",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:{partition}:s3:::{s3.bucket}"],
                "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            },
        ],
    }


# --- verification (what an institution runs) -------------------------------------------------


def verify_delivery(path: Path | str, key, *, institution: str | None = None) -> tuple[bool, list[str]]:
    """Check one delivery folder (or its manifest.json) against the platform's key.

    `key`: the platform's Ed25519 public key (PEM bytes, or a path to the .pub.pem file) or,
    for HMAC deliveries, the institution's shared secret (hex, or a path to the file holding it);
    or a `KeySet`, and then the key listed under the id the signature names (`key_id`), which
    must not have been retired before the delivery was made. The algorithm comes from the key,
    never from the manifest. Checks: the signature over the
    canonical manifest; every listed file's size, sha256 and row count; no unlisted file;
    the schema version; and, when `institution` is given, that the delivery is addressed to it.

    The same check in any language: parse manifest.json, remove "signature", serialise with
    sorted keys, separators "," and ":" and no ASCII escaping, UTF-8; verify the Ed25519
    signature (base64 `value`) with the public key, or compare HMAC-SHA256 (hex) with the
    secret; then compare each file's sha256 with the manifest.
    """
    path = Path(path)
    manifest_path = path if path.is_file() else path / "manifest.json"
    folder = manifest_path.parent
    if not manifest_path.exists():
        return False, [f"{manifest_path}: no manifest"]
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        return False, [f"{manifest_path}: not valid JSON ({err})"]
    problems: list[str] = []
    if manifest.get("schema_version") != SCHEMA_VERSION:
        problems.append(f"schema_version {manifest.get('schema_version')!r} is not {SCHEMA_VERSION}")
    problems += _check_signature(manifest, key)
    if institution is not None:
        problems += _check_addressee(manifest, institution)
    listed = set()
    for entry in manifest.get("files") or []:
        listed.add(str(entry.get("name", "")))
        problems += _check_listed_file(folder, entry)
    for extra in sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "manifest.json"):
        if extra not in listed:
            problems.append(f"{extra}: not listed in the manifest")
    return not problems, problems


def _check_listed_file(folder: Path, entry: dict) -> list[str]:
    """One file the manifest lists: present, of its size, unaltered, and of its row count."""
    name = str(entry.get("name", ""))
    file = folder / name
    if "/" in name or name.startswith(".") or not file.is_file():
        return [f"{name}: listed in the manifest but missing"]
    problems = []
    if file.stat().st_size != entry.get("bytes"):
        problems.append(f"{name}: {file.stat().st_size} bytes, the manifest says {entry.get('bytes')}")
    if _sha256_file(file) != entry.get("sha256"):
        return [*problems, f"{name}: sha256 does not match the manifest (the file was altered)"]
    try:
        import pyarrow.parquet as pq

        rows = pq.ParquetFile(file).metadata.num_rows
    except Exception as err:  # noqa: BLE001 - any unreadable file is a finding, not a crash
        return [*problems, f"{name}: not a readable Parquet file ({err})"]
    if rows != entry.get("rows"):
        problems.append(f"{name}: {rows} rows, the manifest says {entry.get('rows')}")
    return problems


def _check_addressee(manifest: dict, institution: str) -> list[str]:
    addressee = (manifest.get("institution") or {}).get("uscc")
    if addressee != institution:
        return [f"the delivery is addressed to {addressee}, not {institution}"]
    return []


def verify_path(path: Path | str, key, *, institution: str | None = None) -> tuple[bool, list[str]]:
    """What `creditlake feeds verify DIR` runs: one delivery (a folder with manifest.json, or the
    manifest itself) or a licence folder (every delivery and their chain). `key`: one key (see
    `verify_delivery`) or a `KeySet`, each delivery then checked with the key it names."""
    path = Path(path)
    if path.is_file() or (path / "manifest.json").exists():
        return verify_delivery(path, key, institution=institution)
    return verify_feed(path, key, institution=institution)


DELIVERY_ID = re.compile(r"^(\d{6})-\d{4}-\d{2}-\d{2}$")


def verify_feed(folder: Path | str, key, *, institution: str | None = None) -> tuple[bool, list[str]]:
    """Check a licence folder whole: every delivery (`verify_delivery`); their numbers run from
    000001 without a gap; each names the one before as `previous_delivery` and watermarks never
    go back; and `latest.json` names the newest delivery, with its manifest's sha256. A deleted
    delivery, the newest included, or a stale or edited `latest.json` fails."""
    folder = Path(folder)
    deliveries = sorted(p for p in folder.iterdir() if p.is_dir() and DELIVERY_ID.match(p.name))
    if not deliveries:
        return False, [f"{folder}: no deliveries"]
    problems = _check_numbering(deliveries)
    problems += _check_chain(deliveries, key, institution)
    problems += _check_latest(folder, deliveries[-1])
    return not problems, problems


def _check_numbering(deliveries: list[Path]) -> list[str]:
    """Delivery numbers run 000001, 000002, ... : a gap is a delivery deleted or never received."""
    problems, expected = [], 1
    for delivery in deliveries:
        seq = int(delivery.name[:6])
        if seq > expected:
            gap = f"{expected:06d}" if seq == expected + 1 else f"{expected:06d} to {seq - 1:06d}"
            problems.append(f"{delivery.name}: delivery {gap} before it is missing (deleted or not received)")
        elif seq < expected:
            problems.append(f"{delivery.name}: delivery number {seq:06d} is used twice")
        expected = seq + 1
    return problems


def _check_chain(deliveries: list[Path], key, institution: str | None) -> list[str]:
    """Each delivery verifies, names the one before it, and keeps or advances the watermark."""
    problems, previous, watermark = [], None, ""
    for delivery in deliveries:
        _, found = verify_delivery(delivery, key, institution=institution)
        problems += [f"{delivery.name}: {p}" for p in found]
        manifest = _read_manifest(delivery)
        if manifest is None:
            continue
        if manifest.get("delivery_id") != delivery.name:
            problems.append(f"{delivery.name}: its manifest names delivery {manifest.get('delivery_id')}")
        if manifest.get("previous_delivery") != previous:
            problems.append(
                f"{delivery.name}: previous_delivery is {manifest.get('previous_delivery')}, "
                f"expected {previous}"
            )
        if str(manifest.get("watermark", "")) < watermark:
            problems.append(
                f"{delivery.name}: watermark {manifest.get('watermark')} goes back from {watermark}"
            )
        previous, watermark = delivery.name, str(manifest.get("watermark", ""))
    return problems


def _read_manifest(delivery: Path) -> dict | None:
    try:
        manifest = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _check_latest(folder: Path, newest: Path) -> list[str]:
    """`latest.json`, the pointer an institution reads first, names the newest delivery and the
    sha256 of its manifest: otherwise the newest delivery was deleted or the pointer is stale or
    forged."""
    path = folder / "latest.json"
    try:
        pointer = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"latest.json: missing (the newest delivery here is {newest.name})"]
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as err:
        return [f"latest.json: not readable JSON ({err})"]
    named = str((pointer if isinstance(pointer, dict) else {}).get("delivery_id"))
    if named != newest.name and not (folder / named).is_dir() and named > newest.name:
        return [f"latest.json: names delivery {named}, which is missing: the newest delivery was deleted"]
    if named != newest.name:
        return [f"latest.json: names delivery {named}, but the newest is {newest.name} (stale or forged)"]
    problems = []
    if pointer.get("manifest") != f"{named}/manifest.json":
        problems.append(f"latest.json: manifest is {pointer.get('manifest')!r}, not {named}/manifest.json")
    if pointer.get("manifest_sha256") != _sha256_file(newest / "manifest.json"):
        problems.append(
            f"latest.json: manifest_sha256 is not the sha256 of {named}/manifest.json "
            "(the pointer or the manifest was altered)"
        )
    manifest = _read_manifest(newest) or {}
    if pointer.get("watermark") != manifest.get("watermark"):
        problems.append(
            f"latest.json: watermark {pointer.get('watermark')} is not {named}'s {manifest.get('watermark')}"
        )
    return problems


def _check_signature(manifest: dict, key) -> list[str]:
    signature = manifest.get("signature")
    if not isinstance(signature, dict):
        return ["the manifest is not signed"]
    payload = canonical({k: v for k, v in manifest.items() if k != "signature"})
    found, problems = _verification_key(manifest, key)
    if found is None:
        return problems
    kind, material = found
    if signature.get("alg") != kind:
        return [f"the manifest is signed with {signature.get('alg')!r} but the key given is {kind}"]
    if kind == "ed25519":
        from cryptography.exceptions import InvalidSignature

        try:
            material.verify(base64.b64decode(str(signature.get("value", ""))), payload)
        except (InvalidSignature, ValueError):
            return [_not_verified(signature, _ed25519_key_id(material))]
        return []
    expected = hmac.new(material, payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(signature.get("value", ""))):
        return [_not_verified(signature, _hmac_key_id(material))]
    return []


def _verification_key(manifest: dict, key) -> tuple[tuple[str, object] | None, list[str]]:
    """(alg, key material) to verify with: the one given, or the one a key set lists under the
    id the signature names; (None, why) if there is none."""
    if isinstance(key, KeySet):
        return key.lookup(manifest)
    try:
        return _parse_key(key), []
    except (ValueError, OSError) as err:
        return None, [f"unusable key: {err}"]


def _not_verified(signature: dict, given_id: str) -> str:
    why = "signature does not verify (the manifest was altered or signed with another key)"
    named = signature.get("key_id")
    if named and named != given_id:
        return f"{why}: it names key {named}, the key given is {given_id} (a rotated key: verify with the key set)"
    return why


def _parse_key(key):
    if isinstance(key, Path) or (isinstance(key, str) and len(key) < 4096 and Path(key).is_file()):
        key = Path(key).read_bytes()
    data = key.encode() if isinstance(key, str) else bytes(key)
    if data.lstrip().startswith(b"-----BEGIN"):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

        if b"PRIVATE KEY" in data:
            private = serialization.load_pem_private_key(data, password=None)
            if not isinstance(private, Ed25519PrivateKey):
                raise ValueError("not an Ed25519 key")
            return "ed25519", private.public_key()
        public = serialization.load_pem_public_key(data)
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return "ed25519", public
    text = data.strip()
    try:
        return "hmac-sha256", bytes.fromhex(text.decode())
    except (ValueError, UnicodeDecodeError):
        return "hmac-sha256", text
