"""The ``campaign-studio`` command: the desktop app, and sub-commands that run the core headless."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from app.bootstrap import open_core, workspace_archive
from app.cli_parser import app_version, build_parser, settings_from
from app.config import AppSettings
from app.console import console_logging, plain_message
from app.demo import prepare_demo, run_demo
from app.diagnostics import diagnose, settings_report
from app.domain.errors import AppError
from app.domain.validation import describe
from app.runtime import tune_garbage_collector
from app.services.workspace_archive import export_as_operator, import_as_operator
from app.services.workspace_service import add_member_as_operator

INTERRUPTED = 130
"""The exit status of a command stopped by Ctrl+C (128 + SIGINT), as shells report it."""


async def _doctor(settings: AppSettings) -> int:
    print(f"Campaign Studio doctor — version {app_version()}\n\nSettings in force:")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run a sub-command; returns the process exit status. Without one it shows the help (the
    ``campaign-studio`` command itself, ``ui.launcher``, opens the desktop window then)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "self-test":  # it builds the window: the launcher runs it, with Qt
        print("campaign-studio: self-test needs the desktop app (the ui extra)", file=sys.stderr)
        return 2
    if args.command is None:
        parser.print_help()
        print("\nWithout a command, campaign-studio opens the desktop window (the ui extra).")
        return 0
    try:
        settings = settings_from(args)
    except ValidationError as exc:
        print(f"campaign-studio: the settings are invalid: {describe(exc)}", file=sys.stderr)
        return 2
    except AppError as exc:
        print(f"campaign-studio: {exc.message}", file=sys.stderr)
        return 2
    with console_logging(verbose=bool(args.verbose)):
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
