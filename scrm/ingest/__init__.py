"""Importers: files and exports -> canonical rows -> the store.

>>> from scrm.db import store
>>> from scrm.ingest import import_file
>>> db = store.open_db(":memory:")
>>> import_file(db, b"order_id,date,amount\\n1,2024-03-05,12.5\\n", "orders", file_name="o.csv").new
1
"""

from scrm.ingest.pipeline import ImportResult, Preview, import_file, import_frame, preview_file, read_source

__all__ = ["ImportResult", "Preview", "import_file", "import_frame", "preview_file", "read_source"]
