"""Subcommands of the `vftest` CLI, one module each (`add_parser` + `run`)."""
