import atexit
import os
import shutil
import tempfile


def _scratch(variable: str, prefix: str) -> None:
    """A temporary folder for `variable`, removed when the test run ends."""
    if variable not in os.environ:
        path = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, path, True)
        os.environ[variable] = path


# Airflow must never touch ~/airflow (or the network) during tests.
_scratch("AIRFLOW_HOME", "chanlint-airflow-home-")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
# CLI runs in tests keep their cache out of the repository's fixture folders.
_scratch("CHANLINT_CACHE_DIR", "chanlint-test-cache-")
