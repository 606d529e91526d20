#!/bin/sh
# ci/oss-fuzz/build.sh with OSS-Fuzz-like variables: $OUT must hold a fuzz
# binary per target that runs its seed corpus, a seed zip, a dict, options.
src=$1 dir=$2
fail=0
bad() { echo "FAIL: $*"; fail=1; }
rm -rf "$dir" && mkdir -p "$dir/out" "$dir/work"
CC=clang CXX=clang CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,fuzzer-no-link" \
	LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$dir/out" WORK="$dir/work" \
	"$src/ci/oss-fuzz/build.sh" > "$dir/build.log" 2>&1 || { bad "build.sh failed"; tail -30 "$dir/build.log"; exit 1; }
for f in "$src"/targets/*.c; do
	t=$(basename "$f" .c | tr _ -)
	[ "$t" = registry ] && continue
	b="$dir/out/fuzz-$t"
	[ -x "$b" ] || { bad "no $b"; continue; }
	n=$(ls "$src/corpus/$t"/*.txt 2>/dev/null | wc -l)
	z=$(unzip -Z1 "$b"_seed_corpus.zip 2>/dev/null | wc -l)
	[ "$z" = "$n" ] || bad "$t: $z seeds in the zip, $n text seeds"
	[ ! -f "$src/corpus/$t.dict" ] || cmp -s "$src/corpus/$t.dict" "$b.dict" || bad "$t: dict"
	grep -q '^\[libfuzzer\]' "$b.options" || bad "$t: options"
	# The binaries run their seeds as a fuzzer would be run.
	mkdir -p "$dir/seeds-$t" && unzip -q -o "$b"_seed_corpus.zip -d "$dir/seeds-$t"
	"$b" -runs=0 "$dir/seeds-$t" > "$dir/run-$t.log" 2>&1
	rc=$?
	# A mechanism this kernel lacks says so and exits 77 (skipped), by design.
	if [ $rc = 77 ] && grep -q "^skipped: $t:" "$dir/run-$t.log"; then
		echo "$t: skipped on this kernel ($(grep "^skipped:" "$dir/run-$t.log"))"
		continue
	fi
	[ $rc = 0 ] || { bad "$t: seeds do not run"; tail "$dir/run-$t.log"; }
	grep -q "INITED" "$dir/run-$t.log" || bad "$t: libFuzzer did not start"
	# Peers come from the plain zygote beside the fuzzers (cheap forks).
	grep -q "peers: lean, $dir/out/ipcfuzz-peer" "$dir/run-$t.log" || bad "$t: no lean peers"
done
[ $fail = 0 ] && echo "oss-fuzz build: ok"
exit $fail
