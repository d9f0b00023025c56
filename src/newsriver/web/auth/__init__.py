"""Authentication: password hashing now; sessions, CSRF and API credentials with the web UI."""
