# Production image for web, worker and beat (docker-compose.yml). Assets are built in a Node stage.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
RUN mkdir -p build/static/govuk \
 && npx sass --pkg-importer=node --style=compressed --no-source-map static/scss/app.scss build/static/app.css \
 && cp -R node_modules/govuk-frontend/dist/govuk/assets build/static/govuk/assets \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js build/static/govuk/

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The runtime lock, hashes checked, in its own layer (it changes less often than the code); then the project itself,
# resolving nothing.
COPY requirements/runtime.txt ./requirements/runtime.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt
COPY . .
RUN pip install --no-cache-dir --no-deps -e .
COPY --from=assets /app/build ./build
# The manifest storage production uses (DEBUG=false) needs its manifest written at build time.
RUN DEBUG=true STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage \
    python manage.py collectstatic --noinput
RUN useradd --system portal && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
