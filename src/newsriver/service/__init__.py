"""Use-cases shared by every frontend (CLI, web UI, APIs): each takes a `Database` and
plain arguments, opens its own transaction, and raises only `newsriver.errors`."""
