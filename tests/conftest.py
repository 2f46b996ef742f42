import os
import tempfile

# Airflow must never touch ~/airflow (or the network) during tests.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="chanlint-airflow-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
