"""`creditlake`: the operator's command line.

    creditlake run --landing DIR --as-of YYYY-MM-DD --profile PROFILE --lake DIR --summary FILE [--registry DIR]
    creditlake generate --out DIR [--seed N] [--penalties N] [--penalties-only] [--defect KIND=SHARE]
    creditlake profiles list | show NAME
    creditlake dbt [--lake DIR] [--profile NAME] [--as-of YYYY-MM-DD] -- <dbt arguments>

Feeds to credit service institutions (the registry: `--registry DIR` or `CREDITLAKE_REGISTRY`):

    creditlake serve --lake DIR [--registry DIR] [--host 127.0.0.1] [--port 8080] [--public-url URL]
    creditlake tokens issue --lake DIR --institution USCC --profile-file FILE [--days N] [--endpoint URL]
    creditlake tokens list --lake DIR
    creditlake tokens revoke --lake DIR TOKEN_ID
    creditlake audit verify --lake DIR
    creditlake feeds verify DIR --key FILE [--institution USCC]     (what an institution runs)
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from err


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="creditlake", description="Public credit information platform pipeline.")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one cycle through the Airflow DAG: land, gate, build, publish")
    run.add_argument("--landing", type=Path, required=True, help="folder with penalties/, licenses/, ...")
    run.add_argument("--as-of", type=_date, default=date.today(), help="the run's 'today' (default: today)")
    run.add_argument("--profile", default="national", help="jurisdiction profile (default: national)")
    run.add_argument("--lake", type=Path, required=True, help="lake folder the run writes")
    run.add_argument("--summary", type=Path, help="write the run summary JSON here")
    run.add_argument(
        "--registry",
        type=Path,
        help="feeds registry folder (default: CREDITLAKE_REGISTRY; without either, no feeds)",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="show Airflow's own log")

    profiles = sub.add_parser("profiles", help="the jurisdiction profiles and their rules")
    profiles_sub = profiles.add_subparsers(dest="profiles_command", required=True)
    profiles_sub.add_parser("list", help="the profiles there are")
    show = profiles_sub.add_parser("show", help="every rule of a profile with its article")
    show.add_argument("name")

    dbt = sub.add_parser(
        "dbt",
        help="run dbt on a lake's warehouse with the run's vars, as the pipeline does",
        description="Run any dbt command on the lake's warehouse, with the profile's rules, the "
        "catalog and the date passed as vars (creditlake.warehouse.dbt), e.g. "
        "`creditlake dbt --lake demo/lake -- build --select int_credit__records_as_of+`.",
    )
    dbt.add_argument(
        "--lake",
        type=Path,
        help="lake folder whose warehouse dbt builds (default: CREDITLAKE_LAKE, else demo/lake)",
    )
    dbt.add_argument("--profile", default="national", help="jurisdiction profile (default: national)")
    dbt.add_argument("--as-of", type=_date, default=date.today(), help="the run's 'today' (default: today)")
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="-- DBT_ARGS", help="what dbt runs")

    gen = sub.add_parser("generate", help="write synthetic agency extracts (and truth.json)")
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--penalties", type=int, default=200)
    gen.add_argument("--as-of", type=_date, default=date.today())
    gen.add_argument(
        "--penalties-only",
        action="store_true",
        help="one penalties CSV only (default: every dataset and event, in every format)",
    )
    gen.add_argument("--licenses", type=int, help="licence rows (default: penalties/2)")
    gen.add_argument("--court-dishonest", type=int, help="court list rows (default: penalties/10)")
    gen.add_argument("--honors", type=int, help="honour rows (default: penalties/10)")
    gen.add_argument(
        "--commitments", type=int, help="credit commitment rows (default: penalties/20, at least 12)"
    )
    gen.add_argument("--events", type=int, help="event rows in all (default: penalties/20)")
    gen.add_argument(
        "--formats", help="comma list of csv_bom,csv,csv_gb18030,xlsx,jsonl (first takes the bulk)"
    )
    gen.add_argument("--defect-rate", type=float, default=0.05, help="share of rows with a planted defect")
    gen.add_argument(
        "--defect",
        action="append",
        default=[],
        metavar="KIND=SHARE",
        help="share of one defect kind (repeatable; 0 turns it off)",
    )

    serve = sub.add_parser(
        "serve", help="serve the licences as Delta Sharing shares to institutions (pull API)"
    )
    serve.add_argument("--lake", type=Path, required=True, help="lake whose feeds are shared")
    _registry_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--profile", default="national", help="jurisdiction profile (default: national)")
    serve.add_argument(
        "--public-url", help="the URL institutions reach (a TLS proxy in front), for file links"
    )

    tokens = sub.add_parser("tokens", help="bearer tokens of institutions for the sharing API")
    tokens_sub = tokens.add_subparsers(dest="tokens_command", required=True)
    issue = tokens_sub.add_parser(
        "issue", help="a new token; prints it once and writes the institution's profile file"
    )
    issue.add_argument("--lake", type=Path, required=True)
    issue.add_argument("--institution", required=True, metavar="USCC")
    issue.add_argument(
        "--days", type=int, default=90, help="days until the token expires (default 90, at most 366)"
    )
    issue.add_argument(
        "--profile-file",
        type=Path,
        required=True,
        help="write the Delta Sharing profile (endpoint, bearer token, expiry) here, for the institution",
    )
    issue.add_argument(
        "--endpoint",
        default="http://127.0.0.1:8080/delta-sharing",
        help="the sharing endpoint the profile names (default: creditlake serve's local default)",
    )
    issue.add_argument("--note", default="", help="kept with the token, e.g. the agreement or the ticket")
    _registry_option(issue)
    issue.add_argument(
        "--profile", default="national", help="jurisdiction profile the registry is checked under"
    )
    tokens_sub.add_parser("list", help="every token: id, institution, expiry, revoked (never the token)").add_argument(
        "--lake", type=Path, required=True)  # fmt: skip
    revoke = tokens_sub.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("--lake", type=Path, required=True)
    revoke.add_argument("token_id", metavar="TOKEN_ID")

    audit = sub.add_parser("audit", help="the access log of deliveries and API requests")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check the hash chain: any edited or deleted entry fails").add_argument(
        "--lake", type=Path, required=True)  # fmt: skip

    feeds = sub.add_parser("feeds", help="push deliveries to institutions")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", required=True)
    verify = feeds_sub.add_parser(
        "verify", help="check a delivery's signature and file hashes (what institutions run)"
    )
    verify.add_argument(
        "path", type=Path, metavar="DIR", help="a delivery folder, its manifest.json, or a licence folder"
    )
    verify.add_argument(
        "--key",
        type=Path,
        required=True,
        help="the platform's Ed25519 public key (.pub.pem) or, for HMAC feeds, the shared secret file",
    )
    verify.add_argument(
        "--institution", metavar="USCC", help="also check the delivery is addressed to this USCC"
    )
    return p


def _registry_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--registry", type=Path, help="feeds registry folder (default: CREDITLAKE_REGISTRY)")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "generate":
        from creditlake.generate import generate

        try:
            bad = [d for d in args.defect if "=" not in d]
            if bad:
                raise ValueError(f"--defect takes KIND=SHARE, got {', '.join(bad)}")
            defects = {k.strip(): float(v) for k, v in (d.split("=", 1) for d in args.defect)}
            out = generate(args.out, seed=args.seed, penalties=args.penalties, as_of=args.as_of,
                           full=not args.penalties_only,
                           licenses=args.licenses, court_dishonest=args.court_dishonest, honors=args.honors,
                           events=args.events, formats=args.formats, defect_rate=args.defect_rate,
                           defects=defects, commitments=args.commitments)  # fmt: skip
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(f"generated extracts under {out.resolve()}")
        return 0
    if args.command == "run":
        return _run(args)
    if args.command == "profiles":
        return _profiles(args)
    if args.command == "dbt":
        return _dbt(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "tokens":
        return _tokens(args)
    if args.command == "audit":
        return _audit(args)
    if args.command == "feeds":
        return _feeds(args)
    return 2


def _profiles(args) -> int:
    from creditlake.jurisdiction import ProfileError, load_profile, profile_names

    if args.profiles_command == "list":
        for name in profile_names():
            print(f"{name:<10} {load_profile(name).rules.get('title', '')}")
        return 0
    try:
        print(load_profile(args.name).show())
    except ProfileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


# dbt commands that read no data: they need no working-day table in the lake.
_DBT_PARSE_ONLY = {"parse", "ls", "list", "deps", "clean", "init"}


def _dbt(args) -> int:
    """dbt as the pipeline runs it: the lake's warehouse, target folder and vars, so an engineer
    can build, test or inspect a selection without Airflow."""
    import os

    from creditlake.jurisdiction import ProfileError, load_profile
    from creditlake.settings import PROJECT_ROOT, RunConfig
    from creditlake.warehouse import dbt, export_working_days

    dbt_args = args.dbt_args[1:] if args.dbt_args[:1] == ["--"] else args.dbt_args
    if not dbt_args:
        print("error: say what dbt runs after --, e.g. creditlake dbt -- build", file=sys.stderr)
        return 2
    try:
        load_profile(args.profile)  # a bad profile fails here, naming its file and key
    except ProfileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    lake = args.lake or Path(os.environ.get("CREDITLAKE_LAKE") or PROJECT_ROOT / "demo" / "lake")
    lake = lake.resolve()
    cfg = RunConfig(landing=lake / "landing", lake=lake, as_of=args.as_of, profile=args.profile)
    if dbt_args[0] not in _DBT_PARSE_ONLY:
        export_working_days(cfg)  # the deadlines join on it, as in `build`
    proc = dbt(cfg, *dbt_args)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    return proc.returncode


def _run(args) -> int:
    from creditlake.jurisdiction import ProfileError, load_profile
    from creditlake.runner import run_cycle
    from creditlake.settings import RunConfig

    if not args.landing.is_dir():
        print(f"error: landing folder {args.landing} does not exist", file=sys.stderr)
        return 2
    try:
        load_profile(args.profile)  # a bad profile fails here, before Airflow starts
    except ProfileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.registry and _registry(args) is None:  # an invalid registry fails here too, naming each problem
        return 2
    cfg = RunConfig(args.landing.resolve(), args.lake.resolve(), args.as_of, args.profile,
                    args.summary.resolve() if args.summary else None,
                    args.registry.resolve() if args.registry else None)  # fmt: skip
    ok, summary, log = run_cycle(cfg, verbose=args.verbose)
    if summary is None:
        print(log, file=sys.stderr)
        print("error: the run did not produce a summary; Airflow's log is above", file=sys.stderr)
        return 1
    print(render_summary(summary))
    if args.summary:
        print(f"summary          {args.summary.resolve()}")
    if summary.get("portal"):
        print(f"portal           {summary['portal']}")
    if not ok:
        print(f"\nthe run FAILED: see {Path(summary['lake']) / 'runs' / 'last_airflow.log'}", file=sys.stderr)
        return 1
    return 0


def render_summary(s: dict) -> str:
    files = s["files"]
    tot = {k: sum(f.get(k) or 0 for f in files) for k in ("rows_in", "loaded", "quarantined", "excluded")}
    lines = [
        f"creditlake run {s['run_id']}  profile={s['profile']}  as_of={s['as_of']}",
        f"landed     {len(files)} files, {tot['rows_in']} rows: {tot['loaded']} loaded, "
        f"{tot['quarantined']} quarantined, {tot['excluded']} excluded",
    ]
    for f in files:
        lines.append(
            f"  {f['status']:<15} {f['dataset']:<12} {Path(f['path']).name}: {f['rows_in']} in, {f['loaded']} loaded, "
            f"{f['quarantined']} quarantined, {f['excluded']} excluded"
            + (f"  ({f['reason']})" if f["reason"] else "")
        )
    build = s.get("build") or {}
    lines.append(f"validated  raw batches gated by Great Expectations; data docs: {s['data_docs']}")
    lines.append(f"built      {build.get('models', 0)} dbt models, {build.get('tests', 0)} tests passed"
                 if build else "built      nothing: the build did not run or failed")  # fmt: skip
    for p in s.get("published") or []:
        lines.append(f"published  {p['dataset']} version {p['version']}: {p['rows']} rows"
                     + (f", {p['s3_objects']} objects to S3" if p["s3_objects"] else ""))  # fmt: skip
    for f in s.get("feeds") or []:  # one line per licence: what it was given, or why nothing
        to = f"{f['licence']} to {f['institution']}"
        if f["status"] == "refused":
            lines.append(f"delivered  nothing: {to}: {f['why']}")
        elif f["status"] == "unchanged":
            lines.append(f"delivered  nothing new: {to}: still {f['delivery_id']} ({f['records_held']} held)")
        else:
            lines.append(f"delivered  {to}: {f['delivery_id']} {f['kind']}, {f['rows']} rows, "
                         f"{f['withdrawals']} withdrawals ({f['records_held']} held)"
                         + (f", {f['s3_objects']} objects to S3" if f["s3_objects"] else ""))  # fmt: skip
    if "feeds_registry" in s and not s["feeds_registry"]:
        lines.append("delivered  no feeds: no registry configured (--registry DIR or CREDITLAKE_REGISTRY)")
    for failure in s.get("failed") or []:
        lines.append(f"FAILED     {failure['stage']}: {failure['message']}")
    lines += [
        f"open data        {s['open_root']}",
        f"feeds            {s['feeds_root']}",
        f"quarantine       {s['quarantine_report']}",
    ]

    return "\n".join(lines)


# --- feeds: the sharing server, tokens, the access log, verification --------------------------


def _registry(args):
    """The registry named by --registry or CREDITLAKE_REGISTRY, loaded and validated; None after
    printing why. The example registry is never a silent default: its institutions are invented."""
    import os

    from creditlake.jurisdiction import ProfileError
    from publishing.registry import RegistryError, load_registry

    root = args.registry or (
        Path(os.environ["CREDITLAKE_REGISTRY"]) if os.environ.get("CREDITLAKE_REGISTRY") else None
    )
    if root is None:
        print("error: no registry: pass --registry DIR or set CREDITLAKE_REGISTRY "
              "(publishing/registry_example is an example)", file=sys.stderr)  # fmt: skip
        return None
    if not root.is_dir():
        print(f"error: registry folder {root} does not exist", file=sys.stderr)
        return None
    try:
        return load_registry(root.resolve(), args.profile)  # validated under the run's law
    except (RegistryError, ProfileError) as err:
        print(f"error: {err}", file=sys.stderr)
        return None


def _lake_config(lake: Path, profile: str = "national"):
    """A RunConfig for commands that only read the lake (landing and date are not used)."""
    from creditlake.settings import RunConfig

    lake = lake.resolve()
    return RunConfig(landing=lake / "landing", lake=lake, as_of=date.today(), profile=profile)


def _serve(args) -> int:
    from creditlake.jurisdiction import ProfileError, load_profile
    from publishing.sharing import PREFIX, serve

    try:
        load_profile(args.profile)
    except ProfileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    registry = _registry(args)
    if registry is None:
        return 2
    if not args.lake.is_dir():
        print(f"error: lake folder {args.lake} does not exist", file=sys.stderr)
        return 2
    print(
        f"Delta Sharing endpoint  http://{args.host}:{args.port}{PREFIX}  (registry {registry.root})",
        flush=True,
    )
    serve(
        _lake_config(args.lake, args.profile),
        registry,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
    )
    return 0


def _tokens(args) -> int:
    import json
    import os

    from publishing.audit import now_china
    from publishing.registry import active_licences
    from publishing.sharing import issue_token, profile, revoke_token, tokens_path

    cfg = _lake_config(args.lake)
    path = tokens_path(cfg)
    if args.tokens_command == "list":
        from publishing.sharing import _read_tokens

        for t in _read_tokens(path):
            state = f"revoked {t['revoked_at']}" if t.get("revoked_at") else f"expires {t['expires_at']}"
            print(
                f"{t['id']}  {t['institution']}  issued {t['issued_at']}  {state}  {t.get('note') or ''}".rstrip()
            )
        return 0
    if args.tokens_command == "revoke":
        try:
            record = revoke_token(path, args.token_id)
        except KeyError:
            print(f"error: no token {args.token_id} in {path}", file=sys.stderr)
            return 1
        print(f"revoked {record['id']} of institution {record['institution']} at {record['revoked_at']}")
        return 0

    registry = _registry(args)
    if registry is None:
        return 2
    try:
        token, record = issue_token(path, registry, args.institution, days=args.days, note=args.note)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    # The profile holds the bearer token: readable by its owner only, like the tokens file.
    args.profile_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(args.profile_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(profile(args.endpoint, token, record), handle, indent=2)
        handle.write("\n")
    shares = [lic.id for lic in active_licences(registry, now_china().date())
              if lic.institution == args.institution and lic.pulled]  # fmt: skip
    print(
        f"token id      {record['id']}  (institution {record['institution']}, expires {record['expires_at']})"
    )
    print(f"bearer token  {token}")
    print("              shown once: only its sha256 is kept. Revoke with: creditlake tokens revoke "
          f"--lake {args.lake} {record['id']}")  # fmt: skip
    print(f"profile file  {args.profile_file.resolve()}  (give it to the institution over a secure channel)")
    print(f"shares        {', '.join(shares) if shares else 'none in force today'}")
    if not shares:
        print(f"warning: institution {args.institution} has no pull licence in force today: "
              "the token lists no share until it has one", file=sys.stderr)  # fmt: skip
    return 0


def _audit(args) -> int:
    from publishing.audit import audit_root, segments, verify

    root = audit_root(_lake_config(args.lake))
    if not root.is_dir():
        print(f"error: no access log at {root}", file=sys.stderr)
        return 1
    ok, problems = verify(root)
    if not ok:
        for problem in problems:
            print(f"FAILED  {problem}", file=sys.stderr)
        print(f"the access log at {root} does not verify: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    found = segments(root)
    entries = sum(1 for _, file in found for line in file.read_bytes().split(b"\n") if line.strip())
    print(f"OK  {entries} entries in {len(found)} segment(s) under {root}, hash chain intact")
    return 0


def _feeds(args) -> int:
    from publishing.feeds import verify_path

    if not args.path.exists():
        print(f"error: {args.path} does not exist", file=sys.stderr)
        return 2
    if not args.key.is_file():
        print(f"error: key file {args.key} does not exist", file=sys.stderr)
        return 2
    ok, problems = verify_path(args.path, args.key, institution=args.institution)
    if not ok:
        for problem in problems:
            print(f"FAILED  {problem}", file=sys.stderr)
        print(f"{args.path}: does NOT verify ({len(problems)} problem(s)): do not use it", file=sys.stderr)
        return 1
    print(f"OK  {args.path}: signature and every file's sha256 and row count match the manifest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
