# The two commands a newcomer runs on a fresh clone: `make demo` and `make test`. Each does its own set-up.

CARGO ?= cargo
GUEST_TARGET := wasm32-wasip2
GUEST_DIR := $(CURDIR)/target/wasm-guests
HELLO_WASM := $(GUEST_DIR)/$(GUEST_TARGET)/release/rust_hello.wasm
# The guest SDK's and the Rust examples' native tests share one target folder: they build the same dependencies.
GUEST_NATIVE := CARGO_TARGET_DIR=$(CURDIR)/target/guest-native

.PHONY: demo test lint setup build hello clean-guests dist dist-setup dist-x86_64 dist-arm64 bench fuzz

# `make dist`: the `bootstrap` Lambda runs, for x86_64 and arm64 (provided.al2023 has glibc 2.34, so: static musl).
DIST_DIR := $(CURDIR)/target/dist
TOOLS := $(CURDIR)/target/tools
# zig is the C cross compiler (wasmtime's helpers and ring compile C), from PyPI: no system package needed.
ZIG_VERSION := 0.15.1
# Lean by default: `package` puts a .cwasm in the zip, which needs no compiler. `make dist DIST_FEATURES=`
# builds the full bootstrap (it also compiles a plain .wasm at INIT).
DIST_FEATURES ?= --no-default-features
# Lambda architecture name -> Rust target triple.
DIST_TRIPLE_x86_64 := x86_64-unknown-linux-musl
DIST_TRIPLE_arm64 := aarch64-unknown-linux-musl

## Installs what the build needs that a fresh machine lacks: the wasm target of the pinned toolchain.
setup:
	rustup target add $(GUEST_TARGET)

## Builds the host binaries: bootstrap, lambda-wasm (and the native test peer).
build: setup
	$(CARGO) build --workspace --bins

## Builds the hello example component from source.
hello: setup
	CARGO_TARGET_DIR=$(GUEST_DIR) $(CARGO) build --locked --release --target $(GUEST_TARGET) \
		--manifest-path examples/rust-hello/Cargo.toml

## Runs the hello handler through the real bootstrap and the emulator, and prints the responses.
## Only what it runs: the CLI and `bootstrap` (not the benchmark harness or its peers), and the hello example.
demo: setup hello
	$(CARGO) build --locked -p lambda-wasm-cli -p lambda-wasm-host --bins
	tests/demo.sh target/debug/lambda-wasm $(HELLO_WASM)

## Every test: unit tests, the guest SDK's and the example's native tests, and the end-to-end tests, which
## build their guest components from source and drive the real bootstrap through the emulator.
test: build
	examples/build-all.sh
	tests/standins/setup.sh
	$(CARGO) test --workspace
	$(GUEST_NATIVE) $(CARGO) test --locked --all-features --manifest-path guest-sdk/rust/Cargo.toml
	$(GUEST_NATIVE) $(CARGO) test --locked --manifest-path examples/rust-hello/Cargo.toml
	$(GUEST_NATIVE) $(CARGO) test --locked --manifest-path examples/rust-streaming/Cargo.toml
	$(GUEST_NATIVE) $(CARGO) test --locked --manifest-path examples/rust-fetch/Cargo.toml
	$(GUEST_NATIVE) $(CARGO) test --locked --manifest-path examples/rust-bedrock/Cargo.toml
	$(GUEST_NATIVE) $(CARGO) test --locked --manifest-path examples/rust-sqs-batch/Cargo.toml
	cd guest-sdk/python && PYTHONPATH=src python3 -m unittest discover -s tests
	guest-sdk/c/tests/run.sh
	cd guest-sdk/js && npm test --silent
	for app in js-hello js-fetch-stream js-bedrock js-middy-api ts-hello; do (cd examples/$$app && npm test --silent) || exit 1; done

## Formatting and lints, warnings as errors.
lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p lambda-wasm-tests --features dist --all-targets -- -D warnings
	$(GUEST_NATIVE) $(CARGO) clippy --locked --all-features --manifest-path guest-sdk/rust/Cargo.toml --target $(GUEST_TARGET) -- -D warnings

## Installs what `dist` needs: the two musl targets, and zig (from PyPI) as the C cross compiler, with a wrapper
## per target that drops the clang-style `--target=` cc-rs adds (zig takes its own `-target`); and qemu's user-mode
## emulators (Debian's qemu-user), which run the other architecture's `bootstrap` in its check.
dist-setup:
	rustup target add $(DIST_TRIPLE_x86_64) $(DIST_TRIPLE_arm64)
	command -v qemu-aarch64 >/dev/null && command -v qemu-x86_64 >/dev/null || { \
		sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); $$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq qemu-user >/dev/null; }
	test -d $(TOOLS)/ziglang/ziglang || python3 -m pip install --quiet --disable-pip-version-check \
		--target $(TOOLS)/ziglang ziglang==$(ZIG_VERSION)
	mkdir -p $(TOOLS)/bin
	for zig in x86_64-linux-musl aarch64-linux-musl; do \
		printf '%s\n' '#!/bin/sh' \
			'for a do shift; case "$$a" in --target=*) ;; *) set -- "$$@" "$$a";; esac; done' \
			"exec env PYTHONPATH=$(TOOLS)/ziglang python3 -m ziglang cc -target $$zig \"\$$@\"" \
			> $(TOOLS)/bin/zigcc-$$zig; \
		chmod +x $(TOOLS)/bin/zigcc-$$zig; \
	done

## Release `bootstrap` binaries for Lambda, static (musl), in target/dist/{x86_64,arm64}/bootstrap. Each is built on
## its own (`-p`, never `--workspace`: feature unification would pull the CLI's compiler in) with the `dist` profile
## (Cargo.toml: fat LTO, symbols stripped), linked by rust-lld. Then checked (tests/dist.rs): each one's ELF machine
## and glibc needs, and each serving a component compiled for its CPU under the emulator (the other CPU's through
## qemu).
dist: dist-x86_64 dist-arm64
	ls -l $(DIST_DIR)/*/bootstrap
	$(MAKE) build
	LAMBDA_WASM_DIST_DIR=$(DIST_DIR) $(CARGO) test --locked -p lambda-wasm-tests --features dist --test dist

## One architecture's Lambda `bootstrap` (see `dist`), in target/dist/<arch>/bootstrap; `make bench` measures the
## x86_64 one, as Lambda runs it.
dist-x86_64 dist-arm64: dist-%: dist-setup
	CC_$(subst -,_,$(DIST_TRIPLE_$*))=$(TOOLS)/bin/zigcc-$(subst -unknown,,$(DIST_TRIPLE_$*)) \
	LAMBDA_WASM_PACK_RELOCS=1 \
		$(CARGO) build --locked -p lambda-wasm-host --bin bootstrap --profile dist $(DIST_FEATURES) \
		--target $(DIST_TRIPLE_$*) --config 'target.$(DIST_TRIPLE_$*).linker="rust-lld"'
	mkdir -p $(DIST_DIR)/$* && cp target/$(DIST_TRIPLE_$*)/dist/bootstrap $(DIST_DIR)/$*/bootstrap

## Benchmarks (BENCHMARKS.md): every runtime under the emulator in one run (lambda-wasm with Rust, C, Python and
## JavaScript components, a native Rust handler on lambda_runtime, AWS's awslambdaric and aws-lambda-ric), the
## table with ratios to native and the targets; then the host's micro-benchmarks. Builds and installs what it
## runs first (tests/bench/build.sh).
bench: build
	tests/bench/build.sh
	target/release/lambda-wasm-bench --dir target/bench --source tests/bench --output target/bench/report.md
	LAMBDA_WASM_BENCH_DIR=$(CURDIR)/target/bench $(CARGO) bench --locked --profile release -p lambda-wasm-bench \
		--bench micro

## Fuzzing (tests/fuzz): each target under libFuzzer for FUZZ_SECONDS (default 120), on the nightly toolchain with
## cargo-fuzz (installed into target/tools). New inputs are added to tests/fuzz/corpus/<target>, which `make test`
## replays on the stable toolchain; a crash is written to tests/fuzz/cargo-fuzz/artifacts/<target> and fails.
FUZZ_SECONDS ?= 120
FUZZ_TARGETS := allow_list next_headers config error_report emulator guest
fuzz:
	test -x $(TOOLS)/bin/cargo-fuzz || $(CARGO) +nightly install --locked --root $(TOOLS) cargo-fuzz
	for target in $(FUZZ_TARGETS); do \
		PATH=$(TOOLS)/bin:$$PATH $(CARGO) +nightly fuzz run --fuzz-dir tests/fuzz/cargo-fuzz $$target \
			tests/fuzz/corpus/$$target -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 || exit 1; \
	done
