"""Settings, read from the environment in this package only.

`dev` is the embedded default (SQLite, Celery over a folder), `production` needs PostgreSQL and Redis,
`test` is what pytest uses.
"""
