# scrm in a container: the Streamlit app by default, and with another command any
# `python -m scrm ...` (compose.yaml runs the scoring loop that way).
#   docker build -t scrm .
#   docker run -d -p 8501:8501 -v scrm-data:/data scrm
# or, for the app and the scoring loop together: docker compose up -d (README, "Run it in a container").
FROM python:3.11-slim-bookworm

# The exact versions of requirements.lock (generated from requirements.txt and requirements-postgres.txt
# by uv, so one image serves SQLite and PostgreSQL; every file
# checked against its hash), installed before the code so that a code change reuses this layer.
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --disable-pip-version-check --require-hashes -r requirements.lock

# A user without privileges owns only the data volume; the code stays root's, read-only to it.
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin scrm \
    && mkdir -p /data \
    && chown scrm:scrm /data

# The app from a checkout: router, pages, engine, icon and samples, Streamlit settings.
# Never a database or a secrets file (.dockerignore); secrets are mounted at run time.
COPY LICENSE README.md app.py ./
COPY .streamlit/config.toml .streamlit/config.toml
COPY pages/ pages/
COPY scrm/ scrm/
COPY data/ data/

# SCRM_DB: the database lives on the volume, never in the image.
# OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS: single-threaded BLAS and OpenMP
# (k-means, NMF, the CLV fits), much faster than oversubscribed threads on a small machine.
# STREAMLIT_SERVER_HEADLESS, STREAMLIT_SERVER_FILE_WATCHER_TYPE: no browser to open and no
# code that changes, so nothing to watch.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SCRM_DB=/data/scrm.db \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none

VOLUME ["/data"]
USER scrm
EXPOSE 8501

# Streamlit's own health route answers 200 once the server runs (no sign-in needed); the
# slim image has no curl, so Python's urllib asks (exit 1 on an error or another status).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=5).status == 200 else 1)"]

CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
