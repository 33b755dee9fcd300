"""The daily pipeline as an Airflow DAG: check → repair partitions → aggregate → export CSV.

For users who run Airflow (it is not part of souk's lock): drop this file in the DAGs folder of an
Airflow whose Python can import `batch` (pip install -e services/batch) and `souk`. The tasks call
the same step functions as `souk daily`, for the run's logical date (`ds`); Airflow's retries
replace the in-process ones. Without Airflow, `python services/batch/airflow/souk_daily.py --date D`
runs the same callables in order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

DAG_ID = "souk_daily"
RETRIES = 3
RETRY_DELAY = dt.timedelta(minutes=5)


def _settings() -> Any:
    from batch.settings import batch_settings

    return batch_settings()


def _spark(settings: Any) -> Any:
    from batch.session import build_session

    return build_session(settings, f"{DAG_ID}")


def check_task(ds: str, **_: Any) -> dict[str, int]:
    """Fail (and let Airflow retry) until every hour of the day has its _SUCCESS marker."""
    from batch.daily import check_complete

    return check_complete(_settings(), ds)


def repair_task(ds: str, **_: Any) -> dict[str, list[int]]:
    from batch.daily import repair_partitions

    settings = _settings()
    return repair_partitions(_spark(settings), settings, ds)


def aggregate_task(ds: str, **_: Any) -> dict[str, int]:
    from batch.daily import aggregate

    settings = _settings()
    return aggregate(_spark(settings), settings, ds).views


def export_task(ds: str, **_: Any) -> str:
    from batch.daily import export

    settings = _settings()
    return export(_spark(settings), settings, ds)


STEPS = (("check", check_task), ("repair_partitions", repair_task), ("aggregate", aggregate_task), ("export_csv", export_task))


def build_dag() -> Any:
    """The DAG object (imports Airflow, so only where Airflow is installed)."""
    from airflow import DAG
    from airflow.operators.python import PythonOperator

    with DAG(
        dag_id=DAG_ID,
        description="souk: check the day's archive, repair partitions, aggregate the views, export the revenue CSV",
        schedule="@daily",
        start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        catchup=False,
        default_args={"retries": RETRIES, "retry_delay": RETRY_DELAY},
        tags=["souk"],
    ) as dag:
        previous = None
        for task_id, fn in STEPS:
            task = PythonOperator(task_id=task_id, python_callable=fn)
            if previous is not None:
                previous >> task
            previous = task
    return dag


try:
    import airflow  # noqa: F401
except ImportError:
    dag = None
else:
    dag = build_dag()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="run the DAG's callables in order, without Airflow")
    parser.add_argument("--date", required=True)
    date = parser.parse_args().date
    for _name, step in STEPS:
        step(ds=date)
