# m365 — thin wrappers over swift build / swift test. `make help` lists the targets.
SHELL := /bin/bash
PREFIX ?= /usr/local
CONFIG ?= release
SWIFT_BUILD_FLAGS ?=
BIN_DIR = $(shell swift build -c $(CONFIG) --show-bin-path 2>/dev/null)
PLUGINS = libm365-spo.so libm365-aad.so libm365-graph.so
# Where `make test` installs the build so the end-to-end tests run the real layout.
STAGE = $(CURDIR)/.build/stage

.PHONY: help build install test bench soak demo clean

help:
	@echo "make build              build m365, its plugins and m365-emulator ($(CONFIG))"
	@echo "make install PREFIX=…   install to PREFIX/bin and PREFIX/lib/m365/plugins"
	@echo "make demo               build, start the emulator and run m365 against it"
	@echo "make test               build and run every test (unit, ABI, end to end)"
	@echo "make bench              start-up and throughput benchmarks (see BENCHMARKS.md)"
	@echo "make soak               fault soak: commands against the emulator injecting faults (SOAK_RUNS, default 20)"

build:
	swift build -c $(CONFIG) $(SWIFT_BUILD_FLAGS)

install: build
	install -d -m 755 $(PREFIX)/bin $(PREFIX)/lib/m365/plugins
	install -m 755 $(BIN_DIR)/m365 $(BIN_DIR)/m365-emulator $(PREFIX)/bin/
	install -m 755 $(addprefix $(BIN_DIR)/,$(PLUGINS)) $(PREFIX)/lib/m365/plugins/

test:
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	$(MAKE) install CONFIG=debug PREFIX=$(STAGE)
	M365_TEST_PREFIX=$(STAGE) bash scripts/test.sh 2>&1 | tee .build/test.log; exit $${PIPESTATUS[0]}

bench:
	$(MAKE) install CONFIG=release PREFIX=$(CURDIR)/.build/bench-stage
	python3 scripts/bench.py $(CURDIR)/.build/bench-stage $${BENCH_RUNS:-51}

soak:
	$(MAKE) install CONFIG=$(CONFIG) PREFIX=$(CURDIR)/.build/soak-stage
	python3 scripts/soak.py $(CURDIR)/.build/soak-stage $${SOAK_RUNS:-20}

demo:
	$(MAKE) install CONFIG=debug PREFIX=$(CURDIR)/.build/demo-stage
	bash scripts/demo.sh $(CURDIR)/.build/demo-stage

clean:
	rm -rf .build
