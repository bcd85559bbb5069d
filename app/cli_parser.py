"""The ``campaign-studio`` command line's grammar, kept light: the desktop window's start reads
its options before the core (pydantic models, settings, adapters) is imported."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.config import AppSettings

DISTRIBUTION = "campaign-studio"
"""The installed distribution whose metadata carries the version (pyproject's ``version``)."""

ROLE_NAMES = ("viewer", "editor", "approver", "admin")
"""``Role``'s values (a test keeps them equal), without importing the domain models."""


def app_version() -> str:
    """The installed version, read from the distribution's metadata: pyproject is its one
    source, and a frozen build carries a copy of that metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


class _ShowVersion(argparse.Action):
    """``--version``: the version is looked up only when asked for (a start does not pay)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"{parser.prog} {app_version()}")
        parser.exit()


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="campaign-studio",
        description="Campaign Studio: plan, approve, render and publish marketing campaigns.",
    )
    _global_options(parser, None)
    parser.add_argument("--version", action=_ShowVersion, help="show the version and exit")
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
    commands.add_parser(
        "self-test",
        parents=[common],
        help="check this installation: render an image and a video on a temporary data folder",
    )
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
        choices=ROLE_NAMES,
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


def settings_from(args: argparse.Namespace) -> AppSettings:
    """The settings the parsed options name (``--config``, ``--data-dir``), read now."""
    from app.config import CONFIG_FILE_ENV, AppSettings
    from app.domain.errors import ConfigurationError

    if args.config is not None:
        # Named on purpose, so a typo must not quietly mean "the defaults".
        if not args.config.is_file():
            what = "a folder" if args.config.is_dir() else "missing"
            raise ConfigurationError(f"the config file {args.config} is {what}")
        os.environ[CONFIG_FILE_ENV] = str(args.config)
    overrides = {"data_dir": args.data_dir} if args.data_dir is not None else {}
    return AppSettings(**overrides)
