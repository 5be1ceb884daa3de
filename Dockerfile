# One image for every threadline process; compose.yaml picks the command and the principal.
FROM python:3.11-slim
WORKDIR /opt/threadline
COPY pyproject.toml README.md ./
COPY services ./services
COPY schemas ./schemas
COPY infra ./infra
COPY protocols ./protocols
COPY models ./models
RUN pip install --no-cache-dir . && useradd --system --uid 10001 threadline
USER threadline
ENV THREADLINE_ROOT=/opt/threadline
ENTRYPOINT ["threadline"]
