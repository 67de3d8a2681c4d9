# sysdiff - build, test and demo.  GNU make + pkg-config.
#   make            build ./sysdiff (in build/)
#   make demo       install missing packages, build, trace the bundled example
#   make check      install missing packages, build, run unit + integration tests
#   make check-san  the same test suite under AddressSanitizer + UBSan
#   make fuzz       build the libFuzzer targets (clang)

CC      ?= cc
PKGS    := libdw jansson libxxhash zlib
BUILD   ?= build
SAN     ?=

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wshadow -MMD -MP -Isrc -I$(BUILD)/gen
CFLAGS  += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

ifneq ($(SAN),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(shell find src -name '*.c' ! -name main.c | sort)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FIX_SRC  := $(wildcard tests/fixtures/*.c)
FIX_BIN  := $(FIX_SRC:tests/fixtures/%.c=$(BUILD)/fixtures/%)

.PHONY: all deps demo check check-san unit integration fuzz clean regen-syscalls
all: $(BUILD)/sysdiff

$(BUILD)/sysdiff: $(MAIN_OBJ) $(BUILD)/libsysdiff.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
	@[ "$(BUILD)" != build ] || ln -sf build/sysdiff sysdiff

$(BUILD)/libsysdiff.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsysdiff.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags cmocka) -o $@ $< $(BUILD)/libsysdiff.a \
		$(LDFLAGS) $(LDLIBS) $(shell pkg-config --libs cmocka)

# Fixtures are plain programs: built without sanitizers so they behave like user programs.
$(BUILD)/fixtures/%: tests/fixtures/%.c
	@mkdir -p $(dir $@)
	cc -O1 -g -Wall -Wextra -o $@ $< -lpthread

deps:
	@scripts/install-deps.sh

$(BUILD)/examples/%: examples/%.c
	@mkdir -p $(dir $@)
	cc -O1 -g -o $@ $<

$(BUILD)/examples/hello-rewrite: examples/hello.c
	@mkdir -p $(dir $@)
	cc -O1 -g -DREWRITE_BUG -o $@ $<

demo: deps
	$(MAKE) all $(BUILD)/examples/hello $(BUILD)/examples/hello-rewrite
	@echo "--- sysdiff trace -- $(BUILD)/examples/hello   (trace on stderr, program output on stdout)"
	@cd $(BUILD) && ./sysdiff trace -- ./examples/hello
	@echo "--- the same run as a JSON Lines trace: $(BUILD)/hello.jsonl (its write event:)"
	@cd $(BUILD) && ./sysdiff trace -o hello.jsonl -- ./examples/hello >/dev/null
	@grep '"name":"write"' $(BUILD)/hello.jsonl | head -n 1
	@echo "--- a rewrite that lost a comma: sysdiff compare hello.jsonl hello-rewrite.jsonl"
	@cd $(BUILD) && ./sysdiff trace -o hello-rewrite.jsonl -- ./examples/hello-rewrite >/dev/null
	@cd $(BUILD) && ./sysdiff compare hello.jsonl hello-rewrite.jsonl; \
	  echo "(exit status $$?: 0 equivalent, 1 not equivalent)"

check: deps
	$(MAKE) unit integration

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

integration: $(BUILD)/sysdiff $(FIX_BIN)
	@BUILD=$(BUILD) tests/integration/run.sh

check-san: deps
	$(MAKE) BUILD=build-san SAN=1 unit integration

fuzz:
	$(MAKE) -f fuzz/Makefile

regen-syscalls:
	scripts/gen-syscalls.sh > src/arch/syscall_names.h.tmp
	scripts/gen-syscalls.sh --classes > src/arch/syscall_classes.h.tmp
	mv src/arch/syscall_names.h.tmp src/arch/syscall_names.h
	mv src/arch/syscall_classes.h.tmp src/arch/syscall_classes.h

clean:
	rm -rf build build-san build-fuzz sysdiff

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
