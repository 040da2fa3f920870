"""证照送达: what a department completes reaches the family — an electronic result document for every
completed task, and the paper original mailed to the address chosen in the form (docs/delivery.md)."""
