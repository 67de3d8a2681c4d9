"""Runs the integration tests (tests/integration/test_*.py) and prints the summary
line "integration: N passed, N failed, N skipped".  Arguments: optional substrings;
only test modules or test ids containing one of them are run."""
import glob
import importlib
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class Result(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = 0
        self.t0 = {}

    def startTest(self, test):
        self.t0[test] = time.monotonic()
        super().startTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1

    def stopTest(self, test):
        super().stopTest(test)
        dt = time.monotonic() - self.t0.pop(test, time.monotonic())
        if dt > 5:
            self.stream.write("  (slow: %s took %.1fs)\n" % (test.id(), dt))


def main():
    filters = sys.argv[1:]
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    errors = 0
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        try:
            mod = importlib.import_module(name)
        except Exception as e:  # a broken test module counts as a failure
            print("integration: cannot import %s: %s" % (name, e), file=sys.stderr)
            errors += 1
            continue
        for test in _flatten(loader.loadTestsFromModule(mod)):
            if not filters or any(f in test.id() for f in filters):
                suite.addTest(test)
    t0 = time.monotonic()
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Result)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses) + errors
    print("integration: took %.0fs" % (time.monotonic() - t0))
    print("integration: %d passed, %d failed, %d skipped"
          % (res.passed + len(res.expectedFailures), failed, len(res.skipped)))
    return 1 if failed else 0


def _flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t


if __name__ == "__main__":
    sys.exit(main())
