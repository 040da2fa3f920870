"""proactive service: inviting a family to the one-stop service when a death record arrives."""
