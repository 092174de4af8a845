# mk/packaging.mk -- packages and systemd checks; included by the top-level Makefile, which
# defines CARGO and deps-test.
#   make units-check    systemd-analyze verify + security (offline), D-Bus files, AppArmor (seconds)
#   make deb            build/packages/deb/oxool_VERSION_ARCH.deb (debhelper)
#   make rpm            build/packages/rpm/oxool-VERSION-1.ARCH.rpm (rpmbuild)
#   make packages-test  both, with lintian, rpmlint and an `rpm --root` install
#   make systemd-test   the .deb in a bookworm container booted with systemd (root)
# The packages are built from target/release; these targets build it first.

PACKAGES_OUT ?= build/packages
RELEASE_CRATES ?= -p oxool-wsd -p oxool-forkit -p oxool-systemplate -p oxoolctl

.PHONY: release-bins deb rpm units-check packages-test systemd-test

release-bins:
	$(CARGO) build --release $(RELEASE_CRATES)

units-check: deps-test
	tests/systemd/static-checks.sh

deb: deps-test release-bins
	mk/build-deb.sh $(PACKAGES_OUT)/deb

rpm: deps-test release-bins
	mk/build-rpm.sh $(PACKAGES_OUT)/rpm

packages-test: deps-test release-bins
	tests/systemd/packages.sh $(PACKAGES_OUT)

systemd-test: deb
	tests/systemd/nspawn-test.sh $$(ls -t $(PACKAGES_OUT)/deb/oxool_*.deb | head -1)
