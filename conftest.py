pytest_plugins = ["souk.testing.plugin"]
