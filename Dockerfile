# The loader as an image: `docker run --rm --network clickhouse_default --env-file secrets/.env.qtickets_api qtickets_api:latest --verbose`
# By default a server install: no embedded engine (chdb-core is the `embedded` extra), so CLICKHOUSE_HOST names a server.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# requirements.txt: a server install (about 67 MB of packages); requirements-embedded.txt adds the embedded engine
# (about 931 MB: chdb-core with pandas, pyarrow and numpy): docker build --build-arg REQUIREMENTS=requirements-embedded.txt
ARG REQUIREMENTS=requirements.txt
COPY requirements.txt requirements-embedded.txt constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt -r ${REQUIREMENTS}
COPY integrations ./integrations
RUN useradd --system --uid 10001 zakaz && mkdir -p /app/var && chown zakaz /app/var
USER zakaz
ENTRYPOINT ["python", "-m", "integrations.qtickets_api.loader"]
