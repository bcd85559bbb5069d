"""Render providers."""
