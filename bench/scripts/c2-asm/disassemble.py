"""Disassembles the last C2 (tier 4) compilation that -XX:CompileCommand=print wrote to a log without hsdis.

Without a disassembler plugin HotSpot prints the code as hex words ("0x...: 8984 2400 | c0fe ff55 | ...");
this joins them and hands the bytes to objdump. Usage: disassemble.py LOG > code.s
"""
import re
import subprocess
import sys
import tempfile

lines = open(sys.argv[1]).read().split('\n')
starts = [i for i, line in enumerate(lines) if 'Compiled method (c2)' in line]
if not starts:
    sys.exit(sys.argv[1] + ': no C2 compilation printed (did the method reach tier 4?)')
print('#', lines[starts[-1]].strip())
code, base = bytearray(), None
for line in lines[starts[-1]:]:
    if line.startswith('[Stub Code]') or line.startswith('[Exception Handler]'):
        break
    m = re.match(r'\s+0x([0-9a-f]+): ((?:[0-9a-f]{2,4} ?\|? ?)+)$', line)
    if not m:
        continue
    addr = int(m.group(1), 16)
    if base is None:
        base = addr
    if addr < base + len(code):
        continue  # a line repeated after a comment
    code += b'\x90' * (addr - base - len(code))  # nothing is skipped in practice; keeps addresses right if so
    code += bytes.fromhex(re.sub(r'[^0-9a-f]', '', m.group(2)))
with tempfile.NamedTemporaryFile(suffix='.bin') as f:
    f.write(code)
    f.flush()
    out = subprocess.run(['objdump', '-D', '-b', 'binary', '-m', 'i386:x86-64', '--adjust-vma=%#x' % base, f.name],
                         capture_output=True, text=True, check=True).stdout
print(out)

# The innermost loop with the most FMAs: the backward jump whose range holds the most vfmadd, the shortest such.
rows = []
for line in out.split('\n'):
    m = re.match(r'\s*([0-9a-f]+):\t(?:[0-9a-f]{2} )+\s*\t(.*)$', line)
    if m:
        rows.append((int(m.group(1), 16), m.group(2).strip()))
best = None
for i, (addr, ins) in enumerate(rows):
    j = re.match(r'j\w+\s+0x([0-9a-f]+)', ins)
    if not j or int(j.group(1), 16) >= addr:
        continue
    body = [r for r in rows[:i + 1] if r[0] >= int(j.group(1), 16)]
    fmas = sum('vfmadd' in r[1] for r in body)
    if fmas and (best is None or (fmas, -len(body)) > (best[0], -len(best[1]))):
        best = (fmas, body)
if best:
    fmas, body = best
    stack = sum('(%rsp' in r[1] for r in body)
    print('# innermost FMA loop: %d instructions, %d vfmadd, %d reading or writing the stack' % (len(body), fmas, stack))
    for addr, ins in body:
        print('#   %x: %s' % (addr, ins))
