# mosaic: one non-recursive Makefile.
#
#   make                  build build/mosaic and build/libmosaic.a
#   make bench            the main job: install, build, run `mosaic bench` (BENCH_ARGS=--quick ...)
#   make check            build and run every test (Check suites, end-to-end)
#   make MODE=asan check  the same under ASan + UBSan (objects in build-asan/)
#   make fuzz             build the libFuzzer targets (clang) into build-fuzz/
#   make fuzz-run         run each fuzz target for FUZZ_SECONDS (default 30)
#   make bench-self       benchmarks of mosaic's own speed (prints figures)
#   make deps             install missing Debian packages (apt-get)
#   make install PREFIX=/usr/local
#
# Library sources are every *.c directly inside a library folder (the bench
# library, harness/bench/, is built into its own archive); tests are
# tests/test-<library>.c (one Check suite each, defining test_suite(); main()
# is tests/common/check-main.c, linked into every one); end-to-end tests are
# tests/e2e/*.sh (each sources tests/e2e/lib.sh); fuzz targets are
# tests/fuzz/fuzz-*.c.  Adding a file needs
# no edit here.  Code that needs the CUDA toolkit lives in <library>/cuda/ and
# is built only when the toolkit is found.

VERSION := 0.1.0
MODE ?= release
PREFIX ?= /usr/local

ifeq ($(MODE),release)
BUILD ?= build
MODE_CFLAGS := -O2 -g
MODE_LDFLAGS :=
else ifeq ($(MODE),debug)
BUILD ?= build-debug
MODE_CFLAGS := -O0 -g3
MODE_LDFLAGS :=
else ifeq ($(MODE),asan)
BUILD ?= build-asan
MODE_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
MODE_LDFLAGS := -fsanitize=address,undefined
else
$(error MODE must be release, debug or asan)
endif

CC ?= cc
# The libraries are found with pkg-config when this file is read.  `make check`
# and `make bench` first install what is missing (`deps`) and then build in a
# sub-make, which reads this file again, so a machine that has never seen the
# packages builds in one command.  A plain `make` on such a machine stops at
# once and says which packages are missing (PKG_MISSING).
PKGS := msgpack jansson zlib libisal
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
PKG_MISSING := $(shell for p in $(PKGS) check; do pkg-config --exists $$p 2>/dev/null || echo $$p; done)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?=
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DMOSAIC_VERSION='"$(VERSION)"' -I. $(WARN) \
	$(MODE_CFLAGS) $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDLIBS := $(PKG_LIBS) -lm -lpthread

# CUDA toolkit: $(CUDA_HOME) or /usr/local/cuda.
CUDA_HOME ?= $(firstword $(wildcard /usr/local/cuda))
NVCC := $(if $(CUDA_HOME),$(wildcard $(CUDA_HOME)/bin/nvcc))

LIBDIRS := traces model workloads planner engine
LIB_SRC := $(foreach d,$(LIBDIRS),$(wildcard $(d)/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
# The CUDA parts' plain C host logic (no CUDA header; see "CUDA parts" below),
# in libmosaic.a and in every program that links the library's objects.
CUDA_HOST_SRC := $(addprefix traces/cuda/,names.c probe.c record.c) \
	$(addprefix engine/cuda/,split.c replay.c rank.c ctl.c loader.c ops.c)
HARNESS_SRC := $(wildcard harness/*.c)
BUNDLED_JSON := $(sort $(wildcard workloads/*.json))
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/bundled.o
LIBMOSAIC := $(BUILD)/libmosaic.a
# The bench library (harness/bench/: the sweep and its experiments) is its own
# archive; it uses these harness objects, which its Check suite links too.
BENCH_LIB_SRC := $(wildcard harness/bench/*.c)
BENCH_LIB_OBJ := $(BENCH_LIB_SRC:%.c=$(BUILD)/%.o)
LIBBENCH := $(BUILD)/libmosaic-bench.a
BENCH_USES_OBJ := $(addprefix $(BUILD)/harness/,cli.o plot.o plot-check.o progress.o sim-check.o \
	profiles.o calibration.o) \
	$(BUILD)/gen/bundled.o
MOSAIC := $(BUILD)/mosaic

TEST_SRC := $(wildcard tests/test-*.c)
TEST_COMMON_SRC := $(wildcard tests/common/*.c)
TEST_COMMON_OBJ := $(TEST_COMMON_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# The slowest scripts first, so that the parallel run does not end on one.
E2E_SLOW := $(addprefix tests/e2e/,bench.sh inspect-analyses.sh regress.sh bench-user.sh \
	regress-reference.sh bench-measurements.sh import-external.sh)
E2E := $(E2E_SLOW) $(sort $(filter-out tests/e2e/lib.sh $(E2E_SLOW),$(wildcard tests/e2e/*.sh)))
BENCH_SRC := $(wildcard tests/bench/bench-*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

.PHONY: all bench check check-build check-unit check-e2e deps have-pkgs fuzz fuzz-run bench-self \
	install clean cuda
all: $(MOSAIC) $(LIBMOSAIC) $(LIBBENCH)

# Every compile needs the packages: say so once, before the compiler does.
have-pkgs:
ifneq ($(strip $(PKG_MISSING)),)
	@echo "mosaic: missing libraries: $(PKG_MISSING) (pkg-config cannot find them);" \
		"run 'make deps' (installs the Debian packages), or 'make check' / 'make bench'," \
		"which install them first" >&2; exit 2
endif

# Keep intermediate objects (test objects, generated sources) between runs.
.SECONDARY:

$(BUILD)/%.o: %.c | have-pkgs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The bundled workload specs, embedded in the binary (harness/bundled.h).
$(BUILD)/gen/bundled.c: $(BUNDLED_JSON) harness/gen-bundled.sh
	@mkdir -p $(dir $@)
	sh harness/gen-bundled.sh $(BUNDLED_JSON) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/bundled.o: $(BUILD)/gen/bundled.c
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c $< -o $@

$(LIBMOSAIC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LIBBENCH): $(BENCH_LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(MOSAIC): $(HARNESS_OBJ) $(LIBBENCH) $(LIBMOSAIC)
	$(CC) $(MODE_LDFLAGS) -o $@ $(HARNESS_OBJ) $(LIBBENCH) $(LIBMOSAIC) $(LDLIBS)

$(BUILD)/tests/test-%: $(BUILD)/tests/test-%.o $(TEST_COMMON_OBJ) $(LIBMOSAIC)
	$(CC) $(MODE_LDFLAGS) -o $@ $< $(TEST_COMMON_OBJ) $(LIBMOSAIC) $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/tests/test-bench: $(BUILD)/tests/test-bench.o $(TEST_COMMON_OBJ) $(LIBBENCH) \
		$(BENCH_USES_OBJ) $(LIBMOSAIC)
	$(CC) $(MODE_LDFLAGS) -o $@ $< $(TEST_COMMON_OBJ) $(LIBBENCH) $(BENCH_USES_OBJ) \
		$(LIBMOSAIC) $(CHECK_LIBS) $(LDLIBS)

# MOSAIC_SOURCE_DIR: the suites chdir there first (tests/common/source-root.h),
# so they find their committed data wherever they are started from.
$(BUILD)/tests/%.o: tests/%.c | have-pkgs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -DMOSAIC_SOURCE_DIR='"$(CURDIR)"' -c $< -o $@

# (bench-planner times `mosaic plan`'s simulated finalist check: harness/sim-check)
$(BUILD)/bench/bench-%: tests/bench/bench-%.c $(BUILD)/harness/sim-check.o $(LIBMOSAIC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/harness/sim-check.o $(LIBMOSAIC) $(LDLIBS)

# Tests run from the repository root; MOSAIC names the program under test.
# `check` installs what is missing, then builds and tests in a sub-make that
# reads this file again (so pkg-config sees the packages just installed).
# The sub-make builds and runs the tests CHECK_JOBS at a time (default: the
# online CPUs); --output-sync prints each suite's or script's output whole,
# when it ends.  Every test runs even when one fails: each leaves its exit
# code in $(BUILD)/check/, and check-unit / check-e2e count them.
CHECK_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check: deps
	@$(MAKE) --no-print-directory -j$(CHECK_JOBS) --output-sync=target MODE=$(MODE) check-build

check-build: all $(TEST_BIN) cuda
	@rm -rf $(BUILD)/check
	@$(MAKE) --no-print-directory MODE=$(MODE) check-e2e check-unit

UNIT_RC := $(TEST_BIN:$(BUILD)/tests/%=$(BUILD)/check/unit-%.rc)
E2E_RC := $(E2E:tests/e2e/%.sh=$(BUILD)/check/e2e-%.rc)
.PHONY: FORCE
$(BUILD)/check/unit-%.rc: $(BUILD)/tests/% FORCE
	@mkdir -p $(@D); echo "== $<"; CK_FORK=yes $<; echo $$? > $@

# An e2e script exits 0 (pass), 77 (skipped: optional data or tool absent;
# counted apart, never as a pass) or anything else (fail).
$(BUILD)/check/e2e-%.rc: tests/e2e/%.sh $(MOSAIC) FORCE
	@mkdir -p $(@D); MOSAIC=$(abspath $(MOSAIC)) bash $<; rc=$$?; echo $$rc > $@; \
	case $$rc in 0) echo "PASS: $<";; 77) echo "SKIP: $<";; *) echo "FAIL: $< (exit $$rc)";; esac

check-unit: $(UNIT_RC)
	@fail=0; for t in $(TEST_BIN); do rc=$$(cat $(BUILD)/check/unit-$${t##*/}.rc); \
		[ "$$rc" = 0 ] || { echo "FAIL: $$t (exit $$rc)"; fail=1; }; done; exit $$fail

check-e2e: $(E2E_RC)
	@pass=0; skip=0; fail=0; for t in $(E2E); do n=$${t##*/}; rc=$$(cat $(BUILD)/check/e2e-$${n%.sh}.rc); \
		case $$rc in 0) pass=$$((pass+1));; 77) skip=$$((skip+1));; *) fail=$$((fail+1));; esac; \
	done; echo "e2e: $$pass passed, $$skip skipped, $$fail failed"; [ $$fail -eq 0 ]

# Debian packages mosaic needs (python3: the e2e tests read JSON with it);
# `make deps` installs the missing ones.
DEB_PKGS := build-essential pkg-config libmsgpack-dev libjansson-dev zlib1g-dev libisal-dev \
	check gnuplot-nox clang libclang-rt-14-dev libopenmpi-dev openmpi-bin python3
deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# ---- fuzzing (clang, libFuzzer) ----
FUZZ_BUILD := build-fuzz
FUZZ_SRC := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
# READ_CHUNK / RAW_CHUNK: the importer's read sizes (256 KiB each); small and
# odd here so that fuzz inputs cross hundreds of read boundaries (tokens,
# strings and gzip members split across reads).  HOST_SORT_CAP: host records
# sorted in memory (2^17); small here so that they go through sorted runs on
# a temporary file; so do IVAL_SORT_CAP (host intervals) and PAGES_KEPT (64
# KiB pages of launch points and intervals kept in memory; 64).  SORT_SHIFT:
# how far back a record added out of order is moved in place (64) before its
# buffer is left to qsort; 2 here, below the caps, so both ways are taken.
# RADIX_MIN: the analyses' sorts of fewer keys are insertion sorts (48); 2
# here, so that fuzz inputs reach the radix sorts.  TRACE_BIG_MIN: the
# analyses' arrays of this many bytes are mappings of their own (1 MiB); 512
# here, so that fuzzing maps, grows and unmaps them.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -DMOSAIC_VERSION='"$(VERSION)"' -I. -g -O1 \
	-DREAD_CHUNK=97 -DRAW_CHUNK=61 -DHOST_SORT_CAP=5 -DIVAL_SORT_CAP=3 -DPAGES_KEPT=2 \
	-DSORT_SHIFT=2 -DRADIX_MIN=2 -DTRACE_BIG_MIN=512 \
	-fsanitize=fuzzer-no-link,address,undefined $(PKG_CFLAGS)
FUZZ_SECONDS ?= 30
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o) $(CUDA_HOST_SRC:%.c=$(FUZZ_BUILD)/%.o)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_LIB_OBJ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS)

fuzz: $(FUZZ_BIN)

# UBSAN_OPTIONS=halt_on_error=1: undefined behaviour fails the run (the fuzz
# build's UBSan otherwise reports and goes on, and a run looked clean with it).
fuzz-run: fuzz
	@for f in $(FUZZ_BIN); do \
		name=$$(basename $$f); corpus=tests/fuzz/corpus/$${name#fuzz-}; \
		work=$(FUZZ_BUILD)/corpus-$$name; mkdir -p $$work; \
		echo "== $$name for $(FUZZ_SECONDS) s (seeds: $$corpus)"; \
		if ASAN_OPTIONS=allocator_may_return_null=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			$$f -max_total_time=$(FUZZ_SECONDS) \
			-max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			$$work $$corpus > $(FUZZ_BUILD)/$$name.log 2>&1; then \
			tail -n 4 $(FUZZ_BUILD)/$$name.log; \
		else tail -n 60 $(FUZZ_BUILD)/$$name.log; echo "FAIL: $$name"; exit 1; fi; \
	done; echo "fuzz: all targets ran clean"

# ---- the main job: the paper's evaluation on the embedded default ----
BENCH_ARGS ?=
bench: deps
	@$(MAKE) --no-print-directory MODE=$(MODE) all
	$(MOSAIC) bench $(BENCH_ARGS)

# ---- the host model against the measured H100 traces (issue 13), and the
# misaligned-GEMM constant of model/op.c it needed for OWLv2 ----
bench-host: $(MOSAIC)
	MOSAIC=$(MOSAIC) tests/bench/host-vs-measured.sh
	MOSAIC=$(MOSAIC) tests/bench/host-optimizer.py
	tests/bench/host-activity-fit.py
	tests/bench/host-backward-count.py
	tests/bench/host-gpu-fit.py
	tests/bench/gemm-align-fit.py --mosaic=$(MOSAIC)
	tests/bench/reduction-latency-fit.py --mosaic=$(MOSAIC)
	tests/bench/conv-a100.py --mosaic=$(MOSAIC)

# ---- benchmarks of our own speed ----
bench-self: $(MOSAIC) $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done

# ---- CUDA parts (built only when the toolkit is present) ----
# Plain C host logic of traces/cuda and engine/cuda (no CUDA header: NVTX
# encoding, NCCL names, the dlopen driver probe, `mosaic record`, SM split
# requests, replay sizing, rank mapping, control messages, the backend loader)
# goes into libmosaic.a in every build, so `mosaic` always starts and says
# what is missing.  With the toolkit, `make cuda` also builds
#   $(BUILD)/libmosaic-recorder.so   CUPTI recorder (CUDA_INJECTION64_PATH / LD_PRELOAD)
#   $(BUILD)/libmosaic-cuda.so       the cuda backend (driver API, green contexts,
#                                    NCCL, Open MPI), opened by mosaic with dlopen
# and the CUDA test programs under $(BUILD)/tests/cuda/ (run by check-cuda).
# (CUDA_HOST_SRC is defined with the library sources above.)
CUDA_HOST_OBJ := $(CUDA_HOST_SRC:%.c=$(BUILD)/%.o)
$(LIBMOSAIC): $(CUDA_HOST_OBJ)
# probe.o knows whether this build has its CUDA parts; the stamp rebuilds it
# when that changes.
CUDA_BUILT := $(if $(NVCC),1,0)
CUDA_STAMP := $(BUILD)/traces/cuda/cuda-built-$(CUDA_BUILT).stamp
$(BUILD)/traces/cuda/probe.o: ALL_CFLAGS += -DMOSAIC_CUDA_BUILT=$(CUDA_BUILT)
$(BUILD)/traces/cuda/probe.o: $(CUDA_STAMP)
$(CUDA_STAMP):
	@mkdir -p $(dir $@)
	@rm -f $(BUILD)/traces/cuda/cuda-built-*.stamp
	@touch $@

# MPI control messages need no GPU: their test runs in every build.
MPI_CFLAGS := $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS := $(shell mpicc --showme:link 2>/dev/null)
MPIRUN := mpirun --allow-run-as-root --oversubscribe
$(BUILD)/mpi/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(MPI_CFLAGS) -c $< -o $@
$(BUILD)/tests/cuda/test-mpi: $(BUILD)/mpi/tests/cuda/test-mpi.o $(BUILD)/mpi/engine/cuda/mpi.o $(LIBMOSAIC)
	@mkdir -p $(dir $@)
	$(CC) $(MODE_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBMOSAIC) $(MPI_LIBS) $(LDLIBS)
# Under ASan, leak checking is off for this test only: Open MPI keeps
# allocations past MPI_Finalize in its own libraries and in components it has
# unloaded (no frame of ours is in those reports; tests/test-cuda-host covers
# the message code with leak checking on).
check-mpi: $(BUILD)/tests/cuda/test-mpi
	@for n in 1 2 4; do echo "== $< under $(MPIRUN) -np $$n"; \
		OMPI_MCA_btl=self,vader $(MPIRUN) -np $$n -x ASAN_OPTIONS=detect_leaks=0 $< || exit 1; done

.PHONY: check-cuda check-mpi
check-build: check-cuda

ifeq ($(NVCC),)
cuda:
	@echo "cuda: no CUDA toolkit (set CUDA_HOME or install it in /usr/local/cuda): skipping the recorder and the cuda backend"
check-cuda: check-mpi
	@echo "check-cuda: no CUDA toolkit: only the CPU-side MPI test ran"
else
CUDA_INC := -isystem $(CUDA_HOME)/include
CUDA_LIBDIR := $(CUDA_HOME)/lib64
CUPTI_LIBDIR := $(firstword $(dir $(wildcard $(CUDA_HOME)/lib64/libcupti.so \
	$(CUDA_HOME)/extras/CUPTI/lib64/libcupti.so)))
CUDA_ARCHS := -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90
NVCC_FLAGS := $(CUDA_ARCHS) -O3 -std=c++17 -Werror all-warnings -Xcompiler -Wall,-Wextra,-Werror
# Objects of the shared libraries: position-independent, never sanitised
# (the recorder is injected into programs not built with ASan).
PIC_CFLAGS := -std=c11 -D_GNU_SOURCE -DMOSAIC_VERSION='"$(VERSION)"' -DMOSAIC_CUDA_BUILT=1 -I. \
	$(WARN) -O2 -g -fPIC -fvisibility=hidden $(PKG_CFLAGS) $(CUDA_INC) $(MPI_CFLAGS) -MMD -MP $(CFLAGS)
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(PIC_CFLAGS) -c $< -o $@
# Objects of the CUDA tests: the build's mode flags plus the CUDA headers.
$(BUILD)/cudahost/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CUDA_INC) $(CHECK_CFLAGS) -c $< -o $@

PIC_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/pic/%.o) $(CUDA_HOST_SRC:%.c=$(BUILD)/pic/%.o)
PIC_TRACES_OBJ := $(filter $(BUILD)/pic/traces/%,$(PIC_LIB_OBJ))
RECORDER_OBJ := $(addprefix $(BUILD)/pic/traces/cuda/,recorder.o cupti-xlate.o)
RECORDER := $(BUILD)/libmosaic-recorder.so
$(RECORDER): $(RECORDER_OBJ) $(PIC_TRACES_OBJ)
	$(CC) -shared -o $@ $^ -Wl,--no-undefined -L$(CUPTI_LIBDIR) -lcupti \
		-Wl,-rpath,$(abspath $(CUPTI_LIBDIR)) $(PKG_LIBS) -lm -lpthread

# The replay kernels: a fatbin for sm_80 and sm_90, embedded as a C array.
$(BUILD)/cuda/replay-kernels.fatbin: engine/cuda/replay-kernels.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCC_FLAGS) -fatbin -o $@ $<
$(BUILD)/cuda/replay-fatbin.c: $(BUILD)/cuda/replay-kernels.fatbin
	$(CUDA_HOME)/bin/bin2c --const --name mosaic_replay_fatbin --type longlong $< > $@
$(BUILD)/cuda/replay-fatbin.o: $(BUILD)/cuda/replay-fatbin.c
	$(CC) -fPIC -O2 -c $< -o $@
BACKEND_OBJ := $(addprefix $(BUILD)/pic/engine/cuda/,backend.o mpi.o) $(BUILD)/cuda/replay-fatbin.o
BACKEND := $(BUILD)/libmosaic-cuda.so
# libcuda comes from the toolkit's stubs at link time (its SONAME is
# libcuda.so.1, which the driver provides at run time).
$(BACKEND): $(BACKEND_OBJ) $(PIC_LIB_OBJ)
	$(CC) -shared -o $@ $^ -Wl,--no-undefined -L$(CUDA_LIBDIR)/stubs -lcuda -L$(CUDA_LIBDIR) -lnccl \
		-Wl,-rpath,$(abspath $(CUDA_LIBDIR)) $(MPI_LIBS) $(PKG_LIBS) -lm -lpthread

CUDA_TEST_BIN := $(BUILD)/tests/cuda/test-cupti
# The annotation header, from C (run under NVTX injection) and from C++/nvcc.
$(BUILD)/tests/cuda/nvtx-example: $(BUILD)/cudahost/tests/cuda/nvtx-example.o $(LIBMOSAIC)
	@mkdir -p $(dir $@)
	$(CC) $(MODE_LDFLAGS) -o $@ $< $(LIBMOSAIC) $(LDLIBS) -ldl
$(BUILD)/tests/cuda/nvtx-kernel: tests/cuda/nvtx-kernel.cu traces/cuda/mosaic-nvtx.h
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCC_FLAGS) -I. -o $@ $< -ldl
CUDA_EXTRA_BIN := $(BUILD)/tests/cuda/nvtx-example $(BUILD)/tests/cuda/nvtx-kernel
$(BUILD)/tests/cuda/test-cupti: $(BUILD)/cudahost/tests/cuda/test-cupti.o \
		$(BUILD)/cudahost/traces/cuda/cupti-xlate.o $(BUILD)/tests/common/trace-find.o $(LIBMOSAIC)
	@mkdir -p $(dir $@)
	$(CC) $(MODE_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBMOSAIC) $(CHECK_LIBS) $(LDLIBS)

cuda: $(RECORDER) $(BACKEND) $(CUDA_TEST_BIN) $(CUDA_EXTRA_BIN) $(BUILD)/tests/cuda/test-mpi
	@echo "cuda: toolkit at $(CUDA_HOME): built $(RECORDER) and $(BACKEND) (sm_80, sm_90)"
check-cuda: cuda check-mpi
	@for t in $(CUDA_TEST_BIN); do echo "== $$t"; CK_FORK=yes $$t || exit 1; done
	@nm -D --defined-only $(RECORDER) | grep -qw InitializeInjection || \
		{ echo "check-cuda: $(RECORDER) does not export InitializeInjection"; exit 1; }
	@for s in engine_cuda_backend_run engine_cuda_backend_profile; do \
		nm -D --defined-only $(BACKEND) | grep -qw $$s || \
		{ echo "check-cuda: $(BACKEND) does not export $$s"; exit 1; }; done
	@echo "== $(BUILD)/tests/cuda/nvtx-example under NVTX_INJECTION64_PATH=$(RECORDER)"
	@NVTX_INJECTION64_PATH=$(abspath $(RECORDER)) MOSAIC_TRACE_OUT=$(BUILD)/tests/cuda/nvtx-%p.mtr \
		$(BUILD)/tests/cuda/nvtx-example
	@echo "check-cuda: ok"
# mosaic looks for both libraries in ../lib/mosaic/ relative to its binary.
.PHONY: install-cuda
install: install-cuda
install-cuda: $(RECORDER) $(BACKEND)
	install -d $(DESTDIR)$(PREFIX)/lib/mosaic $(DESTDIR)$(PREFIX)/include/mosaic/traces/cuda
	install -m 755 $(RECORDER) $(BACKEND) $(DESTDIR)$(PREFIX)/lib/mosaic/
	install -m 644 traces/cuda/mosaic-nvtx.h $(DESTDIR)$(PREFIX)/include/mosaic/traces/cuda/
-include $(PIC_LIB_OBJ:.o=.d) $(RECORDER_OBJ:.o=.d) $(BACKEND_OBJ:.o=.d) \
	$(BUILD)/cudahost/tests/cuda/test-cupti.d $(BUILD)/cudahost/traces/cuda/cupti-xlate.d
endif
-include $(CUDA_HOST_OBJ:.o=.d) $(BUILD)/mpi/tests/cuda/test-mpi.d $(BUILD)/mpi/engine/cuda/mpi.d

# ---- install ----
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/mosaic
	install -m 755 $(MOSAIC) $(DESTDIR)$(PREFIX)/bin/mosaic
	install -m 644 $(LIBMOSAIC) $(DESTDIR)$(PREFIX)/lib/libmosaic.a
	for d in $(LIBDIRS); do install -d $(DESTDIR)$(PREFIX)/include/mosaic/$$d; \
		install -m 644 $$d/$$d.h $(DESTDIR)$(PREFIX)/include/mosaic/$$d/; done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@PKGS@|$(PKGS)|' \
		harness/mosaic.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/mosaic.pc

clean:
	rm -rf build build-debug build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(HARNESS_OBJ:.o=.d) $(BENCH_LIB_OBJ:.o=.d) $(TEST_COMMON_OBJ:.o=.d) \
	$(TEST_BIN:%=%.d) $(FUZZ_LIB_OBJ:.o=.d)
