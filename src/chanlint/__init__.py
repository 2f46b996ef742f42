"""chanlint: which supervisor channels does your Airflow 3 callback, trigger and parse-time code use?"""

__version__ = "0.1.0"
