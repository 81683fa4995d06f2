"""The brief step of ``netcase demo``: the leadership brief as PDF and HTML, read as the demo supervisor."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netcase.demo import DemoContext


def demo_step(ctx: DemoContext) -> None:
    """Write OUT/brief.pdf and OUT/brief.html for the demo supervisor."""
    from netcase.access.identity import viewer_for
    from netcase.report.brief import write_brief
    from netcase.web.demo import create_demo_users

    users = {u.role: u for u in create_demo_users(ctx.store)}
    viewer = viewer_for(ctx.store, users["supervisor"].username)
    for name in ("brief.pdf", "brief.html"):
        path = write_brief(ctx.store, viewer, ctx.out / name)
        ctx.console.print(f"leadership brief: {path} ({path.stat().st_size:,} bytes), read as {viewer.user}")
