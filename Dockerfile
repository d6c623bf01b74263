# The caseportal app (web and worker) for the multi-machine set-up in docker-compose.yml.
# Needs a registry for the base image; on a machine without one, use ./dev up instead.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends libjs-codemirror libpango-1.0-0 \
      libpangoft2-1.0-0 fonts-dejavu-core debootstrap && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir -e .
ENV CASEPORTAL_INSTANCE=/data
EXPOSE 5000
CMD ["caseportal", "serve", "--host", "0.0.0.0"]
