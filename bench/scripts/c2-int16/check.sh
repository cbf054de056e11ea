#!/usr/bin/env bash
# Which instructions does C2 make of `int s += short * short` (Dot16.dot)? Prints counts of the vector
# multiply-add instructions (vpmaddwd, vpdpwssd) and of scalar imul in the C2-compiled code.
# Needs no disassembler: it scans the raw code bytes -XX:+PrintAssembly prints when hsdis is absent.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$root/bin/find-jdk"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$JAVA_HOME/bin/javac" -d "$tmp" "$here/Dot16.java"
"$JAVA_HOME/bin/java" -XX:+UnlockDiagnosticVMOptions -XX:-TieredCompilation -XX:CompileCommand=quiet \
  -XX:CompileCommand=print,Dot16::dot -cp "$tmp" Dot16 > "$tmp/asm.txt" 2>&1
# the code bytes of the C2 nmethods, as one hex string
awk '/C2-compiled nmethod/{f=1} /C1-compiled nmethod/{f=0} f' "$tmp/asm.txt" \
  | grep -E "^  0x[0-9a-f]+: [0-9a-f]{4}" | sed -E 's/^  0x[0-9a-f]+: //; s/[ |]//g' | tr -d '\n' > "$tmp/c2.hex"
count() { grep -oE "$1" "$tmp/c2.hex" | wc -l; }
echo "JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo "C2 code bytes: $(( $(wc -c < "$tmp/c2.hex") / 2 ))"
# VEX.256/128.66.0F F5 = vpmaddwd; VEX.66.0F38 52 = vpdpwssd (AVX-VNNI) / EVEX 62 ... 52; 0F AF = imul r, r/m
echo "vpmaddwd (VEX): $(( $(count 'c5[0-9a-f][159d]f5') + $(count 'c4[0-9a-f]1[0-9a-f][159d]f5') ))"
echo "vpdpwssd (VEX/EVEX): $(( $(count 'c4[0-9a-f]2[0-9a-f][159d]52') + $(count '62[0-9a-f]{2}[0-9a-f][15]..52') ))"
echo "scalar imul: $(count '0faf')"
