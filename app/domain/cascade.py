"""What saving a new strategy version would reset, told before it is saved."""

from __future__ import annotations

from pydantic import Field

from app.domain.common import FrozenModel
from app.domain.enums import ApprovalScope, ApprovalState


class ApprovalReset(FrozenModel):
    """One approval a new strategy version sends back: its ``scope``, its ``state`` now and
    the state it goes to (``to_state``)."""

    scope: ApprovalScope
    state: ApprovalState
    to_state: ApprovalState


class CascadePreview(FrozenModel):
    """What saving a new strategy version now would set off.

    ``version`` is the version the save would make (1 when the campaign has no strategy yet,
    which resets nothing), ``approvals`` the approvals it sends back (strategy first) and
    ``stale_creatives`` how many creatives would become stale.
    """

    version: int = Field(ge=1)
    approvals: tuple[ApprovalReset, ...] = ()
    stale_creatives: int = Field(default=0, ge=0)
