# The two commands of the README: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-quick setup setup-dev bench-platform bench-lighthouse bench-load bench-engine bench-studio demo-models messages lint worker

$(VENV)/.run-deps: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.run-deps requirements-dev.txt
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.run-deps
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py bootstrap

setup-dev: $(VENV)/.dev-deps

# The local demo runs with DEBUG on (and a demo admin) only on a loopback HOST; any other HOST is
# reachable from elsewhere, so it gets the production defaults (DEBUG off, no demo admin).
LOOPBACK := $(filter 127.0.0.1 localhost ::1 [::1],$(HOST))
run: export DEBUG ?= $(if $(LOOPBACK),true,false)
run: export BIND_HOST := $(HOST)
run: setup
	@# Without DEBUG the site serves hashed, compressed static files from STATIC_ROOT (staticfiles/).
	@test "$$DEBUG" = true || $(PY) manage.py collectstatic --noinput -v 0
	@echo "InstantPainting is starting on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) instantpainting.asgi:application

# A scale-out worker (needs DATABASE_URL, and REDIS_URL for live events); see the README.
worker: setup
	$(PY) manage.py generation_worker

test: setup-dev
	$(PY) -m pytest -q --ignore=tests/e2e
	$(PY) -m pytest -q -p no:asyncio tests/e2e

# The suite developers run while working (under 2 minutes): everything but the tests marked
# slow (training, browser, real-process fault and scale-out tests; see tests/conftest.py).
# `make test` stays the contract.
test-quick: setup-dev
	$(PY) -m pytest -q -m "not slow" --ignore=tests/e2e

bench-platform: setup-dev
	$(PY) -m tests.bench.bench_platform

# Lighthouse's mobile audit of the create, post, share and gallery pages against a production-like
# local site (not in CI: npx fetches Lighthouse from the npm registry; needs Node and chromium).
bench-lighthouse: setup-dev
	$(PY) -m tests.bench.bench_lighthouse

# The soak/load suite of the scale-out profile (not in CI, not in `make test`; a few minutes):
# needs TEST_POSTGRES_URL and redis-server (it runs a Redis of its own, to stop and restart it).
bench-load: setup-dev
	$(PY) -m tests.bench.bench_load

# The creative studio on the CPU beside a plain generation (variations, inversion, interpolation).
bench-studio: setup
	$(PY) -m generation.engine.bench_studio

bench-engine: setup
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-bench.txt
	$(PY) -m generation.engine.bench

# Five builds: demo.toml trains one generator for all three categories from scratch (resuming from
# var/training/demo/), demo-finetune.toml fine-tunes it, demo-words.toml gives it word attention;
# then, per category, demo-recon.toml fine-tunes a generator of its own with the reconstruction
# path, and trains a restoring super-resolution net (landscape keeps the one it had: the new one
# measured worse there). Then demo-restore.toml trains landscape's SR net again on its own
# generator's pictures (restore-sr; food and anime keep theirs: it measured worse there).
# Then demo-sharpen.toml gives each category a second reconstruction round (its encoder warmed up
# first, and a feature term): landscape for 2,700 steps (about 40 min; at 900 it measured worse than
# its package, and past 3,000 its pixel discriminator takes over), food and anime for 900; and
# anime's SR net is trained again on its sharpened G's pictures, with a patch discriminator
# (restore-sr). Landscape then has one more such round of 2,700 steps with mode seeking on where
# its parts sit (ms_layout_w, each scene its own targets; about 75 min on two threads), and food
# two: the same for 2,700 steps with pix_attr_w 4 (about 70 min), then 900 steps with the scenes
# that have eggs or shrimp drawn twice as often (data.oversample; about 28 min). Last,
# demo-128.toml grows anime's generator to 128 px with batches of 512 (462 steps; about 7 min on
# one H200, where the shipped package was trained with tools/gpu_demo_models.sh; about 12 h on a
# 2-core CPU). About 14 h on a 2-core CPU before it. tools/gpu_demo_models.sh runs the
# per-category builds from the shipped packages on one GPU (see docs/demo-models.md).
RECON = --config generation/training/configs/demo-recon.toml --set 'synthetic.categories=["$(1)"]' \
	--set gan.init_package=demo-$(1) --set run.out_dir=var/training/demo-recon-$(1)
SHARPEN = --config generation/training/configs/demo-sharpen.toml --set 'synthetic.categories=["$(1)"]' \
	--set gan.init_package=demo-$(1) --set sr.package=demo-$(1) --set run.out_dir=var/training/demo-sharpen-$(1)
# $(call LAYOUT,<category>[,<run name>]): the run's folder is var/training/demo-<run name>-<category>
LAYOUT = --config generation/training/configs/demo-sharpen.toml --set 'synthetic.categories=["$(1)"]' \
	--set gan.init_package=demo-$(1) --set sr.package=demo-$(1) --set run.out_dir=var/training/demo-$(or $(2),layout)-$(1) \
	--set gan.stages.0.ms_layout_w=5
# (a variable: a comma written in a $(call ...) argument would split it)
FOOD_OVERSAMPLE = --set 'data.oversample={"ingredients": {"egg": 2, "shrimp": 2}}'
GROW = --config generation/training/configs/demo-128.toml --set 'synthetic.categories=["$(1)"]' \
	--set gan.init_package=demo-$(1) --set sr.package=demo-$(1) --set run.out_dir=var/training/demo-128-$(1)
RESTORE = restore-sr demo-$(1) --config generation/training/configs/demo-restore.toml \
	--set run.out_dir=var/training/demo-restore-$(1)

# Each step leaves a stamp in $(DONE) when it finishes, and a later `make demo-models` skips a
# stamped step: on a built tree nothing is exported or trained again (a step run twice would
# export its build over the later steps' packages, and the SR nets after it would train again).
# `rm -r var/training/demo-models-done` rebuilds every step (each still resumes from var/training).
DONE = var/training/demo-models-done
step = @if [ -e $(DONE)/$(1) ]; then echo "demo-models: $(1) is done ($(DONE)/$(1))"; \
	else $(PY) -m generation.training $(2) && mkdir -p $(DONE) && touch $(DONE)/$(1); fi

demo-models: setup
	$(call step,base,build-demo-models --config generation/training/configs/demo.toml)
	$(call step,finetune,build-demo-models --config generation/training/configs/demo-finetune.toml)
	$(call step,words,build-demo-models --config generation/training/configs/demo-words.toml)
	$(call step,recon-landscape,build-demo-models $(call RECON,landscape) --set sr.package=demo-landscape)
	$(call step,recon-food,build-demo-models $(call RECON,food))
	$(call step,recon-anime,build-demo-models $(call RECON,anime))
	$(call step,restore-landscape,$(call RESTORE,landscape) --set sr.channels=32 --set sr.blocks=4)
	$(call step,sharpen-landscape-2700,build-demo-models $(call SHARPEN,landscape) --set gan.stages.0.steps=2700)
	$(call step,layout-landscape,build-demo-models $(call LAYOUT,landscape) --set gan.stages.0.steps=2700)
	$(call step,sharpen-food,build-demo-models $(call SHARPEN,food))
	$(call step,layout-food,build-demo-models $(call LAYOUT,food) --set gan.stages.0.steps=2700 --set gan.stages.0.pix_attr_w=4)
	$(call step,oversample-food,build-demo-models $(call LAYOUT,food,oversample) --set gan.stages.0.pix_attr_w=4 $(FOOD_OVERSAMPLE))
	$(call step,sharpen-anime,build-demo-models $(call SHARPEN,anime))
	$(call step,restore-anime,$(call RESTORE,anime) --set sr.mismatch=0.1 --set sr.render_mix=0.75 --set sr.adv_w=0.01)
	$(call step,grow-anime,build-demo-models $(call GROW,anime))

messages: setup
	$(PY) manage.py makemessages -l zh_Hans -i ".venv/*" -i "tests/*" -i "generation/training/*" -i "staticfiles/*" -i "var/*"
	$(PY) manage.py compilemessages -l zh_Hans -i .venv

# ruff (lint and format) over the tree; mypy with django-stubs over the apps and the engine
# (strict for the engine; settings in pyproject.toml).
lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
