"""Stage 1: find the Python files to scan and the import roots Airflow would put on sys.path."""
