"""The 12345 hotline console: lookup while the caller talks, the guide, the situation as toggles,
the personal checklist, its printable PDF and an SMS link to it."""
