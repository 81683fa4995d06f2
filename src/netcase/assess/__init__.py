"""Assessment: per-network indicators (people moved, harm, revenue, links, reach, trend) and a
priority score whose weights the task force sets in ``priority.toml``; every factor carries the
statement ids behind it."""
