"""pytest options for the notebook tests."""
def pytest_addoption(parser):
    parser.addoption("--nbflags", default="", help="space-separated nbdev test flags to run (e.g. 'slow'); "
                     "cells with other flags in settings.ini's tst_flags are skipped, as in nbdev_test")
