# tests/fuzz/fuzz.mk: fuzzing the input parsers (cron, flow definitions,
# TZif files, API requests). Not part of `make test`. Run from the
# repository root:
#   make -f tests/fuzz/fuzz.mk fuzz        # libFuzzer (clang), FUZZ_SECONDS each
#   make -f tests/fuzz/fuzz.mk fuzz-seeds  # replay the seed corpus, gcc+ASan
# The corpus grows in build/fuzz/corpus/, never in the repository; crashes
# are written to build/fuzz/. Seeds: tests/fuzz/corpus/ and tests/data/.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR      = build/fuzz
FUZZ_TARGETS  = cron flowdef tzif request
FUZZ_LIB_SRC  = $(wildcard lib/*.c)
FUZZ_CPPFLAGS = -std=c11 -D_GNU_SOURCE -Ilib
FUZZ_SAN      = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined
FUZZ_LDLIBS   = -lfcgi -lsqlite3 -ljson-c -lcrypt -lcurl -lpthread -lm

.PHONY: fuzz fuzz-seeds

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_LIB_SRC) $(FUZZ_LDLIBS)

# fuzz_request.c compiles fcgi/ sources in with #include.
$(FUZZ_DIR)/fuzz_request $(FUZZ_DIR)/seeds_request: $(wildcard fcgi/*.c fcgi/*.h)

$(FUZZ_DIR)/seeds_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c $(FUZZ_LIB_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CPPFLAGS) $(FUZZ_SAN) -o $@ $< tests/fuzz/driver.c \
		$(FUZZ_LIB_SRC) $(FUZZ_LDLIBS)

fuzz:
	@if ! command -v $(FUZZ_CC) >/dev/null; then \
		echo "fuzz: $(FUZZ_CC) not found (apt-get install clang)"; \
		exit 1; fi
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk \
		$(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t; \
		if [ $$t = flowdef ]; then seeds=tests/data; \
		else seeds=tests/fuzz/corpus/$$t; fi; \
		[ -d $$seeds ] || seeds=; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		$(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-max_len=65536 -artifact_prefix=$(FUZZ_DIR)/$$t- \
			-print_final_stats=1 \
			$(FUZZ_DIR)/corpus/$$t $$seeds; \
	done

fuzz-seeds: $(patsubst %,$(FUZZ_DIR)/seeds_%,$(FUZZ_TARGETS))
	@set -e; \
	$(FUZZ_DIR)/seeds_cron tests/fuzz/corpus/cron/*; \
	$(FUZZ_DIR)/seeds_flowdef tests/data/*.json; \
	$(FUZZ_DIR)/seeds_tzif tests/fuzz/corpus/tzif/*
