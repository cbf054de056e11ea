#!/usr/bin/env bash
# What HotSpot's C2 makes of short-integer multiply-adds, and how fast it runs them:
#   1. `int s += short * short` (Dot16.dot, issue #3's loop): counts of vpmaddwd / vpdpwssd and of scalar imul;
#   2. `out[i] += a[2i]*b[2i] + a[2i+1]*b[2i+1]` (Madd16.madd, the idiom issue #11 names, C2's MulAddS2I): its
#      multiply-adds per second on one thread, beside a float FMA loop of the same shape, and its instructions.
# Compare the rates with bench/run's matmul table: the float tile kernel's GFLOP/s / 2 / threads is its FMAs per
# second per thread. Needs no disassembler: it scans the raw code bytes -XX:+PrintAssembly prints when hsdis is
# absent (a byte pattern can match across instructions, so the counts are indications, not proofs).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$root/bin/find-jdk"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$JAVA_HOME/bin/javac" -d "$tmp" "$here/Dot16.java" "$here/Madd16.java"
echo "JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"

# scan CLASS METHOD: prints the instruction counts of METHOD's C2-compiled code
scan() {
  "$JAVA_HOME/bin/java" -XX:+UnlockDiagnosticVMOptions -XX:-TieredCompilation -XX:CompileCommand=quiet \
    -XX:CompileCommand=print,"$1::$2" -cp "$tmp" "$1" > "$tmp/asm.txt" 2>&1
  # the code bytes of the C2 nmethods, as one hex string
  awk '/C2-compiled nmethod|Compiled method \(c2\)/{f=1} /C1-compiled nmethod|Compiled method \(c1\)/{f=0} f' \
    "$tmp/asm.txt" | grep -E "^  0x[0-9a-f]+: [0-9a-f]{4}" | sed -E 's/^  0x[0-9a-f]+: //; s/[ |]//g' \
    | tr -d '\n' > "$tmp/c2.hex"
  count() { grep -oE "$1" "$tmp/c2.hex" | wc -l; }
  echo "$1.$2: C2 code bytes: $(( $(wc -c < "$tmp/c2.hex") / 2 ))"
  # VEX.66.0F F5 / EVEX.66.0F F5 = vpmaddwd; VEX/EVEX.66.0F38 52 = vpdpwssd (AVX-VNNI / AVX512-VNNI); 0F AF = imul
  echo "  vpmaddwd: $(( $(count 'c5[0-9a-f][159d]f5') + $(count 'c4[0-9a-f]1[0-9a-f][159d]f5') + $(count '62[0-9a-f]{2}[0-9a-f][15d]..f5') ))"
  echo "  vpdpwssd: $(( $(count 'c4[0-9a-f]2[0-9a-f][159d]52') + $(count '62[0-9a-f]{2}[0-9a-f][15]..52') ))"
  echo "  scalar imul: $(count '0faf')"
}
scan Dot16 dot
"$JAVA_HOME/bin/java" -cp "$tmp" Madd16
scan Madd16 madd
