import os
import tempfile

# Airflow must never touch ~/airflow (or the network) during tests.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="chanlint-airflow-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
# CLI runs in tests keep their cache out of the repository's fixture folders.
os.environ.setdefault("CHANLINT_CACHE_DIR", tempfile.mkdtemp(prefix="chanlint-test-cache-"))
