"""The load runner is a command, not a test: it runs for many minutes and prints figures that
depend on the machine, so the suite must not collect it (its name matches ``*_test.py``)."""

collect_ignore = ["load_test.py"]
