# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make demo   build and install the collection locally, then run the demo playbook on localhost
# make bench  benchmarks (template lookups, rotation, parser on adversarial lines)
# make stress the key custody state machine at 20,000 steps (make test runs 2,000), printing its figures
# make test   unit tests, ansible-test sanity, ansible-lint, changelog lint, integration targets, end-to-end tests
#             (SSH target, leaks, crash safety, lookup cache, AWX through ansible-runner), Molecule scenarios
# Both create what they need: .venv/ (Python 3.11, ansible-core 2.19) and collections/ (the installed collection).

PYTHON      ?= python3
VENV        := $(CURDIR)/.venv
BIN         := $(VENV)/bin
COLLECTIONS := $(CURDIR)/collections
INSTALLED   := $(COLLECTIONS)/ansible_collections/fernet/dotenv
# awx.awx, community.hashi_vault, amazon.aws, community.aws, kubernetes.core: for ansible-lint only (examples)
LINT_COLLECTIONS := $(CURDIR)/.lint-collections
SANITY_PY   ?= 3.11
# pip versions ansible-test 2.19 / 2.21 bootstrap their virtual environments with
GET_PIP     := 24.2 25.2
# the ansible-core matrix (see `matrix` below): core version, interpreter, Python version
PY312       ?= $(shell pyenv root 2>/dev/null)/versions/3.12.1/bin/python
MATRIX      := 2.18:$(PYTHON):3.11 2.21:$(PY312):3.12
MATRIX_VENVS := $(foreach m,$(MATRIX),$(CURDIR)/.venv-$(word 1,$(subst :, ,$(m)))/.installed)
CORE_VENVS  := $(CURDIR)/.venv-2.18 $(VENV) $(CURDIR)/.venv-2.21
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_PYTHON_INTERPRETER := $(BIN)/python
export FERNET_DOTENV_BUILD_DIR := $(CURDIR)/build

.PHONY: demo test units sanity integration e2e molecule lint docs-lint changelog-lint install venv clean bench system matrix stress

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-test.txt tests/unit/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-test.txt
	touch $@

# Build the tarball exactly as a release would, and install it where ansible and ansible-test look.
install: venv
	rm -rf build $(INSTALLED)
	$(BIN)/ansible-galaxy collection build --force --output-path build . >/dev/null
	$(BIN)/ansible-galaxy collection install --force -p $(COLLECTIONS) build/fernet-dotenv-*.tar.gz >/dev/null
	# ansible-test lists files through git; the installed copy gets a repository of its own with the debris
	# that ansible-test and pytest write excluded.
	cd $(INSTALLED) && git init -q . && printf '%s\n' tests/output/ .pytest_cache/ .hypothesis/ >.git/info/exclude

# the demo works in demo-output/ and removes it afterwards, also when it fails
demo: install
	rm -rf demo-output
	cd demo && $(BIN)/ansible-playbook -i inventory.ini -e scratch_dir=$(CURDIR)/demo-output demo.yml; \
	  status=$$?; rm -rf $(CURDIR)/demo-output; exit $$status

# One make, so one install, and two lines of work for two cores (PIPELINE orders them): ansible-test's users,
# which share tests/output/ of the installed copy, one after another, then the units and the docs checks; beside
# them the end-to-end tests, then lint and Molecule. The two lines take about as long as each other.
# --output-sync keeps each target's log in one piece.
test:
	$(MAKE) -j2 --output-sync=target PIPELINE=1 sanity e2e matrix integration units lint docs-lint changelog-lint molecule

ifeq ($(PIPELINE),1)
matrix: | sanity
integration: | matrix
units: | integration
docs-lint: | units
changelog-lint: | docs-lint
lint: | e2e
molecule: | lint
endif

# sshd, ip and shellcheck from Debian's packages when missing
system:
	scripts/ensure-system-packages

units: install
	cd $(INSTALLED) && PYTHONPATH=$(COLLECTIONS) $(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

sanity: install system
	scripts/offline-get-pip $(BIN)/python $(GET_PIP)
	cd $(INSTALLED) && $(BIN)/ansible-test sanity --venv --python $(SANITY_PY) --color no

# one target per module under tests/integration/targets, run by ansible-test on this controller
integration: install
	cd $(INSTALLED) && $(BIN)/ansible-test integration --local --color no

# real ansible-playbook runs: an sshd on 127.0.0.1 started and stopped by the tests, and the leak test
# the vars plugin test runs playbooks under every core version of the matrix
e2e: install system $(MATRIX_VENVS) $(LINT_COLLECTIONS)/.installed
	cd $(INSTALLED) && FERNET_DOTENV_CORE_VENVS="$(CORE_VENVS)" FERNET_DOTENV_LINT_COLLECTIONS=$(LINT_COLLECTIONS) \
	  PYTHONPATH=$(COLLECTIONS) $(BIN)/python -m pytest -q \
	  -p no:cacheprovider tests/e2e

# Molecule scenarios (extensions/molecule): local hosts, and three SSH hosts in network namespaces. Run from the
# repository root, where galaxy.yml puts Molecule in collection mode; the collection comes from collections/.
molecule: install system
	$(BIN)/molecule test --all

$(LINT_COLLECTIONS)/.installed: scripts/lint-collections | $(VENV)/.installed
	scripts/lint-collections $(BIN)/python $(LINT_COLLECTIONS)

lint: install $(LINT_COLLECTIONS)/.installed
	# ANSIBLE_HOME: ansible-lint puts <home>/collections first, where Molecule leaves a copy of the collection
	ANSIBLE_HOME=$(CURDIR)/.ansible ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS):$(LINT_COLLECTIONS) $(BIN)/ansible-lint --offline

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# key custody: the rotation state machine (tests/unit/plugins/module_utils/test__custody_machine.py) at length
stress: install
	cd $(INSTALLED) && FERNET_DOTENV_CUSTODY_STEPS=20000 PYTHONPATH=$(COLLECTIONS) $(BIN)/python -m pytest -q \
	  -p no:cacheprovider tests/unit/plugins/module_utils/test__custody_machine.py

# benchmarks: figures, never pass/fail
bench: install
	PYTHONPATH=$(COLLECTIONS) $(BIN)/python benchmarks/bench_lookup.py
	PYTHONPATH=$(COLLECTIONS) $(BIN)/python benchmarks/bench_rotation.py
	PYTHONPATH=$(COLLECTIONS) $(BIN)/python benchmarks/bench_parser.py

# The ansible-core matrix for units and sanity: 2.18 on Python 3.11 and 2.21 on Python 3.12 (pyenv), besides
# the main 2.19 on 3.11 above; everything else runs on 2.19. The property tests search in `units` (the custody
# state machine its full 2,000 steps); here shorter runs show that they work on each core version.

$(CURDIR)/.venv-%/.installed: tests/unit/requirements.txt
	@spec=$$(printf '%s\n' $(MATRIX) | grep '^$*:'); python=$$(echo $$spec | cut -d: -f2); \
	  test -x $(CURDIR)/.venv-$*/bin/python || $$python -m venv $(CURDIR)/.venv-$*; \
	  $(CURDIR)/.venv-$*/bin/python -m pip install -q --upgrade pip; \
	  next=$$(echo $* | awk -F. '{print $$1"."$$2+1}'); \
	  $(CURDIR)/.venv-$*/bin/python -m pip install -q "ansible-core>=$*,<$$next" pytest -r tests/unit/requirements.txt
	touch $@

matrix: install system $(MATRIX_VENVS)
	scripts/offline-get-pip $(BIN)/python $(GET_PIP)
	@set -e; for spec in $(MATRIX); do \
	  core=$$(echo $$spec | cut -d: -f1); py=$$(echo $$spec | cut -d: -f3); venv=$(CURDIR)/.venv-$$core; \
	  echo "== ansible-core $$core on Python $$py: units and sanity"; \
	  (cd $(INSTALLED) && PATH=$$venv/bin:$$PATH PYTHONPATH=$(COLLECTIONS) FERNET_DOTENV_CUSTODY_STEPS=300 \
	    FERNET_DOTENV_HYPOTHESIS=matrix $$venv/bin/python -m pytest -q -p no:cacheprovider tests/unit); \
	  (cd $(INSTALLED) && PATH=$$venv/bin:$$PATH $$venv/bin/ansible-test sanity --venv --python $$py --color no); \
	done

docs-lint: install
	cd $(INSTALLED) && $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

clean:
	rm -rf build collections .lint-collections .venv .venv-2.18 .venv-2.21 tests/output .pytest_cache .hypothesis demo-output
