"""The `creditlake` commands of the feeds to credit service institutions, registered into the
core command line (`creditlake.cli`) through the `creditlake.commands` entry point: the core
never imports this package. The registry is `--registry DIR` or `CREDITLAKE_REGISTRY`.

    creditlake serve --lake DIR [--registry DIR] [--host 127.0.0.1] [--port 8080] [--public-url URL]
                     [--tls-cert FILE --tls-key FILE]
    creditlake tokens issue --lake DIR --institution USCC --profile-file FILE [--days N] [--endpoint URL]
    creditlake tokens list --lake DIR
    creditlake tokens revoke --lake DIR TOKEN_ID
    creditlake audit verify --lake DIR [--head FILE]
    creditlake audit head --lake DIR [--out FILE]      (the MAC'd head to publish)
    creditlake audit who-read SUBJECT --lake DIR       (who saw a subject's records, and when)
    creditlake feeds verify DIR (--key FILE | --key-set FILE) [--institution USCC]   (what an institution runs)
    creditlake feeds rotate-key --lake DIR     (a new signing key; the old one retired in the key set)
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The feeds commands, each with its handler (`handler`)."""
    serve = sub.add_parser(
        "serve", help="serve the licences as Delta Sharing shares to institutions (pull API)"
    )
    serve.add_argument("--lake", type=Path, required=True, help="lake whose feeds are shared")
    _registry_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--profile", default="national", help="jurisdiction profile (default: national)")
    serve.add_argument(
        "--public-url",
        help="the https URL institutions reach (a TLS proxy in front), for file links; required off loopback",
    )
    serve.add_argument("--tls-cert", type=Path, help="serve TLS with this certificate (PEM)")
    serve.add_argument("--tls-key", type=Path, help="the TLS certificate's private key (PEM)")

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
    tokens_sub.add_parser(
        "list", help="every token: id, institution, expiry, revoked (never the token)"
    ).add_argument("--lake", type=Path, required=True)
    revoke = tokens_sub.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("--lake", type=Path, required=True)
    revoke.add_argument("token_id", metavar="TOKEN_ID")

    audit = sub.add_parser("audit", help="the access log of deliveries and API requests")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_verify = audit_sub.add_parser(
        "verify", help="check the MAC chain: any edited, deleted or forged entry fails"
    )
    audit_verify.add_argument("--lake", type=Path, required=True)
    audit_verify.add_argument(
        "--head",
        type=Path,
        help="the last published head (audit head): also fails if the log no longer reaches it",
    )
    audit_head = audit_sub.add_parser("head", help="the log's MAC'd head, to publish outside the platform")
    audit_head.add_argument("--lake", type=Path, required=True)
    audit_head.add_argument("--out", type=Path, help="also write it to this file")
    prune = audit_sub.add_parser(
        "prune",
        help="delete the log's whole segments older than a date and outside the profile's retention",
    )
    prune.add_argument("--lake", type=Path, required=True)
    prune.add_argument(
        "--before",
        type=date.fromisoformat,
        required=True,
        metavar="YYYY-MM-DD",
        help="the oldest day to keep",
    )
    prune.add_argument("--profile", default="national", help="whose query_log_retention applies")
    who_read = audit_sub.add_parser(
        "who-read", help="which institution, token and request read a subject's records, and when"
    )
    who_read.add_argument("subject", metavar="SUBJECT", help="the subject key (USCC or ID number)")
    who_read.add_argument("--lake", type=Path, required=True)

    feeds = sub.add_parser("feeds", help="push deliveries to institutions")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", required=True)
    verify = feeds_sub.add_parser(
        "verify", help="check a delivery's signature and file hashes (what institutions run)"
    )
    verify.add_argument(
        "path", type=Path, metavar="DIR", help="a delivery folder, its manifest.json, or a licence folder"
    )
    key = verify.add_mutually_exclusive_group(required=True)
    key.add_argument(
        "--key",
        type=Path,
        help="the platform's Ed25519 public key (.pub.pem) or, for HMAC feeds, the shared secret file",
    )
    key.add_argument(
        "--key-set",
        type=Path,
        metavar="FILE",
        help="the platform's key set (keys.json): each delivery verified with the key it names",
    )
    verify.add_argument(
        "--institution", metavar="USCC", help="also check the delivery is addressed to this USCC"
    )
    feeds_sub.add_parser(
        "rotate-key",
        help="make a new Ed25519 signing key and retire the old one in the key set (keys.json)",
    ).add_argument("--lake", type=Path, required=True, help="lake whose keys (keys/feeds) are rotated")
    serve.set_defaults(handler=_serve)
    tokens.set_defaults(handler=_tokens)
    audit.set_defaults(handler=_audit)
    feeds.set_defaults(handler=_feeds)


def check_run(args: argparse.Namespace) -> bool:
    """Before `creditlake run` starts Airflow: a registry it names must load, under the run's
    profile; False after printing each problem."""
    return not args.registry or _registry(args) is not None


def _registry_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--registry", type=Path, help="feeds registry folder (default: CREDITLAKE_REGISTRY)")


def _registry(args):
    """The registry named by --registry or CREDITLAKE_REGISTRY, loaded and validated; None after
    printing why. The example registry is never a silent default: its institutions are invented."""
    from creditlake.jurisdiction import ProfileError
    from publishing.registry import RegistryError, configured_root, load_registry

    root = configured_root(args.registry)
    if root is None:
        print(
            "error: no registry: pass --registry DIR or set CREDITLAKE_REGISTRY "
            "(publishing/registry_example is an example)",
            file=sys.stderr,
        )
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
    from publishing.sharing import PREFIX, serve, serving_refusal

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
    refusal = serving_refusal(args.host, args.public_url, args.tls_cert, args.tls_key)
    if refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    scheme = "https" if args.tls_cert else "http"
    print(
        f"Delta Sharing endpoint  {scheme}://{args.host}:{args.port}{PREFIX}  (registry {registry.root})",
        flush=True,
    )
    serve(
        _lake_config(args.lake, args.profile),
        registry,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )
    return 0


def _tokens(args) -> int:
    import json
    import os

    from publishing.audit import now_china
    from publishing.registry import active_licences
    from publishing.sharing import issue_token, profile, read_tokens, revoke_token, tokens_path

    cfg = _lake_config(args.lake)
    path = tokens_path(cfg)
    if args.tokens_command == "list":
        for t in read_tokens(path):
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
    shares = [
        lic.id
        for lic in active_licences(registry, now_china().date())
        if lic.institution == args.institution and lic.pulled
    ]
    print(
        f"token id      {record['id']}  (institution {record['institution']}, expires {record['expires_at']})"
    )
    print(f"bearer token  {token}")
    print(
        "              shown once: only its sha256 is kept. Revoke with: creditlake tokens revoke "
        f"--lake {args.lake} {record['id']}"
    )
    print(f"profile file  {args.profile_file.resolve()}  (give it to the institution over a secure channel)")
    print(f"shares        {', '.join(shares) if shares else 'none in force today'}")
    if not shares:
        print(
            f"warning: institution {args.institution} has no pull licence in force today: "
            "the token lists no share until it has one",
            file=sys.stderr,
        )
    return 0


def _audit(args) -> int:
    from publishing.audit import audit_root

    cfg = _lake_config(args.lake)
    root, lake = audit_root(cfg), cfg.lake
    if not root.is_dir():
        print(f"error: no access log at {root}", file=sys.stderr)
        return 1
    if args.audit_command == "head":
        return _audit_head(root, args.out, lake)
    if args.audit_command == "who-read":
        return _who_read(root, args.subject)
    if args.audit_command == "prune":
        return _audit_prune(root, args.before, args.profile, lake)
    return _audit_verify(root, args.head, lake)


def _audit_verify(root: Path, head_file: Path | None, lake: Path) -> int:
    import json

    from publishing.audit import segments, verify

    head = None
    if head_file is not None:
        try:
            head = json.loads(head_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            print(f"error: cannot read the published head {head_file}: {err}", file=sys.stderr)
            return 2
    ok, problems = verify(root, head=head, lake=lake)
    if not ok:
        for problem in problems:
            print(f"FAILED  {problem}", file=sys.stderr)
        print(f"the access log at {root} does not verify: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    found = segments(root)
    entries = sum(1 for _, file in found for line in file.read_bytes().split(b"\n") if line.strip())
    reaches = f", reaches the published head (seq {head['seq']})" if head else ""
    print(f"OK  {entries} entries in {len(found)} segment(s) under {root}, MAC chain intact{reaches}")
    return 0


def _audit_prune(root: Path, before, profile: str, lake: Path) -> int:
    import json

    from publishing.audit import AuditError, prune_before

    try:
        report = prune_before(root, before, profile=profile, lake=lake)
    except AuditError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _audit_head(root: Path, out: Path | None, lake: Path) -> int:
    import json

    from publishing.audit import AuditError, head_for_publication

    try:
        head = head_for_publication(root, lake=lake)
    except AuditError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    text = json.dumps(head, ensure_ascii=False, indent=2) + "\n"
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


def _who_read(root: Path, subject: str) -> int:
    """Each read that served the subject's records: when, institution, token, client, what."""
    from publishing.audit import verify, who_read

    ok, problems = verify(root)
    for entry in who_read(root, subject):
        read = entry.get("read") or {}
        what = (
            f"delivery {read['delivery_id']}" if read.get("delivery_id") else f"file {read.get('file', '?')}"
        )
        print(
            f"{entry['time']}  institution {entry['institution']}  licence {entry['licence']}  "
            f"purpose {entry['purpose']}  token {entry.get('token') or '-'}  "
            f"client {entry.get('client') or '-'}  {what}  ({entry.get('request') or entry['action']})"
        )
    if not ok:
        print(
            f"warning: the access log at {root} does not verify ({len(problems)} problem(s)): "
            "run creditlake audit verify; this answer may be incomplete",
            file=sys.stderr,
        )
        return 1
    return 0


def _feeds(args) -> int:
    if args.feeds_command == "rotate-key":
        return _rotate_key(args)
    return _verify_feed(args)


def _verify_feed(args) -> int:
    from publishing.feeds import KeySet, verify_path

    if not args.path.exists():
        print(f"error: {args.path} does not exist", file=sys.stderr)
        return 2
    key_file = args.key or args.key_set
    if not key_file.is_file():
        print(f"error: key file {key_file} does not exist", file=sys.stderr)
        return 2
    try:
        key = KeySet.load(args.key_set) if args.key_set else args.key
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    ok, problems = verify_path(args.path, key, institution=args.institution)
    if not ok:
        for problem in problems:
            print(f"FAILED  {problem}", file=sys.stderr)
        print(f"{args.path}: does NOT verify ({len(problems)} problem(s)): do not use it", file=sys.stderr)
        return 1
    print(f"OK  {args.path}: signature and every file's sha256 and row count match the manifest")
    return 0


def _rotate_key(args) -> int:
    from publishing.feeds import FeedError, FeedKeys

    keys = FeedKeys.for_run(_lake_config(args.lake))
    try:
        retired, new = keys.rotate()
    except FeedError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if retired:
        print(f"retired  key {retired}  (deliveries it signed still verify with the key set)")
    print(f"signing  key {new}")
    print(f"key set  {keys.key_set_path}  (give it to every institution: feeds verify --key-set)")
    return 0
