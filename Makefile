# jrunc — build, test, install.  `make` leaves ./jrunc; `make test` runs every test.
SHELL := /bin/bash
PREFIX ?= /usr/local
JDK := $(shell scripts/find-jdk.sh)
ifeq ($(JDK),)
$(error no JDK >= 22 found (see the message above))
endif
JAVA := $(JDK)/bin/java
MVN := JAVA_HOME=$(JDK) mvn -B -q
HOME_DIR := $(CURDIR)/target
# Each jrunc JVM lives for a fraction of a second: no JIT beyond C1, no perf data, and reflection
# through native accessors, which Jackson's first binding of the spec records needs about half
# as long as the method-handle ones the JDK would spin classes for.
# src/main/java/dev/jrunc/container/RuntimeHome.java starts the init JVM with the same flags.
JVM_FLAGS := -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k -Djdk.reflect.useNativeAccessorOnly=true
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
SOURCES := $(shell find src/main oci-spec -type f) pom.xml

.PHONY: all prereqs install uninstall test unit conformance fuzz test-cgroup2 test-engines demo bench clean

all: jrunc

prereqs:
	@scripts/prereqs.sh build

target/jrunc.jar: $(SOURCES) | prereqs
	$(MVN) -DskipTests package
	@touch $@

target/jrunc-nsexec: native-helpers/nsexec.c Makefile | prereqs
	@mkdir -p target
	gcc -O2 -static -Wall -Wextra -Werror -o $@ $<


# The JVM's ahead-of-time cache, from a training run over the verbs' and the init's code paths:
# it roughly halves the start-up of every jrunc JVM. It is tied to the jar's path and this JDK.
target/jrunc.aot: target/jrunc.jar Makefile
	$(JAVA) $(JVM_FLAGS) --enable-native-access=ALL-UNNAMED -Djrunc.home=$(HOME_DIR) -XX:AOTCacheOutput=$@ \
	    -cp $(HOME_DIR)/jrunc.jar dev.jrunc.tools.AotTraining 2>&1 | grep -v '^\[' || true
	@test -s $@ || { echo "AOT cache was not written; jrunc works without it, only slower" >&2; touch $@; }

jrunc: target/jrunc.jar target/jrunc-nsexec target/jrunc.aot
	@scripts/write-launcher.sh $@ $(HOME_DIR) $(JAVA) $(COMMIT) $(JVM_FLAGS)
	@echo "built ./jrunc"

install: jrunc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/jrunc/lib
	install -m 644 target/jrunc.jar $(DESTDIR)$(PREFIX)/lib/jrunc/
	install -m 644 target/lib/*.jar $(DESTDIR)$(PREFIX)/lib/jrunc/lib/
	install -m 755 target/jrunc-nsexec $(DESTDIR)$(PREFIX)/lib/jrunc/
	$(JAVA) $(JVM_FLAGS) --enable-native-access=ALL-UNNAMED -Djrunc.home=$(PREFIX)/lib/jrunc \
	    -XX:AOTCacheOutput=$(DESTDIR)$(PREFIX)/lib/jrunc/jrunc.aot \
	    -cp $(PREFIX)/lib/jrunc/jrunc.jar dev.jrunc.tools.AotTraining 2>&1 | grep -v '^\[' || true
	scripts/write-launcher.sh $(DESTDIR)$(PREFIX)/bin/jrunc $(PREFIX)/lib/jrunc $(JAVA) $(COMMIT) $(JVM_FLAGS)
	@echo "installed $(DESTDIR)$(PREFIX)/bin/jrunc"

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/lib/jrunc $(DESTDIR)$(PREFIX)/bin/jrunc

# Unit tests (no root needed), then the conformance suite: real containers, as root; then the
# engines (containerd, podman) driving jrunc, compared with Debian's runc; the
# cgroup v2 set in a VM when the cg2vm tool is there and its one-time setup succeeds.
test: jrunc
	@scripts/prereqs.sh test
	$(MVN) verify -DskipConformance=false -Djrunc.binary=$(CURDIR)/jrunc
	@if [ -z "$(CG2VM)" ]; then echo "test-cgroup2: skipped (no shared/tools/cg2vm/run-in-vm.sh)"; \
	elif ! ( $(CG2VM_READY) ); then echo "test-cgroup2: skipped (cg2vm setup failed)"; \
	else $(MAKE) --no-print-directory test-cgroup2; fi
	$(MAKE) --no-print-directory test-engines

# cgroup v2 for real: a VM whose only hierarchy is cgroup2 (the host is v1/v2 hybrid).
CG2VM ?= $(firstword $(wildcard $(CURDIR)/../shared/tools/cg2vm/run-in-vm.sh $(CURDIR)/../../shared/tools/cg2vm/run-in-vm.sh /work/shared/tools/cg2vm/run-in-vm.sh))
CG2VM_WORK := $${CG2VM_DIR:-/tmp/cg2vm}
CG2VM_READY := { [ -s $(CG2VM_WORK)/vmlinux ] && [ -s $(CG2VM_WORK)/initramfs.cpio ]; } || $(CG2VM) --setup >/dev/null
test-cgroup2: jrunc
	@test -n "$(CG2VM)" || { echo "test-cgroup2: run-in-vm.sh not found in ../shared/tools/cg2vm" >&2; exit 1; }
	@$(CG2VM_READY)
	@scripts/make-bundle.sh target/cgroup2-base >/dev/null
	@gcc -static -O2 -o target/cgroup2-base/rootfs/bin/hugetlb-probe conformance/fixtures/hugetlb-probe.c
	@# The guest sees the host's root filesystem but a fresh /tmp: share the clone, wherever it is.
	@start=$$(date +%s); \
	CG2VM_SHARE=$${CG2VM_SHARE:-$(CURDIR)} $(CG2VM) 'scripts/cgroup2-tests.sh $(CURDIR)/jrunc $(CURDIR)/target/cgroup2-base'; rc=$$?; \
	echo "test-cgroup2: $$(( $$(date +%s) - start ))s"; exit $$rc

unit: | prereqs
	$(MVN) test

conformance: jrunc
	@scripts/prereqs.sh test
	$(MVN) verify -Dsurefire.skip=true -DskipConformance=false -Djrunc.binary=$(CURDIR)/jrunc

# The config fuzz suite at full size: FUZZ_TRIES generated configs (real creates, as root; `make
# test` runs a few hundred), figures at the end. FUZZ_CASE=base:seed:count replays one case.
FUZZ_TRIES ?= 10000
fuzz: jrunc
	@scripts/prereqs.sh test
	@rm -f target/fuzz-report.txt
	@$(MVN) verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -DskipConformance=false \
	    -Djrunc.binary=$(CURDIR)/jrunc -Dit.test=ConfigFuzzIT \
	    $(if $(FUZZ_CASE),-Djrunc.fuzz.case=$(FUZZ_CASE) -Djqwik.tries.default=1,-Djqwik.tries.default=$(FUZZ_TRIES)) \
	    >target/fuzz.log 2>&1; rc=$$?; \
	cat target/fuzz-report.txt 2>/dev/null || tail -40 target/fuzz.log; \
	[ $$rc = 0 ] || echo "make fuzz: failed; the whole output is in target/fuzz.log" >&2; exit $$rc

# containerd through ctr and podman through conmon, with jrunc and with runc. Installs containerd,
# podman and runc from Debian when missing, and fails (never skips) when that is impossible.
test-engines: jrunc
	@scripts/prereqs.sh test
	@rc=0; \
	JRUNC=$(CURDIR)/jrunc scripts/engine-tests/containerd.sh 2>target/engine-tests-containerd.log || rc=1; \
	JRUNC=$(CURDIR)/jrunc scripts/engine-tests/podman.sh 2>target/engine-tests-podman.log || rc=1; \
	[ $$rc = 0 ] || echo "engine tests failed; the commands and outputs are in target/engine-tests-*.log" >&2; \
	exit $$rc

demo: jrunc
	@scripts/prereqs.sh demo
	@scripts/demo.sh $(CURDIR)/jrunc

bench: jrunc
	@scripts/prereqs.sh bench
	@scripts/bench.sh $(CURDIR)/jrunc

clean:
	rm -rf target jrunc
