"""PostgreSQL schema migrations, numbered ``NNNN_name.sql`` and applied in order by ``postgres.py``.

A package (not a bare folder) so that setuptools ships the ``.sql`` files and
``importlib.resources`` finds them in an installed wheel as well as in a checkout."""
