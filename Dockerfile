# The whole shop in one container: bin/start applies migrations, then runs
# the web server (hypercorn) and the worker (django-q2) under one supervisor.
# Built and run by render.yaml; elsewhere: docker build -t bookshop . and
# docker run (see README, "Deploy").
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

# WeasyPrint draws the PDF with Pango (fonts found through fontconfig, which
# these pull in) and subsets fonts with HarfBuzz; potrace traces coloring
# pages ten times faster than the vtracer fallback. The book's own fonts are
# shipped in static/fonts, copied below with the code.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 potrace \
    && rm -rf /var/lib/apt/lists/*

# A user of its own: the shop never runs as root.
RUN useradd --create-home --uid 10001 shop

WORKDIR /app
# Runtime dependencies only (test tools are in requirements-dev.txt), in a
# layer of their own so code changes do not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY bin ./bin
COPY bookshop ./bookshop
COPY orders ./orders
COPY generator ./generator
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY manage.py ./

# Static files are collected at build time into the image, compressed, and
# served by WhiteNoise. The settings refuse to load without production
# secrets, so placeholders stand in for them during this one command.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=build.invalid STRIPE_SECRET_KEY=sk_build_only \
    STRIPE_WEBHOOK_SECRET=whsec_build_only EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend \
    SITE_URL=https://build.invalid IMAGE_PROVIDER=offline VAR_DIR=/tmp/build python manage.py collectstatic --noinput \
    && rm -rf /tmp/build

# var/ holds the SQLite database and media when no DATABASE_URL or
# S3_BUCKET is set (mount a volume there to keep them).
RUN mkdir -p /app/var && chown shop:shop /app/var
USER shop

EXPOSE 8000
CMD ["bin/start"]
