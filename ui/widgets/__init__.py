"""Reusable widgets without knowledge of the core (gauges, cards, calendars, badges)."""
