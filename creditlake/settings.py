"""Where a run reads and writes, and what it runs under.

One `RunConfig` travels from the CLI through the Airflow DAG's `conf` to every task, so
the CLI, the DAG and the tests share one definition of the lake's layout. Endpoints and
secrets come from environment variables with safe local defaults (never from code).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DAGS_DIR = PROJECT_ROOT / "dags"


@dataclass(frozen=True)
class RunConfig:
    """One cycle: the landing folder it reads, the lake it writes, its date and its law.

    `landing` is a folder, or an `s3://bucket/prefix` URI kept as text (`creditlake.sources`)."""

    landing: Path | str
    lake: Path
    as_of: date
    profile: str = "national"
    summary: Path | None = None
    # The feeds registry (institutions, licences, authorisations: publishing/registry.py);
    # None: `CREDITLAKE_REGISTRY`, else no feeds are delivered.
    registry: Path | None = None

    @classmethod
    def from_conf(cls, conf: dict) -> RunConfig:
        """Build from a DAG run's `conf` (strings), failing with a message naming the key."""
        missing = [k for k in ("landing", "lake", "as_of") if not conf.get(k)]
        if missing:
            raise ValueError(f"run conf is missing {', '.join(missing)}: got {sorted(conf)}")
        try:
            as_of = date.fromisoformat(str(conf["as_of"]))
        except ValueError as err:
            raise ValueError(f"run conf as_of={conf['as_of']!r} is not a YYYY-MM-DD date") from err
        return cls(
            landing=landing_location(str(conf["landing"])),
            lake=Path(conf["lake"]).resolve(),
            as_of=as_of,
            profile=conf.get("profile") or "national",
            summary=Path(conf["summary"]).resolve() if conf.get("summary") else None,
            registry=Path(conf["registry"]).resolve() if conf.get("registry") else None,
        )

    @property
    def landing_in_s3(self) -> bool:
        return is_s3_uri(self.landing)

    def to_conf(self) -> dict:
        return {k: (str(v) if v is not None else None) for k, v in asdict(self).items()}

    # The lake's layout: one folder per stage.
    @property
    def incoming_root(self) -> Path:
        """Objects fetched from an S3 landing prefix wait here, by sha256, until they are moved."""
        return self.lake / "incoming"

    @property
    def raw_root(self) -> Path:
        return self.lake / "raw"

    @property
    def ledger(self) -> Path:
        """Every landing file ever seen, by sha256: re-landing the same bytes is a no-op."""
        return self.lake / "raw" / "_ledger.jsonl"

    @property
    def quarantine_root(self) -> Path:
        return self.lake / "quarantine"

    @property
    def reports_root(self) -> Path:
        return self.lake / "reports"

    @property
    def warehouse(self) -> Path:
        return self.lake / "warehouse" / "creditlake.duckdb"

    @property
    def dbt_target(self) -> Path:
        return self.lake / "warehouse" / "dbt_target"

    @property
    def staging_root(self) -> Path:
        """Files prepared for publication wait here until the publish gate passes."""
        return self.lake / "staging"

    @property
    def open_root(self) -> Path:
        return self.lake / "open"

    @property
    def feeds_root(self) -> Path:
        return self.lake / "feeds"

    def run_dir(self, run_id: str) -> Path:
        return self.lake / "runs" / safe_name(run_id)


def is_s3_uri(location) -> bool:
    return isinstance(location, str) and location.startswith("s3://")


def landing_location(text: str) -> Path | str:
    """A landing folder as an absolute path; an `s3://bucket/prefix` URI unchanged."""
    return text if is_s3_uri(text) else Path(text).resolve()


def s3_endpoint_url() -> str | None:
    """`CREDITLAKE_S3_ENDPOINT_URL` (MinIO, moto, a private cloud); None: AWS itself."""
    return os.environ.get("CREDITLAKE_S3_ENDPOINT_URL") or None


def safe_name(text: str) -> str:
    """A run id or batch id as a folder name."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


@dataclass(frozen=True)
class S3Target:
    """Where published files go when object storage is configured (else: the local folder only)."""

    bucket: str
    prefix: str
    endpoint_url: str | None

    @classmethod
    def from_env(cls, kind: str = "OPEN") -> S3Target | None:
        """`CREDITLAKE_<KIND>_S3_BUCKET` (+ `_PREFIX`, and `CREDITLAKE_S3_ENDPOINT_URL`).

        Credentials are boto3's usual `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
        """
        bucket = os.environ.get(f"CREDITLAKE_{kind}_S3_BUCKET")
        if not bucket:
            return None
        return cls(
            bucket=bucket,
            prefix=os.environ.get(f"CREDITLAKE_{kind}_S3_PREFIX", "").strip("/"),
            endpoint_url=s3_endpoint_url(),
        )
