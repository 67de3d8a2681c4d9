# sysdiff - build, test and demo.  GNU make + pkg-config.
#   make            build ./sysdiff (in build/)
#   make demo       install missing packages, build, trace and validate the bundled example
#   make check      install missing packages, build, run unit + integration tests
#   make check-san  the same test suite under AddressSanitizer + UBSan
#   make fuzz       build the libFuzzer targets (clang)
#   make install    the binary, man page and bash/zsh completions under PREFIX (/usr/local;
#                   DESTDIR for staging); make uninstall removes them

CC      ?= cc
PKGS    := libdw jansson libxxhash zlib libzstd
BUILD   ?= build
SAN     ?=
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR      = $(PREFIX)/bin
MAN1DIR     = $(PREFIX)/share/man/man1
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/site-functions

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wshadow -MMD -MP -Isrc
CFLAGS  += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

ifneq ($(SAN),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(shell find src -name '*.c' ! -name main.c ! -path 'src/tracer/stub/*' | sort)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/vdso_image.o
MAIN_OBJ := $(BUILD)/src/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FIX_SRC  := $(wildcard tests/fixtures/*.c)
FIX_BIN  := $(FIX_SRC:tests/fixtures/%.c=$(BUILD)/fixtures/%)

.PHONY: all deps demo check check-san layers unit integration fuzz clean regen-syscalls regen-pylayout \
	install uninstall
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

include src/tracer/stub/stub.mk
$(BUILD)/gen/vdso.so: $(STUB_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(STUB_FLAGS) -o $@ src/tracer/stub/vdso.c
$(BUILD)/gen/vdso_image.c: $(BUILD)/gen/vdso.so
	scripts/vdso-image.sh $< $@
$(BUILD)/gen/vdso_image.o: $(BUILD)/gen/vdso_image.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsysdiff.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags cmocka) -o $@ $< $(BUILD)/libsysdiff.a \
		$(LDFLAGS) $(LDLIBS) $(shell pkg-config --libs cmocka)

# Fixtures are plain programs: built without sanitizers so they behave like user programs.
$(BUILD)/fixtures/%: tests/fixtures/%.c
	@mkdir -p $(dir $@)
	cc -O1 -g -Wall -Wextra -o $@ $< -lpthread

# Source-line fixtures (tests/integration/test_source.py): one C program at several
# optimization levels and link modes, threads, fork and exec, libraries of the user's own
# (linked and dlopen'ed), C++, and Rust when rustc is there (tests skip Rust without it).
SRCFIX    := $(BUILD)/fixtures/source
SRCFIX_IN := tests/fixtures/source
SRCFIX_C  := $(addprefix $(SRCFIX)/,c_lines_O0 c_lines_O2 c_lines_nofp c_lines_nopie \
	c_lines_static c_lines_nodebug src_thread src_fork src_replace libsrcuser.so \
	libsrcplug.so src_uselib cxx_lines)
RUSTC     ?= $(firstword $(shell command -v rustc 2>/dev/null) $(wildcard $(HOME)/.cargo/bin/rustc))
SRCFIX_RS := $(if $(RUSTC),$(addprefix $(SRCFIX)/,rust_lines rust_lines_opt rust_mapped))

integration: $(SRCFIX_C) $(SRCFIX_RS)

$(SRCFIX)/c_lines_O0: $(SRCFIX_IN)/c_lines.c
	@mkdir -p $(dir $@)
	cc -g -O0 -o $@ $<
$(SRCFIX)/c_lines_O2: $(SRCFIX_IN)/c_lines.c
	@mkdir -p $(dir $@)
	cc -g -O2 -o $@ $<
$(SRCFIX)/c_lines_nofp: $(SRCFIX_IN)/c_lines.c
	@mkdir -p $(dir $@)
	cc -g -O1 -fomit-frame-pointer -o $@ $<
$(SRCFIX)/c_lines_nopie: $(SRCFIX_IN)/c_lines.c
	@mkdir -p $(dir $@)
	cc -g -O0 -fno-pie -no-pie -o $@ $<
$(SRCFIX)/c_lines_static: $(SRCFIX_IN)/c_lines.c
	@mkdir -p $(dir $@)
	cc -g -O0 -static -o $@ $<
$(SRCFIX)/c_lines_nodebug: $(SRCFIX_IN)/c_lines.c
	@mkdir -p $(dir $@)
	cc -O0 -o $@ $<
$(SRCFIX)/lib%.so: $(SRCFIX_IN)/lib%.c
	@mkdir -p $(dir $@)
	cc -g -O1 -shared -fPIC -o $@ $<
$(SRCFIX)/src_uselib: $(SRCFIX_IN)/src_uselib.c $(SRCFIX)/libsrcuser.so $(SRCFIX)/libsrcplug.so
	cc -g -O1 -o $@ $< -L$(SRCFIX) -lsrcuser -ldl -Wl,-rpath,'$$ORIGIN'
$(SRCFIX)/cxx_lines: $(SRCFIX_IN)/cxx_lines.cpp
	@mkdir -p $(dir $@)
	g++ -g -O1 -o $@ $<
$(SRCFIX)/%: $(SRCFIX_IN)/%.c
	@mkdir -p $(dir $@)
	cc -g -O1 -o $@ $< -lpthread
$(SRCFIX)/rust_lines_opt: $(SRCFIX_IN)/rust_lines.rs
	@mkdir -p $(dir $@)
	$(RUSTC) -g -C opt-level=2 -o $@ $<
$(SRCFIX)/rust_%: $(SRCFIX_IN)/rust_%.rs
	@mkdir -p $(dir $@)
	$(RUSTC) -g -o $@ $<

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
	@echo
	@echo "--- sysdiff validate --original examples/hello.py --transpiled $(BUILD)/examples/hello"
	@./$(BUILD)/sysdiff validate --original examples/hello.py --transpiled $(BUILD)/examples/hello </dev/null; \
	  echo "(exit status $$?: 0 equivalent, 1 not equivalent)"
	@echo
	@echo "--- the same with a rewrite that lost a comma ($(BUILD)/examples/hello-rewrite)"
	@./$(BUILD)/sysdiff validate --original examples/hello.py --transpiled $(BUILD)/examples/hello-rewrite </dev/null; \
	  echo "(exit status $$?: 0 equivalent, 1 not equivalent)"

check: deps layers
	$(MAKE) unit integration

# Includes only go down the layers of docs/ARCHITECTURE.md.
layers:
	@scripts/check-layers.sh

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

integration: $(BUILD)/sysdiff $(FIX_BIN)
	@BUILD=$(BUILD) tests/integration/run.sh

check-san: deps
	$(MAKE) BUILD=build-san SAN=1 unit integration

fuzz:
	$(MAKE) -j2 -f fuzz/Makefile

# CPython 3.11/3.12 layouts (src/srcloc/pylayout_gen.h) from internal headers: Debian's
# python3.11-dev and a 3.12 tree (Python.h and internal/).  PY312_INCLUDE=DIR names the
# 3.12 tree; by default it is the first found of: the include directory (sysconfig) of
# each python3.12 on PATH, then of pyenv's 3.12 builds, then /usr/include/python3.12.
# Looked for only when regen-pylayout runs (the variable is expanded nowhere else).
PY312_PYTHONS  = $(foreach d,$(subst :, ,$(PATH)),$(wildcard $(d)/python3.12)) \
	$(sort $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12))
PY312_INCDIRS  = $(foreach py,$(PY312_PYTHONS),$(shell '$(py)' -c \
	'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null)) /usr/include/python3.12
PY312_INCLUDE ?= $(firstword $(foreach d,$(PY312_INCDIRS),\
	$(and $(wildcard $(d)/Python.h),$(wildcard $(d)/internal/pycore_frame.h),$(d))))
regen-pylayout:
	@inc='$(PY312_INCLUDE)'; \
	[ -n "$$inc" ] || { echo "regen-pylayout: no CPython 3.12 headers with internal/ found" \
	  "(python3.12 on PATH, $(HOME)/.pyenv/versions/3.12*, /usr/include/python3.12);" \
	  "install a 3.12 with its headers or give make PY312_INCLUDE=DIR" >&2; exit 1; }; \
	echo "scripts/gen-pylayout.sh /usr/include/python3.11 $$inc > src/srcloc/pylayout_gen.h.tmp"; \
	scripts/gen-pylayout.sh /usr/include/python3.11 "$$inc" > src/srcloc/pylayout_gen.h.tmp
	mv src/srcloc/pylayout_gen.h.tmp src/srcloc/pylayout_gen.h

regen-syscalls:
	scripts/gen-syscalls.sh > src/arch/syscall_names.h.tmp
	scripts/gen-syscalls.sh --classes > src/arch/syscall_classes.h.tmp
	mv src/arch/syscall_names.h.tmp src/arch/syscall_names.h
	mv src/arch/syscall_classes.h.tmp src/arch/syscall_classes.h

# The files of a Unix tool: `man sysdiff`, and completion of sysdiff's subcommands,
# options and syscall names in bash and zsh (tests/integration/test_install.py).
install: $(BUILD)/sysdiff
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MAN1DIR)' '$(DESTDIR)$(BASHCOMPDIR)' \
		'$(DESTDIR)$(ZSHCOMPDIR)'
	install -m 755 $(BUILD)/sysdiff '$(DESTDIR)$(BINDIR)/sysdiff'
	install -m 644 docs/sysdiff.1 '$(DESTDIR)$(MAN1DIR)/sysdiff.1'
	install -m 644 completions/sysdiff.bash '$(DESTDIR)$(BASHCOMPDIR)/sysdiff'
	install -m 644 completions/_sysdiff '$(DESTDIR)$(ZSHCOMPDIR)/_sysdiff'

uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/sysdiff' '$(DESTDIR)$(MAN1DIR)/sysdiff.1' \
		'$(DESTDIR)$(BASHCOMPDIR)/sysdiff' '$(DESTDIR)$(ZSHCOMPDIR)/_sysdiff'

clean:
	rm -rf build build-san build-fuzz sysdiff

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
