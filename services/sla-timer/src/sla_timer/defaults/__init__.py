"""The policy set shipped with the service (YAML data), loaded at first start."""
