"""What the render monitor reads from the core: every job with the titles and names its table
shows, one job again with the titles still missing, creatives and names again, and the choices
for a new render.

Each read takes the view model it reads for, not its core and actor: they are looked up at each
call, as they are when the read runs (a workspace may be switched between two of them).
"""

from __future__ import annotations

from app.domain.creatives import Creative
from app.domain.enums import CreativeKind
from app.domain.errors import NotFound
from app.domain.render_jobs import RenderJob
from ui.viewmodels.render_jobs import RenderJobTableModel
from ui.viewmodels.workspace import WorkspaceViewModel

Names = tuple[dict[str, str], dict[str, str]]
"""The campaigns' titles and the members' names, by id."""
Loaded = tuple[list[RenderJob], dict[str, str], dict[str, str], dict[str, str]]
"""Every job, then the titles of their creatives, the campaigns' titles and the members' names."""
ReadJob = tuple[RenderJob | None, Creative | None, str | None]
"""A job (None: gone), its creative and its campaign's title where the table lacked them."""
Choices = tuple[list[tuple[str, str]], dict[str, list[str]]]
"""The campaigns (id, title) and the configured providers by kind, for a new render."""


async def read_all(workspace: WorkspaceViewModel) -> Loaded:
    """Every job, and the titles and names they show (the creatives of a campaign since
    deleted are left out)."""
    jobs = await workspace.core.renderer.list_jobs(workspace.actor)
    campaigns, members = await read_names(workspace)
    creatives: dict[str, str] = {}
    for campaign_id in {job.campaign_id for job in jobs}:
        try:
            listed = await workspace.core.creatives.list_creatives(workspace.actor, campaign_id)
        except NotFound:
            continue
        creatives.update((creative.id, creative.title) for creative in listed)
    return jobs, creatives, campaigns, members


async def read_names(workspace: WorkspaceViewModel) -> Names:
    """The campaigns' titles and the members' names (their id when they have none)."""
    campaigns = await workspace.core.campaigns.list_campaigns(workspace.actor)
    members = await workspace.core.workspaces.list_members(workspace.actor)
    return (
        {campaign.id: campaign.name for campaign in campaigns},
        {member.user_id: member.display_name or member.user_id for member in members},
    )


async def read_creatives(workspace: WorkspaceViewModel, creative_ids: list[str]) -> list[Creative]:
    """The creatives still there of ``creative_ids``."""
    creatives = []
    for creative_id in creative_ids:
        try:
            creatives.append(
                await workspace.core.creatives.get_creative(workspace.actor, creative_id)
            )
        except NotFound:
            continue  # deleted: its jobs keep the title they had
    return creatives


async def read_job(
    workspace: WorkspaceViewModel, job_id: str, table: RenderJobTableModel
) -> ReadJob:
    """The job, with its creative and its campaign's title when ``table`` has not got their
    titles yet (looked at once the job is read)."""
    try:
        job = await workspace.core.renderer.get_job(workspace.actor, job_id)
    except NotFound:
        return None, None, None
    creative = None
    campaign = None
    if job.creative_id not in table.creative_titles:
        try:
            creative = await workspace.core.creatives.get_creative(workspace.actor, job.creative_id)
        except NotFound:
            creative = None
    if job.campaign_id not in table.campaign_titles:
        try:
            campaign = (
                await workspace.core.campaigns.get_campaign(workspace.actor, job.campaign_id)
            ).name
        except NotFound:
            campaign = None
    return job, creative, campaign


async def read_choices(workspace: WorkspaceViewModel) -> Choices:
    """The campaigns and the configured providers, for a new render."""
    campaigns = await workspace.core.campaigns.list_campaigns(workspace.actor)
    providers = await workspace.core.renderer.providers(workspace.actor)
    return [(campaign.id, campaign.name) for campaign in campaigns], providers


async def read_renderable(workspace: WorkspaceViewModel, campaign_id: str) -> list[Creative]:
    """The campaign's image and video creatives (what can be rendered)."""
    listed = await workspace.core.creatives.list_creatives(workspace.actor, campaign_id)
    return [creative for creative in listed if creative.kind is not CreativeKind.TEXT]
