"""The lifecycle app's models, one module per part (each part's own models.py)."""
