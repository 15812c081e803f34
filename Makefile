# Makefile
#	  Build zvec with PGXS: `make`, `make install`, `make installcheck`.
#
# Copyright (c) 2026, the zvec developers
#
# Tests:
#	installcheck   pg_regress (sql/ -> expected/) against a running server,
#	               then the Perl TAP tests in test/t/ (their own clusters)
#	kernelcheck    the distance-kernel accuracy test (no server needed)
#	pgtapcheck     the pgTAP catalog-contract suite in test/pgtap/ (pg_prove)
#	fuzz           the libFuzzer harnesses in test/fuzz/, FUZZ_SECONDS each
#	               (clang; no server needed)
#
# CI passes COPT='-Werror' and COPT='-Werror -DUSE_ASSERT_CHECKING'.

EXTENSION = zvec
EXTVERSION = 0.1.0
MODULE_big = zvec
PGFILEDESC = "zvec - vector type and vector index access method"

# Every C file under src/ is part of the module.
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))

HEADERS = $(wildcard src/*.h src/*/*.h)

DATA = $(wildcard sql/zvec--*.sql)

# Every sql/<name>.sql except the install and upgrade scripts is a
# pg_regress test; each runs in a database where zvec is already created.
REGRESS = $(sort $(patsubst sql/%.sql,%,$(filter-out sql/zvec--%.sql,$(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=zvec

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare

EXTRA_CLEAN = zvec.exports test/kernels/kernel_test $(FUZZ_HARNESSES:%=test/fuzz/%_fuzzer) test/fuzz/tmp_check bench/kernel_bench results regression.diffs regression.out tmp_check

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# distance.c takes its SIMD kernels from a template header; PGXS does not
# track header dependencies, so name this one.
src/type/distance.o src/type/distance.bc: src/type/distance_simd.h

# Export only what PostgreSQL looks up by name: _PG_init, the magic block,
# the SQL-callable functions (each has a pg_finfo_ record) and the entry
# points of parallel workers (named *WorkerMain by convention).  Everything
# else stays local, so zvec's internal names -- many of which pgvector's
# library also defines -- never interpose on another module's when both are
# loaded (for example with shared_preload_libraries = 'zvec'), and
# -Bsymbolic binds zvec's own calls to its own definitions.
ifeq ($(PORTNAME),linux)
SHLIB_LINK += -Wl,--version-script=zvec.exports -Wl,-Bsymbolic
$(shlib): zvec.exports
zvec.exports: $(OBJS)
	{ echo '{ global: _PG_init; Pg_magic_func; *WorkerMain;'; \
	  nm -g --defined-only $(OBJS) | \
	    awk '$$3 ~ /^pg_finfo_/ { print "  " $$3 "; " substr($$3, 10) ";" }'; \
	  echo 'local: *; };'; } > $@
endif

# The kernel test links the portable and SIMD kernels without a server.
test/kernels/kernel_test: test/kernels/kernel_test.c src/type/distance.c src/type/distance.h src/type/distance_simd.h
	$(CC) -O2 -g -std=gnu99 -Wall -Wextra -I$(srcdir)/src $(COPT) -o $@ \
		test/kernels/kernel_test.c src/type/distance.c -lm

kernelcheck: test/kernels/kernel_test
	$(PROVE) $(PROVE_FLAGS) --exec '' test/kernels/kernel_test

pgtapcheck:
	pg_prove $(PG_PROVE_FLAGS) test/pgtap/*.sql

.PHONY: kernelcheck pgtapcheck

# libFuzzer harnesses of the parsers that read untrusted bytes: the vector
# text and binary forms (src/type/vector_parse.c) and the side-file checks
# (src/storage/mmap_file.c), built without the server (-DFRONTEND) under
# ASan and UBSan.  `make fuzz FUZZ_SECONDS=60` builds each harness and runs
# it that long from its seed corpus in test/fuzz/corpus/<name>/; new inputs,
# logs and any crashing input go to test/fuzz/tmp_check/.  A crash, a
# failed property or a leak fails the target.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES = vector_text vector_recv mmap_header
FUZZ_CFLAGS = -g -O1 -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Wno-ignored-attributes \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-DFRONTEND -I$(srcdir)/src -I$(srcdir)/test/fuzz -I$(includedir_server)
FUZZ_LIBS = -L$(pkglibdir) -L$(libdir) -lpgcommon -lpgport -lm
# Inputs longer than this are not tried: a 16,001-element text fits.
FUZZ_MAX_LEN_vector_text = 40000
FUZZ_MAX_LEN_vector_recv = 8192
FUZZ_MAX_LEN_mmap_header = 16384

test/fuzz/vector_text_fuzzer: test/fuzz/vector_text_fuzzer.c src/type/vector_parse.c src/type/vector_parse.h test/fuzz/fuzz_common.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(COPT) -o $@ test/fuzz/vector_text_fuzzer.c src/type/vector_parse.c $(FUZZ_LIBS)

test/fuzz/vector_recv_fuzzer: test/fuzz/vector_recv_fuzzer.c src/type/vector_parse.c src/type/vector_parse.h test/fuzz/fuzz_common.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(COPT) -o $@ test/fuzz/vector_recv_fuzzer.c src/type/vector_parse.c $(FUZZ_LIBS)

test/fuzz/mmap_header_fuzzer: test/fuzz/mmap_header_fuzzer.c src/storage/mmap_file.c src/storage/mmap_file.h test/fuzz/fuzz_common.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(COPT) -o $@ test/fuzz/mmap_header_fuzzer.c src/storage/mmap_file.c $(FUZZ_LIBS)

fuzz-build: $(FUZZ_HARNESSES:%=test/fuzz/%_fuzzer)

fuzz: fuzz-build
	@rm -rf test/fuzz/tmp_check
	@set -e; for hl in $(foreach h,$(FUZZ_HARNESSES),$(h):$(FUZZ_MAX_LEN_$(h))); do \
		h=$${hl%%:*}; \
		mkdir -p test/fuzz/tmp_check/$$h; \
		echo "fuzz: $$h for $(FUZZ_SECONDS) s"; \
		if ! test/fuzz/$${h}_fuzzer -max_total_time=$(FUZZ_SECONDS) \
			-max_len=$${hl##*:} -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=test/fuzz/tmp_check/$$h- \
			test/fuzz/tmp_check/$$h test/fuzz/corpus/$$h \
			>test/fuzz/tmp_check/$$h.log 2>&1; then \
			tail -n 40 test/fuzz/tmp_check/$$h.log; \
			echo "fuzz: $$h FAILED; the input is in test/fuzz/tmp_check/"; \
			exit 1; \
		fi; \
		echo "fuzz: $$h: $$(sed -n 's/^stat::number_of_executed_units: *//p' test/fuzz/tmp_check/$$h.log) executions, no failure"; \
	done

.PHONY: fuzz fuzz-build

# Kernel micro-benchmark (timing lives in bench/, never in a test).
bench/kernel_bench: bench/kernel_bench.c src/type/distance.c src/type/distance.h src/type/distance_simd.h
	$(CC) -O2 -std=gnu99 -Wall -Wextra -I$(srcdir)/src $(COPT) -o $@ bench/kernel_bench.c src/type/distance.c -lm

kernelbench: bench/kernel_bench
	bench/kernel_bench

.PHONY: kernelbench

# Benchmark tools (bench/Makefile: gen, groundtruth, zbench); the driver
# is bench/run, documented in bench/README.md.  Timing lives in bench/,
# never in a test.
bench:
	$(MAKE) -C bench PG_CONFIG=$(PG_CONFIG)

bench-clean:
	$(MAKE) -C bench clean

clean: bench-clean

.PHONY: bench bench-clean
