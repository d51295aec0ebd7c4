# tests/bench/bench.mk: programs used only by `make bench`.
$(BUILD)/bench/cryptbench: tests/bench/cryptbench.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< -lcrypt
