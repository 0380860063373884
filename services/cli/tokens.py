"""`ims token create|revoke|list`: the printed token is shown once; only its hash is stored."""

from __future__ import annotations

import argparse
import json
import sys

from services.common.settings import Settings


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    token = commands.add_parser("token", help="create, revoke or list API tokens")
    verbs = token.add_subparsers(dest="verb", required=True)
    create = verbs.add_parser("create", help="print a new token (shown once)")
    create.add_argument("--role", required=True, choices=["admin", "filer", "recipient", "supplier"])
    create.add_argument("--gstin", action="append", default=[], help="repeat for several GSTINs")
    create.add_argument("--expires", default=None, help="e.g. 30d, 12h, 45m (default: never)")
    create.add_argument("--subject", default=None, help="who holds it (recorded as the actor of its events)")
    create.set_defaults(handler=run_create)
    revoke = verbs.add_parser("revoke", help="revoke a token (by the token or its id); effective at once")
    revoke.add_argument("token")
    revoke.set_defaults(handler=run_revoke)
    link = verbs.add_parser("link", help="print a one-time sign-in link to the web dashboard for a token")
    link.add_argument("token", nargs="?", default=None, help="the token or its id (default: the admin token of ims up)")
    link.set_defaults(handler=run_link)
    listing = verbs.add_parser("list", help="list tokens (ids, roles, GSTINs; never the tokens)")
    listing.set_defaults(handler=run_list)


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from services.common.db import make_engine

    if not settings.database_url:
        raise SystemExit("ims token: DATABASE_URL is not set")
    return make_engine(settings.database_url, settings.db_schema)


def run_create(settings: Settings, args: argparse.Namespace) -> int:
    from services.common import tokens

    try:
        expires = tokens.parse_duration(args.expires) if args.expires is not None else None
        token_id, token = tokens.create(
            _engine(settings),
            args.role,
            args.gstin,
            args.subject or f"{args.role}:{','.join(args.gstin) or 'all'}",
            expires,
        )
    except tokens.TokenError as exc:
        print(f"ims token create: {exc}", file=sys.stderr)
        return 2
    print(f"token id {token_id} (keep the token below secret; it is not shown again)", file=sys.stderr)
    print(token)
    return 0


def run_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from services.common import tokens

    if not tokens.revoke(_engine(settings), args.token):
        print("ims token revoke: no such live token", file=sys.stderr)
        return 1
    print("revoked")
    return 0


def run_link(settings: Settings, args: argparse.Namespace) -> int:
    """The link works once, within 15 minutes, and opens a session scoped to the token (services/web/sessions.py)."""
    from services.cli.up import web_base
    from services.common import tokens
    from services.web import sessions

    given = args.token
    if given is None:
        path = settings.home / "admin-token"
        if not path.exists():
            print(f"ims token link: no token given and no {path} (start `ims up` once)", file=sys.stderr)
            return 2
        given = path.read_text().strip()
    engine = _engine(settings)
    token_id = tokens.token_id_of(given)
    if not any(t["id"] == token_id and not t["revoked"] for t in tokens.list_tokens(engine)):
        print("ims token link: no such live token", file=sys.stderr)
        return 1
    print(sessions.signin_link(engine, token_id, web_base(settings)))
    return 0


def run_list(settings: Settings, _args: argparse.Namespace) -> int:
    from services.common import tokens

    print(json.dumps(tokens.list_tokens(_engine(settings)), indent=1))
    return 0
