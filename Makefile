# Lotsen — thin wrapper over CMake. `make run` and `make test` are the two commands.
BUILD      ?= build
ASAN_BUILD ?= build-asan
DB         ?= lotsen-demo.db
HTTP       ?= 127.0.0.1:8080
JOBS       ?= $(shell nproc)
WHAT       ?= all
PREFIX     ?= /usr/local
DESTDIR    ?=
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
# Debian's Python, which sees the Debian packages the tests read with (python3-psycopg2)
# when another python3 comes first in PATH.
PYTHON     ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

.PHONY: all deps build build-asan run test test-fast test-asan bench format format-check clean \
	install fuzz fuzz-build fuzz-replay

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLOTSEN_SANITIZE=ON

build-asan: $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# Install what is missing, build, start the server with the demo municipality.
run: deps build
	$(BUILD)/lotsen serve --db $(DB) --http $(HTTP) --demo

# Every test, in the normal build and again under ASan+UBSan; the normal build's
# integration files once more on PostgreSQL (tests/run.py, PG_SKIP).
test: deps build build-asan
	@scripts/install-test-peers.sh
	@scripts/check-banned.sh
	@scripts/check-layers.sh
	@$(MAKE) --no-print-directory format-check
	@sh -n bench/run.sh
	@$(PYTHON) tests/run.py --build $(BUILD) --build $(ASAN_BUILD)

# Only the normal build (quicker while developing).
test-fast: build
	@scripts/install-test-peers.sh
	@$(PYTHON) tests/run.py --build $(BUILD)

bench: deps build
	@scripts/install-test-peers.sh
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD=$(FUZZ_BUILD) bench/run.sh $(BUILD) $(WHAT)

# The program, web files, prompts, systemd unit, sysusers.d user and /etc/lotsen/lotsen.conf
# (kept when present) under DESTDIR/PREFIX; see docs/operations.md.
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# libFuzzer harnesses (clang): each runs FUZZ_SECONDS, one after the other, niced.
$(FUZZ_BUILD)/CMakeCache.txt:
	@scripts/install-fuzz-deps.sh
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOTSEN_FUZZ=ON \
		-DLOTSEN_WERROR=OFF

fuzz-build: $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz: deps fuzz-build
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Every harness over its seed corpus once (the crashes found so far are seeds too).
fuzz-replay: deps fuzz-build
	@scripts/fuzz.sh $(FUZZ_BUILD) 0

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c' 'fuzz/*.c' 'fuzz/*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c' 'fuzz/*.c' 'fuzz/*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
