# m365 — thin wrappers over swift build / swift test. `make help` lists the targets.
SHELL := /bin/bash
PREFIX ?= /usr/local
CONFIG ?= release
# Extra flags for every swift build (the same for all targets: other flags rebuild everything).
SWIFT_BUILD_FLAGS ?=
VERSION := $(shell tr -d ' \n' < VERSION)
BIN_DIR = $(shell swift build -c $(CONFIG) $(SWIFT_BUILD_FLAGS) --show-bin-path 2>/dev/null)
# Where `make test` installs the build so the end-to-end tests run the real layout.
STAGE = $(CURDIR)/.build/stage
# Checks the system packages a target needs (one quick pass) and installs what is missing.
DEPS = bash scripts/deps.sh
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null || uname -m)
DIST_ARCH = $(shell uname -m)
DEB = .build/m365_$(VERSION)_$(DEB_ARCH).deb
DIST = .build/m365-$(VERSION)-linux-$(DIST_ARCH).tar.gz

.PHONY: help version build install test az-check bench soak demo deb dist package-test clean

help:
	@echo "make demo               build, start the emulator and run m365 against it"
	@echo "make test               build and run every test (unit, ABI, end to end)"
	@echo "make az-check           the Azure CLI (from PyPI) signs in to the emulator and calls it"
	@echo "make build              build m365, its plugins and m365-emulator ($(CONFIG))"
	@echo "make install PREFIX=…   install to PREFIX (bin, lib/m365/plugins, include, share)"
	@echo "make deb                $(DEB): a Debian package that needs no Swift"
	@echo "make dist               $(DIST): the same files in one relocatable folder"
	@echo "make package-test       build both and test them installed on their own, without Swift"
	@echo "make bench              start-up and throughput benchmarks (see BENCHMARKS.md)"
	@echo "make soak               fault soak: commands against the emulator injecting faults (SOAK_RUNS, default 20)"
	@echo "The system packages each target needs are installed when missing (M365_NO_INSTALL=1: only say which)."

# Sources/M365Version/Version.swift is generated from VERSION (and committed, for a plain `swift build`).
version:
	@bash scripts/version.sh

build: version
	@$(DEPS) build
	swift build -c $(CONFIG) $(SWIFT_BUILD_FLAGS)

install: build
	bash packaging/install.sh $(BIN_DIR) $(PREFIX)

test: version
	@$(DEPS) build test
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	$(MAKE) install CONFIG=debug PREFIX=$(STAGE)
	M365_TEST_PREFIX=$(STAGE) bash scripts/test.sh 2>&1 | tee .build/test.log; exit $${PIPESTATUS[0]}

# The unmodified Azure CLI (from PyPI) against the emulator: secret and certificate sign-in, az rest.
az-check:
	@$(DEPS) build az
	$(MAKE) install CONFIG=debug PREFIX=$(STAGE)
	bash scripts/az-check.sh $(STAGE)

bench:
	@$(DEPS) bench
	$(MAKE) install CONFIG=release PREFIX=$(CURDIR)/.build/bench-stage
	python3 scripts/bench.py $(CURDIR)/.build/bench-stage $${BENCH_RUNS:-51}

soak:
	$(MAKE) install CONFIG=$(CONFIG) PREFIX=$(CURDIR)/.build/soak-stage
	python3 scripts/soak.py $(CURDIR)/.build/soak-stage $${SOAK_RUNS:-20}

demo:
	@$(DEPS) build demo
	$(MAKE) install CONFIG=debug PREFIX=$(CURDIR)/.build/demo-stage
	bash scripts/demo.sh $(CURDIR)/.build/demo-stage

deb: build
	@$(DEPS) package
	bash packaging/deb.sh $(BIN_DIR) $(DEB)

dist: build
	@$(DEPS) package
	bash packaging/dist.sh $(BIN_DIR) $(DIST)

package-test: deb dist
	@$(DEPS) test
	bash scripts/test-deps.sh
	bash packaging/test.sh $(DEB) $(DIST)

clean:
	rm -rf .build
