"""Load the keys a fetched chunk of rows needs in one keystore query, before any value is decrypted.

Without this a page of 50 patients read with a cold key cache makes 100 keystore queries
(each patient has a subject key; each unwrap also read its KEK); with it, two.
"""
from django.db.models.sql import Query
from django.db.models.sql.constants import MULTI

from klinika.crypto import keystore


class KeyPreloadingQuery(Query):
    """A Query whose compilers preload keys for the encrypted columns they select."""

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler = super().get_compiler(using, connection, elide_empty)
        execute_sql = compiler.execute_sql

        def execute_and_preload(result_type=MULTI, *args, **kwargs):
            results = execute_sql(result_type, *args, **kwargs)
            if result_type != MULTI or results is None:
                return results
            positions = _encrypted_positions(compiler)
            if not positions:
                return results
            if isinstance(results, list):  # non-chunked reads: all chunks are in memory already
                _preload(results, positions)
                return results
            return _preloading(results, positions)

        compiler.execute_sql = execute_and_preload
        return compiler


def _encrypted_positions(compiler) -> list[int]:
    from klinika.crypto.fields import EncryptedField

    return [i for i, (expression, _sql, _alias) in enumerate(compiler.select[:compiler.col_count])
            if isinstance(getattr(expression, "target", None), EncryptedField)]


def _preload(chunks, positions):
    try:  # sqlite3 and psycopg 3 give bytes: slicing them is cheapest
        raw_ids = {value[1:17] for chunk in chunks for row in chunk for i in positions if (value := row[i]) is not None}
    except TypeError:  # unhashable memoryview slices from another driver
        raw_ids = {bytes(value[1:17]) for chunk in chunks for row in chunk for i in positions
                   if (value := row[i]) is not None}
    keystore.preload(raw_ids)


def _preloading(chunks, positions):
    for chunk in chunks:
        _preload((chunk,), positions)
        yield chunk
