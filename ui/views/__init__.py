"""Views: the panels, tabs and dialogs; they show view models and forward the user's actions."""
