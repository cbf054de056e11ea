#!/usr/bin/env bash
# koembed-spark on local[2] against bin/koembed encode, back to back on the same input, model and machine:
# sentences per second of both, Spark's overhead, peak memory, the load average while each ran, and a check that
# both wrote the same vectors. Prints a Markdown table on stdout; progress on stderr.
#
#   bench/scripts/spark-vs-encode.sh [N] [MODEL_DIR]
#
# N sentences (default 100000): KorSTS (dev, test) and KorNLI (dev, test) sentences of the repository's data/, both
# of each pair, repeated until there are N. MODEL_DIR defaults to bench/out/xlmr-base-random (bench/setup makes it).
# On a machine shared with other work, run a smaller N (e.g. 10000): the ratio of the two runs, taken one after the
# other, says more than either number alone.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
n=${1:-100000}
model=${2:-$root/bench/out/xlmr-base-random}
[ -d "$model" ] || { echo "spark-vs-encode: no model folder $model (bench/setup makes bench/out/xlmr-base-random)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "spark-vs-encode: needs GNU time (/usr/bin/time) for peak memory" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/spark-vs-encode.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Columns 6 and 7 of KorSTS (sentence1, sentence2), columns 1 and 2 of KorNLI, header lines dropped.
{
  for f in "$root"/data/korsts/sts-dev.tsv "$root"/data/korsts/sts-test.tsv; do tail -n +2 "$f" | cut -f6,7; done
  for f in "$root"/data/kornli/xnli.dev.ko.tsv "$root"/data/kornli/xnli.test.ko.tsv; do tail -n +2 "$f" | cut -f1,2; done
} | tr '\t' '\n' | grep -v '^$' > "$work/pool.txt"
touch "$work/input.txt"
while [ "$(wc -l < "$work/input.txt")" -lt "$n" ]; do cat "$work/pool.txt" >> "$work/input.txt"; done
head -n "$n" "$work/input.txt" > "$work/texts.txt"

# Builds (and the CLI's start-up cache) before anything is timed.
"$root/bin/koembed" encode --model "$root/testdata/fixtures/tiny-xlmr-ko" --input - <<< "준비" > /dev/null
"$root/bin/koembed-spark" --help > /dev/null

# Runs a command under GNU time, sampling the load average every 2 s; leaves wall seconds, peak RSS (KiB) and the
# load average's min/mean/max in the named files.
measure() {  # $1: name, then the command
  local name=$1; shift
  ( while :; do cut -d' ' -f1 /proc/loadavg; sleep 2; done ) > "$work/$name.load" &
  local sampler=$!
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/$name.rss" "$@" 2> "$work/$name.err" || { cat "$work/$name.err" >&2; kill "$sampler"; exit 1; }
  end=$(date +%s.%N)
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  echo "$end - $start" | bc > "$work/$name.wall"
}

echo "spark-vs-encode: $n sentences, model $model" >&2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "spark-vs-encode: bin/koembed encode ..." >&2
measure encode "$root/bin/koembed" encode --model "$model" --input "$work/texts.txt" --output "$work/encode.jsonl"
echo "spark-vs-encode: bin/koembed-spark --master local[2] ..." >&2
measure spark "$root/bin/koembed-spark" --master 'local[2]' --model "$model" --input "$work/texts.txt" \
  --output "$work/spark" --output-format jsonl

# Every 97th line of both outputs, compared number for number (the part files hold the lines in input order).
same=$(python3 - "$work/encode.jsonl" "$work"/spark/part-*.json <<'EOF'
import itertools, json, sys
def lines(paths):
    for p in paths:
        with open(p) as f:
            yield from f
checked = differ = 0
for i, (a, b) in enumerate(itertools.zip_longest(lines(sys.argv[1:2]), lines(sys.argv[2:]))):
    if a is None or b is None:
        print("different line counts"); sys.exit(0)
    if i % 97 == 0:
        checked += 1
        ea, sb = json.loads(a)["embedding"], json.loads(b)
        if sb["id"] != i or ea != sb["embedding"]:
            differ += 1
print(f"{checked - differ} of {checked} sampled vectors identical")
EOF
)

row() {  # $1: name, $2: label
  local wall rss load
  wall=$(cat "$work/$1.wall"); rss=$(cat "$work/$1.rss")
  load=$(awk '{s+=$1; if(min==""||$1<min)min=$1; if($1>max)max=$1} END {printf "%.2f / %.2f / %.2f", min, s/NR, max}' "$work/$1.load")
  printf '| %s | %.1f | %.1f | %d | %s |\n' "$2" "$wall" "$(echo "$n / $wall" | bc -l)" $((rss / 1024)) "$load"
}
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
echo
echo "$n sentences (KorSTS + KorNLI, repeated), model $(basename "$model"), $(nproc) cores of $cpu ($(lscpu | sed -n 's/^CPU family: *//p') family), $(date -u '+%Y-%m-%d %H:%M UTC'); load average before: $load_before"
echo
echo "| command | wall time (s) | sentences/s | peak RSS (MiB) | load average during (min / mean / max) |"
echo "|---|---|---|---|---|"
row encode "bin/koembed encode (one JVM)"
row spark "bin/koembed-spark --master local[2] (driver = executor)"
printf '\nSpark overhead: %.1f %% of encode'"'"'s wall time; %s.\n' \
  "$(echo "($(cat "$work/spark.wall") - $(cat "$work/encode.wall")) * 100 / $(cat "$work/encode.wall")" | bc -l)" "$same"
echo "koembed-spark said: $(grep '^koembed-spark:' "$work/spark.err" || true)"
