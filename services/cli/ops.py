"""Operator commands: `ims tick`, `ims counts`, `ims act`, `ims demo`, and the daily scheduler."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import date

from services.common.settings import Settings


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tick = commands.add_parser("tick", help="append the time events due up to DATE (cut-offs, windows)")
    tick.add_argument("date", type=date.fromisoformat)
    tick.set_defaults(handler=run_tick)
    counts = commands.add_parser("counts", help="print a recipient's IMS dashboard like the portal's")
    counts.add_argument("gstin")
    counts.add_argument("--rtnprd", default=None)
    counts.set_defaults(handler=run_counts)
    act = commands.add_parser("act", help="accept / reject / pending / reset documents in bulk")
    act.add_argument("gstin")
    act.add_argument("action", choices=["accept", "reject", "pending", "reset"])
    act.add_argument("--supplier", default=None)
    act.add_argument("--section", default=None)
    act.add_argument("--rtnprd", default=None)
    act.add_argument("--remarks", default=None)
    act.set_defaults(handler=run_act)
    demo = commands.add_parser("demo", help="load a realistic synthetic data set through the ingest path")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(handler=run_demo)
    scheduler = commands.add_parser(
        "scheduler", help="append ClockAdvanced once a day; run the snapshot step every IMS_SNAPSHOT_INTERVAL_S"
    )
    scheduler.set_defaults(handler=run_scheduler)
    snapshot = commands.add_parser("snapshot", help="take the as-of snapshots due (what the scheduler runs)")
    snapshot.add_argument("gstins", nargs="*", help="only these recipients (default: every one with new events)")
    snapshot.add_argument("--drop", action="store_true", help="drop every snapshot instead (they are derived)")
    snapshot.set_defaults(handler=run_snapshot)


def _container(settings: Settings):  # type: ignore[no-untyped-def]
    from services.bootstrap import build_container

    return build_container(settings)


def run_tick(settings: Settings, args: argparse.Namespace) -> int:
    from services.actions.views.supplier import advance_clock

    container = _container(settings)
    try:
        count = advance_clock(container, args.date.isoformat(), "cli")
    finally:
        container.close()
    print(f"clock advanced to {args.date.isoformat()} for {count} recipient(s)")
    return 0


def render_counts(gstin: str, counts: dict) -> str:  # type: ignore[type-arg]
    from services.common.gst.sections import SECTIONS

    group_titles = {
        "all_oth": "All Other ITC",
        "inv_supp_isd": "Inward Supplies from ISD",
        "imp_gds": "Import of Goods",
    }
    header = f"{'':38}{'No Action':>10}{'Accepted':>10}{'Rejected':>10}{'Pending':>10}"
    lines = [f"IMS dashboard for {gstin}", header]
    current = None
    for section in SECTIONS:
        if section.group != current:
            current = section.group
            lines.append(group_titles[current])
        row = counts[section.group][section.key]
        lines.append(
            f"  {section.heading:36}{row['noaction']:>10}{row['accept']:>10}{row['reject']:>10}{row['pending']:>10}"
        )
    return "\n".join(lines)


def run_counts(settings: Settings, args: argparse.Namespace) -> int:
    from services.actions.views.queries import counts
    from services.common.gst.gstin import InvalidGstin, parse_gstin

    try:
        gstin = parse_gstin(args.gstin).value
    except InvalidGstin as exc:
        print(f"ims counts: gstin: {exc}", file=sys.stderr)
        return 2
    container = _container(settings)
    try:
        print(render_counts(gstin, counts(container.engine, gstin, args.rtnprd)))
    finally:
        container.close()
    return 0


ACTIONS = {"accept": "A", "reject": "R", "pending": "P", "reset": "N"}


def run_act(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from services.actions.commands import handlers
    from services.actions.views import queries, reqsts
    from services.bootstrap import command_ports
    from services.common.gst.gstin import InvalidGstin, parse_gstin

    try:
        gstin = parse_gstin(args.gstin).value
        supplier = parse_gstin(args.supplier).value if args.supplier else None
    except InvalidGstin as exc:
        print(f"ims act: {exc}", file=sys.stderr)
        return 2
    container = _container(settings)
    try:
        selection = queries.Selection(gstin, args.section, None, supplier, args.rtnprd)
        ports = command_ports(container)
        items = handlers.bulk_items(ports.documents, selection, ACTIONS[args.action], args.remarks, None)
        checked = handlers.check_items(ports.documents, ports.clock, gstin, items)
        answer = reqsts.gstn_answer(handlers.submit(ports.log, gstin, "BULK", checked, "cli", None))
    finally:
        container.close()
    print(json.dumps(answer, indent=1))
    return 0


def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from services.cli.progress import bar
    from services.demo.seed import filings_of, load_demo

    container = _container(settings)
    try:
        with bar(filings_of(args.seed), "demo filings", "filing") as shown:
            for line in load_demo(container, args.seed):
                shown.write(json.dumps(line), file=sys.stdout)
                shown.update(1)
    finally:
        container.close()
    return 0


def run_snapshot(settings: Settings, args: argparse.Namespace) -> int:
    from services.actions.views import snapshot_step

    container = _container(settings)
    try:
        if args.drop:
            print(f"dropped {snapshot_step.drop_all(container)} snapshot(s)")
            return 0
        built = snapshot_step.run_pass(container, args.gstins or None)
    finally:
        container.close()
    for snapshot in built:
        print(f"{snapshot.recipient}: snapshot after {snapshot.events} events ({snapshot.schema})")
    print(f"{len(built)} snapshot(s) taken")
    return 0


def _snapshot_loop(container, stop: threading.Event) -> None:  # type: ignore[no-untyped-def]
    """The snapshot step on its own thread: a long copy must not hold up the clock."""
    import structlog

    from services.actions.views import snapshot_step

    log = structlog.get_logger()
    while not stop.wait(container.settings.snapshot_interval_s):
        try:
            snapshot_step.run_pass(container)
        except Exception as exc:  # derived state: the next pass tries again
            log.error("snapshot_step_failed", error=str(exc).splitlines()[0])


def run_scheduler(settings: Settings, _args: argparse.Namespace) -> int:
    """Time enters the system here, as events: once at start and whenever the date changes in India. The
    as-of snapshot step runs beside it."""
    import structlog

    from services.actions.views.supplier import advance_clock
    from services.common.gst.periods import gst_today

    log = structlog.get_logger()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    container = _container(settings)
    last: date | None = None
    snapshots = threading.Thread(target=_snapshot_loop, args=(container, stop), name="snapshots", daemon=True)
    snapshots.start()
    try:
        while not stop.is_set():
            today = gst_today()
            if today != last:
                try:
                    count = advance_clock(container, today.isoformat(), "scheduler")
                    log.info("clock_advanced", date=today.isoformat(), recipients=count)
                    last = today
                except Exception as exc:  # keep ticking: PostgreSQL or the broker may be back in seconds
                    log.error("clock_advance_failed", error=str(exc).splitlines()[0] if str(exc) else repr(exc))
            stop.wait(60 if last == today else 5)
    finally:
        container.close()
    return 0
