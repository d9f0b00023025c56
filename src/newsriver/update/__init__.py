"""The central use-case: fetch → parse → decide → store, and when to check a feed next."""
