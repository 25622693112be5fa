# The loader as an image: `docker run --rm --network clickhouse_default --env-file secrets/.env.qtickets_api qtickets_api:latest --verbose`
# A server install: no embedded engine (chdb-core is the `embedded` extra), so CLICKHOUSE_HOST must name a server.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt -r requirements.txt
COPY integrations ./integrations
RUN useradd --system --uid 10001 zakaz && mkdir -p /app/var && chown zakaz /app/var
USER zakaz
ENTRYPOINT ["python", "-m", "integrations.qtickets_api.loader"]
