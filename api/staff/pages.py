"""Staff pages' common parts, for pages (entry layer): the frame, the shared script and the table of
staff pages live in api/staff/frame.py (imported by api.staff.auth too); this module re-exports them."""

from __future__ import annotations

from api.staff.frame import LOGIN_BODY, LOGIN_JS, STAFF_JS, STAFF_PAGES, STYLE, StaffPageLink, page

__all__ = ["LOGIN_BODY", "LOGIN_JS", "STAFF_JS", "STAFF_PAGES", "STYLE", "StaffPageLink", "page"]
