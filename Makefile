# Thin wrapper over meson + ninja. See README.md.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
BUILD_SAN ?= build-san
MESON_OPTS ?=

.PHONY: all deps check install clean format bench demo

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) --buildtype=release $(MESON_OPTS)

$(BUILD_SAN)/build.ninja:
	meson setup $(BUILD_SAN) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false $(MESON_OPTS)

# Installs the Debian packages the build and the tests need (no-op when present).
deps:
	@tests/lib/install-deps.sh

# Every test: unit and end-to-end, on the release build and under ASan+UBSan.
# The last line printed is the summary "N passed, N failed".
check: deps
	@tests/run-all.sh

install: all
	meson configure $(BUILD) -Dprefix=$(PREFIX) >/dev/null
	ninja -C $(BUILD)
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild

# Imports a busybox-static image, mounts it and runs a container on it (no network).
demo: all
	@tests/lib/demo.sh

bench: all
	bench/runtime.sh

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
