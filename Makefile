# The two commands a newcomer runs on a fresh clone: `make demo` and `make test`. Each does its own set-up.

CARGO ?= cargo
GUEST_TARGET := wasm32-wasip2
GUEST_DIR := $(CURDIR)/target/wasm-guests
HELLO_WASM := $(GUEST_DIR)/$(GUEST_TARGET)/release/rust_hello.wasm

.PHONY: demo test lint setup build hello clean-guests

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
demo: build hello
	tests/demo.sh target/debug/lambda-wasm $(HELLO_WASM)

## Every test: unit tests, the guest SDK's and the example's native tests, and the end-to-end tests, which
## build their guest components from source and drive the real bootstrap through the emulator.
test: build
	$(CARGO) test --workspace
	$(CARGO) test --locked --manifest-path guest-sdk/rust/Cargo.toml
	$(CARGO) test --locked --manifest-path examples/rust-hello/Cargo.toml
	$(CARGO) test --locked --manifest-path examples/rust-streaming/Cargo.toml

## Formatting and lints, warnings as errors.
lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --locked --manifest-path guest-sdk/rust/Cargo.toml --target $(GUEST_TARGET) -- -D warnings
