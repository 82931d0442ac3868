"""`creditlake`: the operator's command line.

    creditlake run --landing DIR|s3://BUCKET/PREFIX --as-of YYYY-MM-DD --profile PROFILE --lake DIR --summary FILE [--registry DIR]
    creditlake generate --out DIR [--seed N] [--penalties N] [--penalties-only] [--defect KIND=SHARE]
    creditlake profiles list | show NAME
    creditlake dbt [--lake DIR] [--profile NAME] [--as-of YYYY-MM-DD] -- <dbt arguments>
    creditlake layouts suggest FILE --dataset DATASET      (a column map for a provider's own names)
    creditlake layouts check                               (the maps in CREDITLAKE_COLUMN_MAPS)

Other packages add their commands through the `creditlake.commands` entry point (the feeds'
serve, tokens, audit and feeds verify are `publishing.cli`'s), and checks that `run` makes
before it starts Airflow through `creditlake.run_checks`: this package imports none of them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from err


def _landing(text: str) -> Path | str:
    """A landing folder, or an `s3://bucket/prefix` URI kept as typed (creditlake.sources)."""
    from creditlake.settings import landing_location

    return landing_location(text)


def _landing_problem(location: Path | str) -> str | None:
    """Why the run cannot read its landing location (None: it can), before Airflow starts."""
    from creditlake.settings import is_s3_uri

    if not is_s3_uri(location):
        return None if location.is_dir() else f"landing folder {location} does not exist"
    from creditlake.sources import SourceError, check

    try:
        check(location)
    except SourceError as err:
        return str(err)
    return None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="creditlake", description="Public credit information platform pipeline.")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one cycle through the Airflow DAG: land, gate, build, publish")
    run.add_argument(
        "--landing",
        type=_landing,
        required=True,
        help="folder with penalties/, licenses/, ...; or s3://bucket/prefix laid out the same way",
    )
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

    layouts = sub.add_parser("layouts", help="the landing layouts and the providers' column maps")
    layouts_sub = layouts.add_subparsers(dest="layouts_command", required=True)
    suggest = layouts_sub.add_parser(
        "suggest", help="propose a column map for a file whose columns the layout does not know"
    )
    suggest.add_argument("file", type=Path, metavar="FILE")
    suggest.add_argument("--dataset", required=True, help="the dataset the file holds, e.g. penalties")
    layouts_sub.add_parser("check", help="check every column map in CREDITLAKE_COLUMN_MAPS")
    layouts.set_defaults(handler=_layouts)

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

    run.set_defaults(handler=_run)
    profiles.set_defaults(handler=_profiles)
    dbt.set_defaults(handler=_dbt)
    gen.set_defaults(handler=_generate)
    for entry in entry_points(group="creditlake.commands"):
        entry.load()(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


def _generate(args) -> int:
    from creditlake.synthetic import generate

    try:
        bad = [d for d in args.defect if "=" not in d]
        if bad:
            raise ValueError(f"--defect takes KIND=SHARE, got {', '.join(bad)}")
        defects = {k.strip(): float(v) for k, v in (d.split("=", 1) for d in args.defect)}
        out = generate(
            args.out,
            seed=args.seed,
            penalties=args.penalties,
            as_of=args.as_of,
            full=not args.penalties_only,
            licenses=args.licenses,
            court_dishonest=args.court_dishonest,
            honors=args.honors,
            events=args.events,
            formats=args.formats,
            defect_rate=args.defect_rate,
            defects=defects,
            commitments=args.commitments,
        )
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"generated extracts under {out.resolve()}")
    return 0


def _layouts(args) -> int:
    from creditlake import column_maps, landing
    from creditlake.readers import Refusal

    if args.layouts_command == "check":
        problems = column_maps.check_all({d: landing.layout(d) for d in landing.datasets()})
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if not problems:
            print(f"OK  column maps in {column_maps.folder() or '(CREDITLAKE_COLUMN_MAPS not set)'}")
        return 1 if problems else 0
    if args.dataset not in landing.datasets():
        print(f"error: no dataset {args.dataset!r}; one of {', '.join(landing.datasets())}", file=sys.stderr)
        return 2
    try:
        print(column_maps.suggest(args.file.name, args.file.read_bytes(), args.dataset), end="")
    except (OSError, Refusal) as err:
        print(f"error: {args.file}: {err}", file=sys.stderr)
        return 2
    return 0


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

    problem = _landing_problem(args.landing)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        load_profile(args.profile)  # a bad profile fails here, before Airflow starts
    except ProfileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from creditlake import column_maps, landing

    problems = column_maps.check_all({d: landing.layout(d) for d in landing.datasets()})
    for problem in problems:  # a column map the operator must fix fails here, before Airflow starts
        print(f"error: {problem}", file=sys.stderr)
    # e.g. an invalid feeds registry fails here too, naming each problem
    if problems or not all(entry.load()(args) for entry in entry_points(group="creditlake.run_checks")):
        return 2
    cfg = RunConfig(
        args.landing,  # already absolute (a folder) or a URI
        args.lake.resolve(),
        args.as_of,
        args.profile,
        args.summary.resolve() if args.summary else None,
        args.registry.resolve() if args.registry else None,
    )
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
            + (
                "; skipped " + ", ".join(f"{n} {kind}" for kind, n in f["skipped"].items())
                if f.get("skipped")
                else ""
            )
        )
    build = s.get("build") or {}
    lines.append(f"validated  raw batches gated by Great Expectations; data docs: {s['data_docs']}")
    lines.append(
        f"built      {build.get('models', 0)} dbt models, {build.get('tests', 0)} tests passed"
        if build
        else "built      nothing: the build did not run or failed"
    )
    for p in s.get("published") or []:
        lines.append(
            f"published  {p['dataset']} version {p['version']}: {p['rows']} rows"
            + (f", {p['s3_objects']} objects to S3" if p["s3_objects"] else "")
        )
    for f in s.get("feeds") or []:  # one line per licence: what it was given, or why nothing
        to = f"{f['licence']} to {f['institution']}"
        if f["status"] == "refused":
            lines.append(f"delivered  nothing: {to}: {f['why']}")
        elif f["status"] == "unchanged":
            lines.append(f"delivered  nothing new: {to}: still {f['delivery_id']} ({f['records_held']} held)")
        else:
            lines.append(
                f"delivered  {to}: {f['delivery_id']} {f['kind']}, {f['rows']} rows, "
                f"{f['withdrawals']} withdrawals ({f['records_held']} held)"
                + (f", {f['s3_objects']} objects to S3" if f["s3_objects"] else "")
            )
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


if __name__ == "__main__":
    sys.exit(main())
