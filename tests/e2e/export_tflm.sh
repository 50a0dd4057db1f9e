#!/usr/bin/env bash
# `edgestream export` of a real TFLM model (micro_speech_quantized, written by TensorFlow's
# converter): the C array equals the file byte for byte, the generated op-registration template
# calls exactly the resolver methods listed (checked with a recording resolver), and the files
# compile with the host compiler and with arm-none-eabi-gcc/g++ for a Cortex-M4 (C and C++).
# Bad input: a truncated model, a missing file and a bad --name exit 1 with a message naming it.
set -u
EDGE=${EDGE_BUILD_ROOT:-build}/tools/edgestream
MODEL=${EDGE_SHARED_DATA:-../shared/data}/models/tflm/micro_speech_quantized.tflite
[ -x "$EDGE" ] || { echo "SKIPPED: $EDGE not built"; exit 77; }
[ -f "$MODEL" ] || { echo "SKIPPED: shared data not found: $MODEL"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
. "$(dirname "$0")/lib.sh"

"$EDGE" export "$MODEL" --out "$TMP/out" --name speech >"$TMP/log" 2>&1
check "export exits 0" 0 $?
cat "$TMP/log"
for f in speech.h speech.cc speech_model_info.h speech_model_info.md; do
  check "$f written" yes "$([ -s "$TMP/out/$f" ] && echo yes || echo no)"
done
check "resolver lines in the guide" 1 "$(grep -c 'tflite::MicroMutableOpResolver<' "$TMP/out/speech_model_info.md")"
check "arena from the engine planner" 1 "$(grep -c '^#define SPEECH_ARENA_BYTES [0-9]' "$TMP/out/speech_model_info.h")"

# Host: a recording resolver, the array compared with the file.
cat >"$TMP/check.cc" <<'CC'
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>
#include "speech_model_info.h"
struct RecordingResolver {
  std::vector<std::string> calls;
  int add(const char* name) { calls.push_back(name); return 0; }
#define M(name) int name() { return add(#name); }
  M(AddAdd) M(AddAveragePool2D) M(AddConcatenation) M(AddConv2D) M(AddDepthwiseConv2D)
  M(AddDequantize) M(AddFullyConnected) M(AddLogistic) M(AddMaxPool2D) M(AddMul) M(AddRelu)
  M(AddRelu6) M(AddReshape) M(AddSoftmax) M(AddSvdf) M(AddTanh) M(AddPad) M(AddTranspose)
  M(AddMean) M(AddSub) M(AddDiv) M(AddSqueeze) M(AddStridedSlice) M(AddCast) M(AddPadV2)
  M(AddSlice) M(AddExpandDims) M(AddSum) M(AddQuantize) M(AddHardSwish) M(AddBatchMatMul)
#undef M
};
int main(int, char** argv) {
  std::ifstream f(argv[1], std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() != speech_tflite_len) return 2;
  for (size_t i = 0; i < bytes.size(); ++i) if (bytes[i] != speech_tflite[i]) return 3;
  if (reinterpret_cast<unsigned long>(speech_tflite) % 16 != 0) return 4;
  RecordingResolver r;
  if (speech_add_ops(r) != 0 || r.calls.size() != SPEECH_OP_COUNT) return 5;
  for (const std::string& c : r.calls) std::printf("%s\n", c.c_str());
  std::printf("arena %d\n", SPEECH_ARENA_BYTES);
  return 0;
}
CC
c++ -std=c++11 -Wall -Wextra -Werror -I"$TMP/out" "$TMP/check.cc" "$TMP/out/speech.cc" -o "$TMP/check"
check "host compile" 0 $?
"$TMP/check" "$MODEL" >"$TMP/calls"
check "array equals the file, resolver gets every op once" 0 $?
# Every resolver call the guide lists is one the template made, in the same order.
check "guide and template agree" "$(grep -o 'resolver\.Add[A-Za-z0-9]*' "$TMP/out/speech_model_info.md" | sort -u | sed 's/resolver\.//')" \
  "$(grep '^Add' "$TMP/calls" | sort -u)"

if command -v arm-none-eabi-gcc >/dev/null && command -v arm-none-eabi-g++ >/dev/null; then
  FLAGS="-mcpu=cortex-m4 -mthumb -Os -Wall -Wextra -Werror -c"
  # A sketch-like unit: a resolver with TFLM's method names (returning 0 as kTfLiteOk does) and
  # a static arena of the generated size.
  { echo '#include "speech_model_info.h"'
    echo 'struct Resolver {'
    sed -n '/^  M(Add/p' "$TMP/check.cc" | sed 's/M(\([A-Za-z0-9]*\))/int \1() { return 0; }/g'
    echo '};'
    echo 'alignas(16) static unsigned char arena[SPEECH_ARENA_BYTES];'
    echo 'int setup() { Resolver r; return speech_add_ops(r) + arena[0] + int(speech_tflite[4]); }'
  } >"$TMP/sketch.cc"
  arm-none-eabi-g++ -std=c++11 $FLAGS -I"$TMP/out" "$TMP/out/speech.cc" -o "$TMP/speech_m4.o"
  check "arm-none-eabi-g++ compiles the array" 0 $?
  arm-none-eabi-g++ -std=c++11 $FLAGS -I"$TMP/out" "$TMP/sketch.cc" -o "$TMP/sketch_m4.o"
  check "arm-none-eabi-g++ compiles a sketch using model_info.h" 0 $?
  "$EDGE" export "$MODEL" --out "$TMP/c" --name speech --c >/dev/null 2>&1
  printf '#include "speech_model_info.h"\nunsigned int size(void) { return speech_tflite_len + SPEECH_OP_COUNT; }\n' >"$TMP/use.c"
  arm-none-eabi-gcc -std=c11 $FLAGS -I"$TMP/c" "$TMP/c/speech.c" -o "$TMP/speech_c.o" &&
    arm-none-eabi-gcc -std=c11 $FLAGS -I"$TMP/c" "$TMP/use.c" -o "$TMP/use_c.o"
  check "arm-none-eabi-gcc compiles the C array and model_info.h as C" 0 $?
else
  echo "SKIPPED (part): arm-none-eabi-gcc/g++ not installed (Debian gcc-arm-none-eabi)"
fi

# Bad input.
head -c 1000 "$MODEL" >"$TMP/truncated.tflite"
"$EDGE" export "$TMP/truncated.tflite" --out "$TMP/bad" >"$TMP/err" 2>&1
check "truncated model exits 1" 1 $?
check "message names the file" 1 "$(grep -c 'truncated.tflite' "$TMP/err")"
cat "$TMP/err"
"$EDGE" export "$TMP/none.tflite" --out "$TMP/bad" >"$TMP/err" 2>&1
check "missing model exits 1" 1 $?
check "message names the missing file" 1 "$(grep -c 'none.tflite' "$TMP/err")"
"$EDGE" export "$MODEL" --out "$TMP/bad" --name 9lives >"$TMP/err" 2>&1
check "bad --name exits 1" 1 $?
check "message names --name" 1 "$(grep -c "\-\-name '9lives'" "$TMP/err")"
exit $fail
