pytest_plugins = ["aftercare_platform.testing.pytest_plugin"]
