# jrunc — build, test, install.  `make` leaves ./jrunc; `make test` runs every test.
SHELL := /bin/bash
PREFIX ?= /usr/local
JDK := $(shell scripts/find-jdk.sh)
ifeq ($(JDK),)
$(error no JDK >= 25 found (see the message above))
endif
JAVA := $(JDK)/bin/java
MVN := JAVA_HOME=$(JDK) mvn -B -q
HOME_DIR := $(CURDIR)/target
# The JVM flags, defined here only. JVM_FLAGS: a JVM that lives for a fraction of a second (direct
# mode, the container's init): no JIT beyond C1, no perf data, and reflection through native
# accessors, which Jackson's first binding of the spec records needs about half as long as the
# method-handle ones the JDK would spin classes for. The front is compiled with them, and
# target/jvm-flags hands them to RuntimeHome, which starts the init JVM.
# ENGINE_JVM_FLAGS: the resident engine: the full JIT (it stays warm), a small serial heap that
# gives memory back when idle, all of it at the first collection (not a share per collection, as
# ShrinkHeapInSteps would), the same native accessors.
# A crash report (hs_err, replay data) of any of them goes to LOG_DIR and never to the working
# directory (often the bundle) or /tmp; no core file either. The front makes LOG_DIR, and sends
# the reports to stderr where it cannot.
LOG_DIR ?= /var/log/jrunc
CRASH_FLAGS := -XX:ErrorFile=$(LOG_DIR)/hs_err_pid%p.log -XX:ReplayDataFile=$(LOG_DIR)/replay_pid%p.log -XX:-CreateCoredumpOnCrash
JVM_FLAGS := -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k -Djdk.reflect.useNativeAccessorOnly=true $(CRASH_FLAGS)
ENGINE_JVM_FLAGS := -XX:+UseSerialGC -XX:-UsePerfData -Xss512k -Xms8m -Xmx256m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:-ShrinkHeapInSteps -XX:ReservedCodeCacheSize=48m -Djdk.reflect.useNativeAccessorOnly=true $(CRASH_FLAGS)
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
SOURCES := $(shell find src/main oci-spec -type f) pom.xml
FRONT_SOURCES := native-helpers/front.c native-helpers/engine-protocol.h scripts/write-launcher.sh
# One id for the jar, the helper and the front built from these sources and flags: an engine
# started by a front of another build is replaced.
BUILD_ID := $(shell { cat $(SOURCES) native-helpers/*.c native-helpers/*.h; echo '$(JVM_FLAGS) $(ENGINE_JVM_FLAGS)'; } | sha256sum | cut -c1-16)
# make conformance ENGINE=off runs the suite in direct mode (the front execs a JVM per verb).
ENGINE ?= on
# verify without the unit tests (surefire runs none; failsafe's conformance suite is unaffected)
NO_UNIT := -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false
# The direct-mode pass of make test leaves out the long runs whose subject is the same code either
# way (the soak, the concurrency races, the fuzz suite, which creates in-process): they run with the engine.
DIRECT_SKIP := !SoakIT, !ConcurrencyIT, !ConfigFuzzIT

.PHONY: all prereqs install uninstall test unit conformance conformance-both faults fuzz test-cgroup2 test-systemd test-engines test-rootless demo bench clean completion man soak

all: jrunc

prereqs:
	@scripts/prereqs.sh build

target/jrunc.jar: $(SOURCES) | prereqs
	$(MVN) -DskipTests package
	@touch $@

target/jrunc-nsexec: native-helpers/nsexec.c native-helpers/helper-protocol.h Makefile | prereqs
	@mkdir -p target
	gcc -O2 -static -Wall -Wextra -Werror -o $@ $<


# The JVM's ahead-of-time cache, from a training run over the verbs' and the init's code paths:
# it roughly halves the start-up of every jrunc JVM. It is tied to the jar's path and this JDK.
target/jrunc.aot: target/jrunc.jar Makefile
	$(JAVA) $(JVM_FLAGS) --enable-native-access=ALL-UNNAMED -Djrunc.home=$(HOME_DIR) -XX:AOTCacheOutput=$@ \
	    -cp $(HOME_DIR)/jrunc.jar dev.jrunc.tools.AotTraining 2>&1 | grep -v '^\[' || true
	@test -s $@ || { echo "AOT cache was not written; jrunc works without it, only slower" >&2; touch $@; }

target/jvm-flags: Makefile
	@mkdir -p target
	@printf '%s\n' $(JVM_FLAGS) > $@

# ./jrunc is the native front. target/jrunc-direct is the same front with the engine off by
# default (the conformance suite's direct mode); target/jrunc-other-build has another build id
# (a test replaces the engine with it).
jrunc: target/jrunc.jar target/jrunc-nsexec target/jrunc.aot target/jvm-flags $(FRONT_SOURCES)
	@scripts/write-launcher.sh $@ $(HOME_DIR) $(JAVA) $(COMMIT) $(BUILD_ID) auto $(LOG_DIR) "$(JVM_FLAGS)" "$(ENGINE_JVM_FLAGS)"
	@scripts/write-launcher.sh target/jrunc-direct $(HOME_DIR) $(JAVA) $(COMMIT) $(BUILD_ID) off $(LOG_DIR) "$(JVM_FLAGS)" "$(ENGINE_JVM_FLAGS)"
	@scripts/write-launcher.sh target/jrunc-other-build $(HOME_DIR) $(JAVA) $(COMMIT) other-$(BUILD_ID) auto $(LOG_DIR) "$(JVM_FLAGS)" "$(ENGINE_JVM_FLAGS)"
	@./jrunc engine stop >/dev/null 2>&1 || true
	@echo "built ./jrunc"

# Shell completion (bash, zsh) and man pages, generated from the command model by picocli's own
# generators (AutoComplete; picocli-codegen's ManPageGenerator, whose AsciiDoc asciidoctor turns
# into roff). dev.jrunc.tools.Completion and dev.jrunc.tools.ManPages say how.
completion: target/completion/jrunc
target/completion/jrunc: target/jrunc.jar
	$(JAVA) -cp target/jrunc.jar dev.jrunc.tools.Completion target/completion

man: target/man/jrunc.1
target/man/jrunc.1: target/jrunc.jar
	@scripts/prereqs.sh man
	rm -rf target/man target/man-adoc
	$(JAVA) -cp 'target/jrunc.jar:target/build-lib/*' dev.jrunc.tools.ManPages target/man-adoc
	asciidoctor -b manpage -D target/man target/man-adoc/*.adoc

install: jrunc completion man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/jrunc/lib
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 target/completion/jrunc $(DESTDIR)$(PREFIX)/share/bash-completion/completions/jrunc
	install -m 644 target/completion/_jrunc $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_jrunc
	install -m 644 target/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 target/jrunc.jar $(DESTDIR)$(PREFIX)/lib/jrunc/
	install -m 644 target/lib/*.jar $(DESTDIR)$(PREFIX)/lib/jrunc/lib/
	install -m 755 target/jrunc-nsexec $(DESTDIR)$(PREFIX)/lib/jrunc/
	install -m 644 target/jvm-flags $(DESTDIR)$(PREFIX)/lib/jrunc/
	$(JAVA) $(JVM_FLAGS) --enable-native-access=ALL-UNNAMED -Djrunc.home=$(PREFIX)/lib/jrunc \
	    -XX:AOTCacheOutput=$(DESTDIR)$(PREFIX)/lib/jrunc/jrunc.aot \
	    -cp $(PREFIX)/lib/jrunc/jrunc.jar dev.jrunc.tools.AotTraining 2>&1 | grep -v '^\[' || true
	scripts/write-launcher.sh $(DESTDIR)$(PREFIX)/bin/jrunc $(PREFIX)/lib/jrunc $(JAVA) $(COMMIT) $(BUILD_ID) auto $(LOG_DIR) "$(JVM_FLAGS)" "$(ENGINE_JVM_FLAGS)"
	@echo "installed $(DESTDIR)$(PREFIX)/bin/jrunc"

uninstall:
	-$(DESTDIR)$(PREFIX)/bin/jrunc engine stop >/dev/null 2>&1
	rm -rf $(DESTDIR)$(PREFIX)/lib/jrunc $(DESTDIR)$(PREFIX)/bin/jrunc
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/jrunc $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_jrunc
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/jrunc.1 $(DESTDIR)$(PREFIX)/share/man/man1/jrunc-*.1

# Unit tests (no root needed), then the conformance suite: real containers, as root; then the
# engines (containerd, podman) driving jrunc, compared with Debian's runc; the
# cgroup v2 set in a VM when the cg2vm tool is there and its one-time setup succeeds; the systemd
# driver's set in a VM that boots systemd.
test: jrunc
	@scripts/prereqs.sh test
	$(MVN) verify -DskipConformance=false -Djrunc.binary=$(CURDIR)/jrunc
	$(MVN) verify $(NO_UNIT) -DskipConformance=false -Djrunc.binary=$(CURDIR)/target/jrunc-direct \
	    '-Dit.test=$(DIRECT_SKIP)'
	@./jrunc engine stop >/dev/null
	@if [ -z "$(CG2VM)" ]; then echo "test-cgroup2: skipped (no shared/tools/cg2vm/run-in-vm.sh)"; \
	elif ! ( $(CG2VM_READY) ); then echo "test-cgroup2: skipped (cg2vm setup failed)"; \
	else $(MAKE) --no-print-directory test-cgroup2; fi
	$(MAKE) --no-print-directory test-systemd
	$(MAKE) --no-print-directory test-rootless
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

# Rootless: containers run by an unprivileged user (scripts/rootless-user.sh makes jrunc-rootless
# with /etc/subuid and /etc/subgid ranges), each case beside Debian's runc; then the delegated
# cgroup v2 cases in the systemd VM (scripts/systemd-vm: systemd as PID 1 on cgroup v2, no chroot,
# so the user may have a user namespace), in a scope systemd delegates to the user.
test-rootless: jrunc
	@scripts/prereqs.sh rootless
	@scripts/rootless-tests.sh $(CURDIR)/jrunc | tee target/rootless-tests.log; rc=$${PIPESTATUS[0]}; \
	start=$$(date +%s); \
	scripts/systemd-vm/run.sh 'scripts/rootless-tests.sh $(CURDIR)/jrunc --cgroup2' \
	    | tee target/rootless-cgroup2-tests.log; vrc=$${PIPESTATUS[0]}; \
	echo "test-rootless: cgroup v2 delegated cases: $$(( $$(date +%s) - start ))s (VM boot included)"; \
	[ $$vrc = 0 ] || rc=1; exit $$rc

# The systemd cgroup driver for real: a VM that boots this host's root filesystem with systemd as
# PID 1 on cgroup v2 (scripts/systemd-vm), where jrunc and runc run with --systemd-cgroup.
test-systemd: jrunc
	@scripts/prereqs.sh systemd
	@scripts/make-bundle.sh target/systemd-base >/dev/null
	@start=$$(date +%s); \
	scripts/systemd-vm/run.sh 'scripts/systemd-tests.sh $(CURDIR)/jrunc $(CURDIR)/target/systemd-base' \
	    | tee target/systemd-tests.log; rc=$${PIPESTATUS[0]}; \
	echo "test-systemd: $$(( $$(date +%s) - start ))s (VM boot included)"; tail -n 1 target/systemd-tests.log; exit $$rc

unit: | prereqs
	$(MVN) test

# Container lifecycles in a row (conformance/…/SoakIT): the host's mounts, cgroups, processes,
# zombies and fds every 100 cycles must stay flat. make test runs 100 cycles; this, 1000.
SOAK_CYCLES ?= 1000
soak: jrunc
	@scripts/prereqs.sh test
	$(MVN) verify -Dtest=NoUnitTests -Dsurefire.failIfNoSpecifiedTests=false -DskipConformance=false \
	    -Djrunc.binary=$(CURDIR)/jrunc -Dit.test=SoakIT -Djrunc.soak.cycles=$(SOAK_CYCLES) -Djrunc.soak.report=$(CURDIR)/target/soak.txt; \
	rc=$$?; cat target/soak.txt 2>/dev/null; exit $$rc

# The conformance suite with the engine (ENGINE=on, the default) or in direct mode (ENGINE=off);
# conformance-both runs it both ways. The engine this starts is stopped at the end.
conformance: jrunc
	@scripts/prereqs.sh test
	@rc=0; $(MVN) verify $(NO_UNIT) -DskipConformance=false \
	    -Djrunc.binary=$(CURDIR)/$(if $(filter off,$(ENGINE)),target/jrunc-direct,jrunc) || rc=$$?; \
	./jrunc engine stop >/dev/null; exit $$rc

conformance-both: jrunc
	$(MAKE) --no-print-directory conformance ENGINE=on
	$(MAKE) --no-print-directory conformance ENGINE=off

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

# Crash consistency: jrunc SIGKILLed at every named step of create, start, exec and delete, and the
# helper, the init and an exec'd process killed at theirs; then delete must leave nothing (a table
# of step against leftovers). The conformance run above includes one pass over the steps.
faults: jrunc
	@scripts/prereqs.sh test
	$(MVN) verify -Dtest=NoUnitTests -Dsurefire.failIfNoSpecifiedTests=false -DskipConformance=false -Djrunc.binary=$(CURDIR)/jrunc -Dit.test=FaultsIT -Djrunc.faults=full

# containerd through ctr, podman through conmon and Docker (dockerd), with jrunc and with runc.
# Installs containerd, podman, docker.io and runc from Debian when missing, and fails (never
# skips) when that is impossible.
test-engines: jrunc
	@scripts/prereqs.sh test
	@rc=0; \
	JRUNC=$(CURDIR)/jrunc scripts/engine-tests/containerd.sh 2>target/engine-tests-containerd.log || rc=1; \
	JRUNC=$(CURDIR)/jrunc scripts/engine-tests/podman.sh 2>target/engine-tests-podman.log || rc=1; \
	JRUNC=$(CURDIR)/jrunc scripts/engine-tests/podman-rootless.sh 2>target/engine-tests-podman-rootless.log || rc=1; \
	JRUNC=$(CURDIR)/jrunc scripts/engine-tests/docker.sh 2>target/engine-tests-docker.log || rc=1; \
	./jrunc engine stop >/dev/null; \
	[ $$rc = 0 ] || echo "engine tests failed; the commands and outputs are in target/engine-tests-*.log" >&2; \
	exit $$rc

demo: jrunc
	@scripts/prereqs.sh demo
	@scripts/demo.sh $(CURDIR)/jrunc

bench: jrunc
	@scripts/prereqs.sh bench
	@scripts/bench.sh $(CURDIR)/jrunc $(CURDIR)/target/jrunc-direct

clean:
	-./jrunc engine stop >/dev/null 2>&1
	rm -rf target jrunc
