# Sluice build. `make run` installs what is missing, builds and starts the
# stack; `make test` runs every test, then again under ASan+UBSan.
# Every .c file in lib/ goes into libsluice.a; every .c file in fcgi/,
# scheduler/ and cli/ goes into its program, so adding a file needs no edit.

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wsign-compare -Werror
CPPFLAGS = -std=c11 -D_GNU_SOURCE -Ilib -MMD -MP
LDLIBS   = -lfcgi -lsqlite3 -ljson-c -lcrypt -lcurl -lpthread -lm
BUILD   ?= build
BIN     ?= bin
ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=undefined

LIB_SRC   = $(wildcard lib/*.c)
API_SRC   = $(wildcard fcgi/*.c)
SCHED_SRC = $(wildcard scheduler/*.c)
CLI_SRC   = $(wildcard cli/*.c)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
LIB_A = $(BUILD)/libsluice.a
PROGS = $(BIN)/sluice-api $(BIN)/sluice-scheduler $(BIN)/sluicectl
UNITS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# The scheduler with its crash points (scheduler/fault.h) compiled in; only
# the fault suite runs it.
FAULTS = $(BUILD)/tests/sluice-scheduler-faults

.PHONY: all programs deps run test check check-unit check-asan check-valgrind \
        bench soak image test-image clean
all: $(PROGS) $(UNITS) $(FAULTS)

# The programs alone (bin/), what `make run` needs: no unit tests, no
# fault-hook scheduler.
programs: $(PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(LIB_A): $(call obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BIN)/sluice-api: $(call obj,$(API_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/sluice-scheduler: $(call obj,$(SCHED_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/faults/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DSLUICE_FAULT_HOOKS $(CFLAGS) $(WARN) -c -o $@ $<

$(FAULTS): $(patsubst %.c,$(BUILD)/faults/%.o,$(SCHED_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/sluicectl: $(call obj,$(CLI_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# test_dag tests scheduler/dag.c alone; the files below it are stubs there.
$(BUILD)/tests/test_dag: $(BUILD)/tests/unit/test_dag.o \
    $(BUILD)/scheduler/dag.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@scripts/deps.sh

run: deps programs
	@scripts/sluice-run

# The whole suite (tests/run.sh): unit, API, CLI, launcher, container,
# harness, scheduler and browser tests against the real processes, then all
# but the browser tests (reported as skipped) again under ASan+UBSan.
test:
	@scripts/deps.sh --test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory check-asan

check: all
	@tests/run.sh $(BUILD) $(BIN)

check-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin \
		CFLAGS="$(ASAN_FLAGS)" all
	@SLUICE_SANITIZED=1 tests/run.sh build/asan build/asan/bin

# The unit test programs under valgrind: any memory error or definite leak
# fails. Not part of `make test` (slow); see STYLE.md.
VALGRIND = valgrind -q --error-exitcode=1 --leak-check=full \
           --errors-for-leak-kinds=definite
check-valgrind: all
	@fail=0; for t in $(UNITS); do \
		if $(VALGRIND) $$t >$$t.valgrind.log 2>&1; then \
			echo "ok   $$t"; \
		else \
			echo "FAIL $$t"; sed 's/^/    | /' $$t.valgrind.log; \
			fail=1; \
		fi; \
	done; exit $$fail

# The fault suite's long versions (tests/fault/*.sh with SLUICE_SOAK=1):
# 1,000-run chaos, 2,000 runs on three schedulers, 20 crashes at each
# launch step... Each test prints a "figures:" line of counts; the
# README's reliability section quotes them. Not part of `make test`,
# which runs the short versions.
soak: deps all
	@SLUICE_SOAK=1 TEST_TIMEOUT=5400 JOBS=1 TESTS=fault/ tests/run.sh $(BUILD) $(BIN)

bench: deps all $(BUILD)/bench/cryptbench
	@tests/bench/run.sh $(BIN)

# The container image, `sluice`, built with podman or docker, whichever is
# there (scripts/image.sh; a debootstrap'd base when no registry answers).
image:
	@scripts/image.sh sluice

# Builds the image and runs the container journey against it
# (tests/image/container_journey.sh): HTTPS, login, /flows, a run, the
# health check, a clean stop and a second container on the same volume.
test-image:
	@scripts/deps.sh --image
	@$(MAKE) --no-print-directory image
	@tests/image/container_journey.sh sluice

clean:
	rm -rf build bin

-include $(wildcard */*.mk */*/*.mk)
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
