# The two commands: `make up` (install what is missing, start everything) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SOUK_HOME ?= $(CURDIR)/var
export SOUK_HOME
STAMP := $(VENV)/.souk-installed
# Each service is its own package (services/<name>/pyproject.toml) sharing only `souk`.
SERVICE_PROJECTS := $(sort $(dir $(wildcard services/*/pyproject.toml)))
# services/sqoop-bridge/ holds the package sqoop_bridge/, and so on.
SERVICE_PACKAGES := $(foreach d,$(SERVICE_PROJECTS),$(d)$(subst -,_,$(notdir $(patsubst %/,%,$(d)))))
PY_DIRS := $(wildcard souk services flume tests bench)
PYTEST_ARGS ?=

.PHONY: help install up test lint unit down clean distclean status images

help:
	@echo "make up      install what is missing (venv, jars, MariaDB) and start the stack"
	@echo "make test    lint, type-check and run every test (starts the stack if needed)"
	@echo "make down    stop everything, keep data     make clean   stop and delete data and logs"
	@echo "make images  build the podman images of compose/ (see compose/README.md)"

$(STAMP): requirements.lock pyproject.toml $(wildcard services/*/pyproject.toml)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "souk needs Python 3.11 (found %d.%d): set PYTHON=python3.11" % sys.version_info[:2])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e . $(addprefix -e ,$(SERVICE_PROJECTS))
	@touch $@

install: $(STAMP)

up: install
	$(BIN)/souk up
	@echo
	@echo "souk is up. Where to look:"
	@echo "  souk status           $(BIN)/souk status"
	@echo "  dashboard             http://127.0.0.1:$${DASHBOARD_PORT:-8050}/"
	@echo "  processor views       http://127.0.0.1:$${PROCESSOR_PORT:-6066}/totals"
	@echo "  Kafka                 127.0.0.1:$${KAFKA_PORT:-9092}"
	@echo "  HDFS NameNode UI      http://127.0.0.1:$${HDFS_NAMENODE_HTTP_PORT:-9870}/"
	@echo "  MariaDB               127.0.0.1:$${MYSQL_PORT:-3306} (user souk, password in $(SOUK_HOME)/secrets/mysql-password)"
	@echo "  logs                  $(SOUK_HOME)/logs/ ($(BIN)/souk logs NAME)"

status: install
	$(BIN)/souk status

lint: install
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/mypy souk $(SERVICE_PACKAGES)

test: lint
	$(BIN)/souk install --browser
	@mkdir -p $(SOUK_HOME)/test-results
	$(BIN)/pytest --junitxml=$(SOUK_HOME)/test-results/junit.xml $(PYTEST_ARGS)

unit: install
	$(BIN)/pytest -m "not integration" $(PYTEST_ARGS)

down:
	@if [ -x $(BIN)/souk ]; then $(BIN)/souk down; fi

clean: down
	rm -rf $(SOUK_HOME)/data $(SOUK_HOME)/logs $(SOUK_HOME)/run $(SOUK_HOME)/conf $(SOUK_HOME)/test-results

# Containers on top of the local stack: a Debian base from debootstrap, one image per service.
images:
	compose/build-images.sh

# Also the jar cache and the venv: the next `make up` downloads everything again.
distclean: clean
	rm -rf $(SOUK_HOME) $(VENV)
