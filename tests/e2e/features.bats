#!/usr/bin/env bats
# `features`: the runtime-spec Features structure (features.md), checked against the spec's
# schema and against what create really accepts.

load helpers

SCHEMA_DIR=$REPO_ROOT/../shared/specs/runtime-spec/schema

setup_file() {
	# runc 1.1 has no features command (it came in 1.2).
	if [ "$(basename "${RUNTIME:-}")" = runc ] && ! "$RUNTIME" features >/dev/null 2>&1; then
		export FEATURES_MISSING=1
	fi
}

# features: the runtime's features JSON in $BATS_TEST_TMPDIR/features.json.
features() {
	[ -z "${FEATURES_MISSING:-}" ] || skip "this runc has no features command"
	rt features >"$BATS_TEST_TMPDIR/features.json"
}

# validate SCHEMA FILE: FILE validates against the runtime-spec schema SCHEMA (its $refs to the
# other schema files are followed).
validate() {
	python3 - "$SCHEMA_DIR/$1" "$2" <<-'EOF'
		import json, os, sys, warnings
		warnings.simplefilter("ignore")  # RefResolver: deprecated, but Debian 12 has jsonschema 4.10
		import jsonschema
		schema_path, doc_path = os.path.abspath(sys.argv[1]), sys.argv[2]
		schema = json.load(open(schema_path))
		resolver = jsonschema.RefResolver("file://" + os.path.dirname(schema_path) + "/", schema)
		validator = jsonschema.Draft4Validator(schema, resolver=resolver)
		for error in sorted(validator.iter_errors(json.load(open(doc_path))), key=lambda e: list(e.path))[:1]:
		    sys.exit("%s: %s" % ("/".join(map(str, error.path)) or "(top)", error.message))
	EOF
}

@test "features prints JSON that the runtime-spec schema accepts" {
	features
	[ -d "$SCHEMA_DIR" ] || skip "no runtime-spec checkout at $SCHEMA_DIR"
	python3 -c 'import jsonschema' || { echo "python3 jsonschema missing (tests/lib/install-deps.sh)" >&2; false; }
	validate features-schema.json "$BATS_TEST_TMPDIR/features.json"
	# The validator catches what is wrong.
	jq '.linux.seccomp.archs += ["SCMP_ARCH_Z80"]' "$BATS_TEST_TMPDIR/features.json" >"$BATS_TEST_TMPDIR/bad.json"
	run ! validate features-schema.json "$BATS_TEST_TMPDIR/bad.json"
	[[ $output == *SCMP_ARCH_Z80* ]]
}

@test "features: spec versions, hooks and the seccomp section" {
	features
	f=$BATS_TEST_TMPDIR/features.json
	[ "$(jq -r .ociVersionMin "$f")" = 1.0.0 ]
	# ociVersionMax is the spec version the runtime reports.
	rt --version | grep -qx "spec: $(jq -r .ociVersionMax "$f")"
	[ "$(jq -c .hooks "$f")" = '["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]' ]
	jq -e '.linux.seccomp.enabled == true' "$f" >/dev/null
	[ "$(jq '.linux.seccomp.actions | length' "$f")" -eq 9 ]
	[ "$(jq '.linux.seccomp.operators | length' "$f")" -eq 7 ]
	jq -e '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null' "$f" >/dev/null
	# supportedFlags is a subset of knownFlags.
	jq -e '.linux.seccomp as $s | ($s.supportedFlags // []) - ($s.knownFlags // []) == []' "$f" >/dev/null
	jq -e '.linux.cgroup.v2 == true' "$f" >/dev/null
	if ! is_runc; then
		# What berth's build has (runc 1.1 lists no flags, and has a systemd driver).
		jq -e '.linux.seccomp.supportedFlags | index("SECCOMP_FILTER_FLAG_LOG") != null' "$f" >/dev/null
		jq -e '.linux.cgroup.systemd == false' "$f" >/dev/null
	fi
	jq -e '.annotations["io.github.seccomp.libseccomp.version"] | test("^[0-9]+[.][0-9]+[.][0-9]+$")' "$f" >/dev/null
}

@test "features: the mount options are mount(2)'s, not filesystem data" {
	features
	f=$BATS_TEST_TMPDIR/features.json
	for opt in ro rw bind rbind nosuid nodev noexec relatime rprivate rslave shared; do
		jq -e --arg o "$opt" '.mountOptions | index($o) != null' "$f" >/dev/null ||
			{ echo "missing $opt" >&2; false; }
	done
	for opt in size mode uid gid; do
		jq -e --arg o "$opt" '.mountOptions | index($o) == null' "$f" >/dev/null
	done
}

@test "features: create accepts every namespace, capability and hook listed" {
	features
	f=$BATS_TEST_TMPDIR/features.json
	make_bundle true
	# A user namespace needs id mappings as well: not a matter of recognizing the name.
	cfg --slurpfile f "$f" '
		.linux.namespaces = [$f[0].linux.namespaces[] | select(. != "user") | {type: .}]
		| .process.capabilities.bounding = $f[0].linux.capabilities
		| .hooks = ($f[0].hooks | map({key: ., value: [{path: "/bin/true"}]}) | from_entries)'
	run -0 --separate-stderr ctr_run
	# No capability was skipped as unknown.
	[ -z "$stderr" ]
}

@test "features: create accepts every seccomp action, operator and supported flag" {
	features
	f=$BATS_TEST_TMPDIR/features.json
	make_bundle true
	# acct: a syscall busybox true never makes. NOTIFY needs a listener (seccomp.bats).
	cfg --slurpfile f "$f" '.linux.seccomp = {
		defaultAction: "SCMP_ACT_ALLOW",
		flags: ($f[0].linux.seccomp.supportedFlags // []),
		syscalls: [
			($f[0].linux.seccomp.actions[] | select(. != "SCMP_ACT_NOTIFY" and . != "SCMP_ACT_ALLOW")
				| {names: ["acct"], action: .}),
			($f[0].linux.seccomp.operators[] | {names: ["swapoff"], action: "SCMP_ACT_ERRNO",
				args: [{index: 1, value: 1, valueTwo: 1, op: .}]})
		]}'
	run -0 ctr_run
}

@test "features: create accepts every seccomp arch listed" {
	features
	# runc fails to add an arch of the other endianness (EDOM); berth leaves it out, as no
	# process on this kernel can have it.
	skip_if_runc "refuses the archs of the other endianness that it lists"
	f=$BATS_TEST_TMPDIR/features.json
	make_bundle true
	cfg --slurpfile f "$f" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		architectures: $f[0].linux.seccomp.archs}'
	run -0 ctr_run
}

@test "features: a known flag that is not supported is refused by name" {
	features
	f=$BATS_TEST_TMPDIR/features.json
	unsupported=$(jq -r '.linux.seccomp as $s | (($s.knownFlags // []) - ($s.supportedFlags // []))[0] // empty' "$f")
	[ -n "$unsupported" ] || skip "every known flag is supported here"
	make_bundle true
	cfg --arg flag "$unsupported" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", flags: [$flag]}'
	run ! --separate-stderr ctr_run
	one_line_error
	[[ $stderr == *"$unsupported"* ]]
}
