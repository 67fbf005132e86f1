"""Test-only hooks: installed only when their environment variable is set (end-to-end tests read the JSON they write)."""
