"""The handover export: everything a clinic owns, readable without klinika (issue 10, item 2)."""
