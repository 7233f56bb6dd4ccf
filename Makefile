# PGXS build of pg_bulk (C++17), install, and the server test suites.
EXTENSION = pg_bulk
MODULE_big = pg_bulk
DATA = sql/pg_bulk--0.1.sql sql/pg_bulk--0.2.sql sql/pg_bulk--0.3.sql sql/pg_bulk--0.1--0.2.sql \
       sql/pg_bulk--0.2--0.3.sql pg_bulk--0.1.control

# nlohmann_view.cpp serves the unit tests and the fuzzer only.
CORE_SOURCES = $(filter-out src/core/nlohmann_view.cpp,$(sort $(wildcard src/core/*.cpp)))
GLUE_SOURCES = $(sort $(wildcard src/pg/*.cpp src/pg/*/*.cpp))
OBJS = $(CORE_SOURCES:.cpp=.o) $(GLUE_SOURCES:.cpp=.o)

PG_CPPFLAGS = -I$(srcdir)/src
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-register
SHLIB_LINK = -lstdc++

# Bitcode for JIT inlining would need clang; the extension has nothing worth inlining.
override with_llvm = no

# pg_regress suites, run against a throwaway instance that preloads the library.
# Each test file creates the extension afresh, so files do not depend on each other.
REGRESS = $(shell cat test/regress_schedule)
# Lengths count characters: the tests need a UTF8 database whatever the machine's locale.
ENCODING = UTF8
TEST_OUTPUT ?= $(CURDIR)/build/test
REGRESS_PORT ?= 58432
REGRESS_OPTS = --temp-instance=$(TEST_OUTPUT)/regress_instance \
	--temp-config=$(srcdir)/test/test.conf --port=$(REGRESS_PORT) \
	--outputdir=$(TEST_OUTPUT)/regress

# Isolation specs (concurrent sessions), against their own throwaway instance.
ISOLATION = $(shell cat test/isolation_schedule)
ISOLATION_PORT ?= 58433
ISOLATION_OPTS = --inputdir=$(srcdir)/test/isolation \
	--temp-instance=$(TEST_OUTPUT)/isolation_instance \
	--temp-config=$(srcdir)/test/isolation.conf --port=$(ISOLATION_PORT) \
	--outputdir=$(TEST_OUTPUT)/isolation

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(OBJS): $(wildcard src/core/*.hpp src/pg/*.hpp src/pg/*/*.hpp)
