"""The `aftercare` command line."""
