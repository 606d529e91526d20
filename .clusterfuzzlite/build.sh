#!/bin/bash -eu
# ClusterFuzzLite calls this inside its builder with $CC, $CFLAGS,
# $LIB_FUZZING_ENGINE and $OUT set; the contract lives in ci/oss-fuzz.
exec "$SRC/ipcfuzz/ci/oss-fuzz/build.sh"
