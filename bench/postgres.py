"""PostgreSQL's maintenance connection, for the bench and the test suite that create and drop whole databases."""

import dj_database_url
import psycopg


def postgres_admin_connect(url):
    """An autocommit connection to the server of database `url`, as its user, on the "postgres" database.

    CREATE and DROP DATABASE cannot run inside a transaction, nor while connected to the database they name.
    """
    config = dj_database_url.parse(url)
    return psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
