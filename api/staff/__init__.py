"""Staff sign-in for browser pages: accounts, passwords, server-side sessions, CSRF (docs/staff.md)."""
