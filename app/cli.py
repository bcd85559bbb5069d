"""The ``campaign-studio`` command: the desktop app, and sub-commands that run the core headless."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from app.bootstrap import open_core, workspace_archive
from app.config import CONFIG_FILE_ENV, AppSettings
from app.console import console_logging, plain_message
from app.demo import prepare_demo, run_demo
from app.diagnostics import diagnose, settings_report
from app.domain import Role
from app.domain.errors import AppError, ConfigurationError
from app.domain.validation import describe
from app.runtime import tune_garbage_collector
from app.services.workspace_archive import export_as_operator, import_as_operator
from app.services.workspace_service import add_member_as_operator

INTERRUPTED = 130
"""The exit status of a command stopped by Ctrl+C (128 + SIGINT), as shells report it."""


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--config", type=Path, default=default, help="config file (default: the platform's)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=default, help="data folder (overrides the setting)"
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        default=default,
        help="show the technical details (tracebacks) of logged failures",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="campaign-studio",
        description="Campaign Studio: plan, approve, render and publish marketing campaigns.",
    )
    _global_options(parser, None)
    # The same options after the sub-command; SUPPRESS leaves the main parser's value unless
    # they are given there.
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "doctor",
        parents=[common],
        help="check the settings, the data folder and the database; say what is wrong",
    )
    commands.add_parser(
        "demo",
        parents=[common],
        help="run the seed's campaign-creation and strategy-update flows end to end",
    )
    worker = commands.add_parser(
        "worker",
        parents=[common],
        help="run the render worker and the webhook relay headless (a team server)",
    )
    worker.add_argument("--no-relay", action="store_true", help="poll only; no webhook relay")
    _members_parser(commands, common)
    _workspace_parser(commands, common)
    return parser


def _members_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    members = commands.add_parser(
        "members", parents=[common], help="see a workspace's members; give one its first admin"
    )
    actions = members.add_subparsers(dest="members_command", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", parents=[common], help="add a user to a workspace (no role check: an operator's)"
    )
    add.add_argument("user", metavar="USER", help="the user id to add")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[role.value for role in Role],
        help="a role to give (repeat for several)",
    )
    listing = actions.add_parser("list", parents=[common], help="list a workspace's members")
    for action in (add, listing):
        action.add_argument("--workspace", required=True, metavar="ID", help="the workspace id")


def _workspace_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    workspace = commands.add_parser(
        "workspace",
        parents=[common],
        help="move a workspace between stores, or back it up, as one archive file",
        description="Export writes a workspace (records and media, never secrets) to one zip "
        "archive; import loads one into the configured store, e.g. from the embedded file into "
        "MongoDB and R2. Import refuses a workspace or record the store has already, and a "
        "damaged, foreign or newer archive, changing nothing. Queued and running renders are "
        "left out: render them again after the import.",
    )
    actions = workspace.add_subparsers(dest="workspace_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", parents=[common], help="write a workspace to an archive (an operator's)"
    )
    export.add_argument("--workspace", required=True, metavar="ID", help="the workspace id")
    export.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="the archive to write (default: <workspace id>.zip in the current folder)",
    )
    load = actions.add_parser(
        "import", parents=[common], help="load an archive into the configured store"
    )
    load.add_argument("archive", type=Path, metavar="FILE", help="the archive to load")


def _settings(args: argparse.Namespace) -> AppSettings:
    if args.config is not None:
        # Named on purpose, so a typo must not quietly mean "the defaults".
        if not args.config.is_file():
            what = "a folder" if args.config.is_dir() else "missing"
            raise ConfigurationError(f"the config file {args.config} is {what}")
        os.environ[CONFIG_FILE_ENV] = str(args.config)
    overrides = {"data_dir": args.data_dir} if args.data_dir is not None else {}
    return AppSettings(**overrides)


async def _doctor(settings: AppSettings) -> int:
    print("Campaign Studio doctor\n\nSettings in force:")
    for name, value in settings_report(settings):
        print(f"  {name:<26} {value}")
    print("\nChecks:")
    checks = await diagnose(settings)
    for check in checks:
        print(f"  {check.label:<4} {check.name:<12} {check.detail}")
    problems = [check for check in checks if not check.ok]
    print(f"\n{len(problems)} problem(s) found." if problems else "\nEverything works.")
    return 1 if problems else 0


async def _worker(settings: AppSettings, *, relay: bool) -> int:
    """Run until interrupted (Ctrl+C or SIGTERM), then shut down cleanly."""
    configured = settings.model_copy(update={"render_worker": True, "webhook_relay": relay})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in ("SIGINT", "SIGTERM"):
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.add_signal_handler(getattr(signal, name), stop.set)
    try:
        async with open_core(configured) as core:
            tune_garbage_collector()  # a long-running process of its own: no stalls
            providers = ", ".join(sorted(core.providers))
            print(
                f"render worker running: providers {providers}; "
                f"concurrency {configured.render_concurrency}"
            )
            if core.webhook_relay_url:
                print(
                    f"webhook relay listening on {core.webhook_relay_url} "
                    "(routes /webhooks/replicate and /webhooks/fal)"
                )
                if not configured.public_webhook_url:
                    print("no public_webhook_url: providers will not call it; polling only")
            await stop.wait()
            print("stopping: letting running renders go to another worker")
    except AppError as exc:
        print(f"campaign-studio worker: {exc.message}", file=sys.stderr)
        return 1
    return 0


WindowOpener = Callable[[AppSettings], int]
"""Shows the desktop window on these settings until it is closed; the exit status. The UI
package supplies it (``ui.launcher``): the core never imports the UI."""


def main(argv: Sequence[str] | None = None, *, open_window: WindowOpener | None = None) -> int:
    """Run the command line; returns the process exit status. Without a sub-command it opens
    the desktop window through ``open_window`` (without one, it shows the help)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None and open_window is None:
        parser.print_help()
        print("\nThe desktop window is not installed here; use a sub-command.")
        return 0
    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"campaign-studio: the settings are invalid: {describe(exc)}", file=sys.stderr)
        return 2
    except AppError as exc:
        print(f"campaign-studio: {exc.message}", file=sys.stderr)
        return 2
    with console_logging(verbose=bool(args.verbose)):
        if args.command is None and open_window is not None:
            return open_window(settings)
        try:
            return asyncio.run(_command(args, settings))
        except KeyboardInterrupt:
            # asyncio.run has cancelled the command, which closed the core on its way out.
            print("campaign-studio: interrupted", file=sys.stderr)
            return INTERRUPTED
        except (AppError, OSError) as exc:
            print(f"campaign-studio: {plain_message(exc)}", file=sys.stderr)
            return 1


async def _command(args: argparse.Namespace, settings: AppSettings) -> int:
    if args.command == "demo":
        return await _demo(settings)
    if args.command == "worker":
        return await _worker(settings, relay=not args.no_relay)
    if args.command == "members":
        return await _members(settings, args)
    if args.command == "workspace":
        return await _workspace(settings, args)
    return await _doctor(settings)


async def _members(settings: AppSettings, args: argparse.Namespace) -> int:
    async with open_core(settings.model_copy(update={"render_worker": False})) as core:
        if args.members_command == "add":
            added = await add_member_as_operator(
                core.workspaces, args.workspace, args.user, args.role
            )
            roles = ", ".join(sorted(role.value for role in added.roles))
            print(f"{added.user_id} is now a member of the workspace {args.workspace}: {roles}")
            return 0
        members = await core.store.members.list(args.workspace)
        for member in members:
            roles = ", ".join(sorted(role.value for role in member.roles))
            print(f"{member.user_id:<24} {roles:<32} {member.display_name}".rstrip())
        if not members:
            print(f"the workspace {args.workspace} has no members")
        return 0


async def _workspace(settings: AppSettings, args: argparse.Namespace) -> int:
    async with open_core(settings.model_copy(update={"render_worker": False})) as core:
        archive = workspace_archive(core)
        if args.workspace_command == "export":
            path = args.output or Path(f"{args.workspace}.zip")
            summary = await export_as_operator(archive, args.workspace, path)
            print(
                f"wrote the workspace {summary.workspace_id} ({summary.workspace_name}) to {path}"
            )
        else:
            summary = await import_as_operator(archive, args.archive)
            print(f"imported the workspace {summary.workspace_id} ({summary.workspace_name})")
        counts = ", ".join(f"{count} {kind}" for kind, count in summary.counts.items() if count)
        print(f"  {counts}; {summary.media_files} media files")
        if summary.left_out.get("render_jobs"):
            print(
                f"  {summary.left_out['render_jobs']} unfinished renders were left out: "
                "render those creatives again after the import"
            )
        return 0


async def _demo(settings: AppSettings) -> int:
    try:
        # The embedded default in <data_dir>/demo, emptied first: the last run's data goes.
        embedded = prepare_demo(settings)
        print(f"Campaign Studio demo — embedded data in {embedded.data_dir}\n")
        async with open_core(embedded) as core:
            tune_garbage_collector()  # this process is the demo's own
            await run_demo(core, print)
    except AppError as exc:
        print(f"\ndemo failed: {exc.message}", file=sys.stderr)
        return 1
    print("\nDemo finished: both seed flows worked.")
    print(f"Its data and bundles are in {embedded.data_dir}; the next demo replaces them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
