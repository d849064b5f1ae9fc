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
# Why not SAM's python3.13 build method: it unpacks wheels and copies sources without compiling them, and /opt
# is read-only, so every cold start compiled powertools, pydantic and medialib again. This build ships bytecode
# for every module of the layer, as unchecked-hash .pyc: SAM zips every file with a 1980 timestamp
# (aws-lambda-builders issue 924), so timestamp-checked .pyc would be found stale and ignored on Lambda.
# Unchecked means a .pyc is never compared with its source: a layer is rebuilt, never edited in place.
#
# Bytecode is only loaded by the Python minor version that wrote it (its magic number), so it is compiled by a
# Python 3.13, the runtime's version: tools/python313.py finds one (PYTHON313, python3.13 on PATH, uv, pyenv) or
# fetches CPython 3.13 from Debian's archive, verified, into .tools/python3.13 (docs/runtime.md). The wheels are
# fetched for the target by pip of any Python 3.11+ (PYTHON), which never runs what it downloads.
#
# The lock pins every package, dependencies included (--no-deps: nothing is resolved here), at the versions
# that development and CI run (tests/unit/test_lock.py).

# Any Python 3.11+ with pip: it downloads the target's wheels (cp313, manylinux), nothing more.
PYTHON ?= python3
# The runtime's Python version (template.yaml's Runtime) and a Python of that version to compile the bytecode; empty:
# the Python 3.13 tools/python313.py finds (PYTHON313 first) or fetches. bench/coldstart builds 3.11 layers too.
RUNTIME_VERSION ?= 3.13
RUNTIME_PYTHON ?=
# The python3.13 runtime runs on Amazon Linux 2023 (glibc 2.34): manylinux wheels up to manylinux_2_34. pip takes
# only the tags it is given (manylinux2014 also means manylinux2010 and manylinux1): every glibc from 2.34 down.
GLIBC_MINORS ?= 34 33 32 31 30 29 28 27 26 25 24 23 22 21 20 19 18 17
PLATFORMS ?= $(foreach minor,$(GLIBC_MINORS),manylinux_2_$(minor)_x86_64) manylinux2014_x86_64

comma := ,
ROOT := $(abspath $(HERE)/../..)
SRC := $(HERE)/python
OUT = $(ARTIFACTS_DIR)/python

.PHONY: build-$(LAYER)

build-$(LAYER):
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 2; }
	rm -rf "$(OUT)"
	mkdir -p "$(OUT)"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-input --root-user-action=ignore \
		--no-compile --no-warn-conflicts --no-deps --target "$(OUT)" -r "$(ROOT)/$(LOCK)" \
		$(foreach platform,$(PLATFORMS),--platform $(platform)) --implementation cp --python-version $(RUNTIME_VERSION) \
		--abi cp$(subst .,,$(RUNTIME_VERSION)) --only-binary=:all:
	$(foreach package,$(PACKAGES),cp -R "$(SRC)/$(package)" "$(OUT)/$(package)";)
	find "$(OUT)" -depth \( -name __pycache__ -o -name '*.egg-info' \) -exec rm -rf {} +
	find "$(OUT)" -name '*.py[co]' -delete
	rm -rf "$(OUT)/bin"
	compiler="$(RUNTIME_PYTHON)"; test -n "$$compiler" || compiler="$$($(PYTHON) "$(ROOT)/tools/python313.py")" \
		|| exit 2; "$$compiler" -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma),$(RUNTIME_VERSION))))' \
		|| { echo "$$compiler is not Python $(RUNTIME_VERSION), the layer's runtime: its bytecode would not load" >&2; \
		exit 2; }; "$$compiler" -m compileall -q -f -j 0 --invalidation-mode unchecked-hash -s "$(OUT)" -p /opt/python "$(OUT)"
