# The build steps every layer of template.yaml shares, included by layers/<name>/Makefile, which sets:
#
#     LAYER    the layer's logical id in template.yaml (the make target is build-$(LAYER))
#     LOCK     the pinned requirements it installs (requirements/<name>.txt, `make lock` writes them)
#     PACKAGES the packages it copies from its own python/ dir (none for a layer of dependencies only)
#
# `sam build` (Metadata: BuildMethod: makefile) copies the layer's directory to a scratch dir and runs
# `make --makefile <the layer's Makefile in the repository> build-$(LAYER)` there, with ARTIFACTS_DIR set to the
# layer's build output (.aws-sam/build/$(LAYER) by default); Lambda mounts the layer on /opt and puts /opt/python
# on sys.path. Every path here is read from the repository (the Makefile's own directory), never the scratch dir,
# so a layer also builds by hand from anywhere:
#
#     make -f layers/shared/Makefile build-SharedLayer ARTIFACTS_DIR=/tmp/shared-layer
#
# Why not SAM's python3.11 build method: it unpacks wheels and copies sources without compiling them, and /opt
# is read-only, so every cold start compiled powertools, pydantic and medialib again. This build ships bytecode
# for every module of the layer, as unchecked-hash .pyc: SAM zips every file with a 1980 timestamp
# (aws-lambda-builders issue 924), so timestamp-checked .pyc would be found stale and ignored on Lambda.
# Unchecked means a .pyc is never compared with its source: a layer is rebuilt, never edited in place.
#
# The lock pins every package, dependencies included (--no-deps: nothing is resolved here), at the versions
# that development and CI run (tests/unit/test_lock.py).

PYTHON ?= python3.11
# The python3.11 runtime runs on Amazon Linux 2 (glibc 2.26): manylinux2014 (glibc 2.17) wheels and older only.
PLATFORM ?= manylinux2014_x86_64

ROOT := $(abspath $(HERE)/../..)
SRC := $(HERE)/python
OUT = $(ARTIFACTS_DIR)/python

.PHONY: build-$(LAYER)

build-$(LAYER):
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 2; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
		|| { echo "$(PYTHON) is not Python 3.11, the layer's runtime: its bytecode would not load" >&2; exit 2; }
	rm -rf "$(OUT)"
	mkdir -p "$(OUT)"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-input --root-user-action=ignore \
		--no-compile --no-warn-conflicts --no-deps --target "$(OUT)" -r "$(ROOT)/$(LOCK)" \
		--platform $(PLATFORM) --implementation cp --python-version 3.11 --abi cp311 --only-binary=:all:
	$(foreach package,$(PACKAGES),cp -R "$(SRC)/$(package)" "$(OUT)/$(package)";)
	find "$(OUT)" -depth \( -name __pycache__ -o -name '*.egg-info' \) -exec rm -rf {} +
	find "$(OUT)" -name '*.py[co]' -delete
	rm -rf "$(OUT)/bin"
	$(PYTHON) -m compileall -q -f -j 0 --invalidation-mode unchecked-hash -s "$(OUT)" -p /opt/python "$(OUT)"
