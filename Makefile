# The front door: `make demo` and `make test` (README.md). The build itself
# is CMake; this file only installs missing Debian packages and calls it.
BUILD ?= build
JOBS ?= $(shell nproc)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

DEB_PACKAGES := g++ cmake make pkg-config nasm binutils \
  libyaml-cpp-dev libcli11-dev libbearssl-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev \
  bochs bochsbios vgabios bochs-term qemu-system-x86 ipxe ipxe-qemu \
  grub-pc-bin grub-efi-amd64-bin grub-common ovmf xorriso mtools dnsmasq-base iproute2 \
  libncurses-dev xz-utils debian-archive-keyring seabios
# The completion and man-page tests (tests/host/cli_shell_files_test.cpp)
# check the scripts with bash and zsh and render the page with groff.
DEB_PACKAGES += bash zsh groff-base
# The lsp tests run yaml-language-server (tests/lsp/lsp.cmake). NodeSource's
# nodejs bundles npm without Debian's npm package: ask for them only when npm
# is missing, or apt would try to replace that nodejs.
DEB_PACKAGES += $(if $(shell command -v npm),,nodejs npm)

FUZZ ?= OFF

.PHONY: all deps packages configure build build-demo demo test test-fast clean

all: build

# Debian's packages, then Bochs 3.0 built from Debian 13's source into the
# build tree, once (appliance/bochs/build-bochs3.sh says why); Debian's 2.7
# stays as the second emulator (the bochs27 test label).
deps: packages
	appliance/bochs/build-bochs3.sh $(BUILD)/bochs3

packages:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVTX_FUZZ=$(FUZZ)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Only what a run needs: the compiler, the hypervisor and the guest images
# (no host tests, benchmarks or fuzzers).
build-demo: configure
	cmake --build $(BUILD) -j $(JOBS) --target configgen vmm64 guest_images

# Compiles profiles/demo.yaml, builds the appliance ISO, boots it in Bochs
# (tigerlake, 2 CPUs) with the serial log on the terminal; exits 0 when the
# guests ended as the profile expects.
demo: FUZZ := OFF
demo: build-demo
	$(BUILD)/bin/configgen run profiles/demo.yaml --emulator bochs --cpus 2 --cpu-model tigerlake

test: FUZZ := ON
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Host tests only (no emulator).
test-fast: FUZZ := ON
test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE emulator

clean:
	rm -rf $(BUILD)
