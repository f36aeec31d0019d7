"""The package's tests for `make test` (tests/run.sh): every python/tests
module, those that import torch only when it is installed (`make
test-python` installs it), and one closing line "python: P passed, F
failed, S skipped" for tests/run.sh to count."""
import importlib.util
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    sys.path.insert(0, HERE)
    has_torch = importlib.util.find_spec("torch") is not None
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        with open(os.path.join(HERE, name)) as f:
            needs_torch = "import torch" in f.read()
        if needs_torch and not has_torch:
            print("python: %s needs torch (python3-torch; make test-python installs it): not run"
                  % name)
            continue
        suite.addTests(loader.loadTestsFromName(name[:-3]))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=1).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    print("python: %d passed, %d failed, %d skipped"
          % (result.testsRun - failed - skipped, failed, skipped))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
