"""``campaign-studio members``: an operator lists a workspace's members and adds its first admin."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.adapters.sqlite import DATABASE_FILENAME, SqliteStore
from app.cli import main
from app.domain import Role


def test_members_add_gives_a_workspace_without_members_its_first_admin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "members", "list", "--workspace", "acme"]) == 0
    assert "the workspace acme has no members" in capsys.readouterr().out
    assert main([*data, "members", "add", "ana", "--role", "admin", "--workspace", "acme"]) == 0
    assert "ana is now a member of the workspace acme: admin" in capsys.readouterr().out
    assert (
        main(
            [
                *data,
                "members",
                "add",
                "bea",
                "--role",
                "editor",
                "--role",
                "approver",
                "--workspace",
                "acme",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main([*data, "members", "list", "--workspace", "acme"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["ana", "admin"], ["bea", "approver,"]]

    assert main([*data, "members", "add", "ana", "--role", "viewer", "--workspace", "acme"]) == 1
    assert "ana is already a member of the workspace acme" in capsys.readouterr().err

    asyncio.run(_check_stored(tmp_path))


async def _check_stored(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / DATABASE_FILENAME)
    await store.open()
    try:
        ana = await store.members.find("acme", "ana")
        assert ana is not None
        assert ana.roles == {Role.ADMIN}
        assert (await store.workspaces.get("acme", "acme")).name == "acme"
        [latest, *_] = await store.activity.list("acme")
        assert (latest.action, latest.actor_id.startswith("operator:")) == ("member.added", True)
    finally:
        await store.close()


def test_members_add_needs_a_known_role_and_a_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    with pytest.raises(SystemExit):
        main([*data, "members", "add", "ana", "--role", "owner", "--workspace", "acme"])
    with pytest.raises(SystemExit):
        main([*data, "members", "add", "ana", "--role", "admin"])
    assert "invalid choice: 'owner'" in capsys.readouterr().err
