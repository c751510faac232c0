"""pytest-vftest: the pytest plugin that collects and runs `*.vftest.yaml` suites."""
