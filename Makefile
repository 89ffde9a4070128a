# Lotsen — thin wrapper over CMake. `make run` and `make test` are the two commands.
BUILD      ?= build
ASAN_BUILD ?= build-asan
DB         ?= lotsen-demo.db
HTTP       ?= 127.0.0.1:8080
JOBS       ?= $(shell nproc)
WHAT       ?= all

.PHONY: all deps build build-asan run test test-fast test-asan bench format format-check clean

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

# Every test, in the normal build and again under ASan+UBSan.
test: deps build build-asan
	@scripts/install-test-peers.sh
	@scripts/check-banned.sh
	@sh -n bench/run.sh
	@python3 tests/run.py --build $(BUILD) --build $(ASAN_BUILD)

# Only the normal build (quicker while developing).
test-fast: build
	@scripts/install-test-peers.sh
	@python3 tests/run.py --build $(BUILD)

bench: deps build
	@scripts/install-test-peers.sh
	@bench/run.sh $(BUILD) $(WHAT)

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c')

format-check:
	clang-format --dry-run --Werror $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
