"""The sync APIs that existing apps speak: Google Reader, Fever and Miniflux's REST API.
Each is a frontend of its own, with one route table, beside the web UI."""
