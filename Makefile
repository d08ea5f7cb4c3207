# qmail in Python.  As root on Debian:
#   make setup   install (or upgrade) the system under $(QMAIL_HOME)
#   make check   install the test dependencies and run the test suite
#   make bench   print performance figures of a private installation

QMAIL_HOME ?= /var/qmail
FQDN ?=
SYSTEM_PYTHON ?= /usr/bin/python3
VENV := build/venv
TEST_PYTHON := $(VENV)/bin/python
# Debian packages: the system's (the installer also fetches these when missing) and the tests'.
SETUP_DEBS := python3 python3-venv daemontools ucspi-tcp gcc libc6-dev
CHECK_DEBS := $(SETUP_DEBS)

.PHONY: setup check bench test-deps debs-setup debs-check clean

setup: debs-setup
	$(SYSTEM_PYTHON) -m qmail.install --home $(QMAIL_HOME) $(if $(FQDN),--fqdn $(FQDN))

check: test-deps
	$(TEST_PYTHON) -m pytest $(PYTEST_ARGS)

bench: test-deps
	$(TEST_PYTHON) tests/bench.py

test-deps: debs-check $(VENV)/.deps-ok

debs-setup:
	@sh tests/ensure-debs.sh $(SETUP_DEBS)

debs-check:
	@sh tests/ensure-debs.sh $(CHECK_DEBS)

$(VENV)/.deps-ok: setup.cfg
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(TEST_PYTHON) -c 'import configparser as c; p = c.ConfigParser(); p.read("setup.cfg"); o = p["options"]["install_requires"].split() + p["options.extras_require"]["test"].split(); open("$(VENV)/requirements.txt", "w").write("\n".join(o) + "\n")'
	$(TEST_PYTHON) -m pip install -q --disable-pip-version-check -r $(VENV)/requirements.txt
	touch $@

clean:
	rm -rf build .pytest_cache
