"""The `zigbridge` command line."""
