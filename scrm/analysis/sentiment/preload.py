"""Imported once by the scoring workers' forkserver: every model is loaded before a worker is forked.

Each worker then starts with the fast models and lingua's precise detection
models already in memory (shared copy-on-write), instead of importing this
package and loading them itself (about 1.5 s of CPU per worker for the
precise models alone). See :func:`scrm.analysis.sentiment._worker_context`.
"""

from __future__ import annotations

from scrm.analysis.sentiment import _warm_up, language

_warm_up()
language.warm_up_precise()
