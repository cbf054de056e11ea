#!/usr/bin/env bash
# Spark's fixed cost against its cost per sentence: SparkSteadyState.java (see there) on N sentences (default 1500)
# of texts.txt, in three JVMs one after the other: encode alone, SentenceEmbedder on local[1], on local[2].
#   bench/scripts/spark-steady-state/run.sh TEXTS.txt [MODEL_DIR] [N]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../.." && pwd)
texts=$1
model=${2:-$root/bench/out/xlmr-base-random}
n=${3:-1500}
. "$root/bin/find-jdk"
"$root/bin/koembed-spark" --help > /dev/null   # builds spark/target if needed
work=$(mktemp -d "${TMPDIR:-/tmp}/spark-steady-state.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp="$root/spark/target/koembed-spark-job.jar:$(cat "$root/spark/target/spark-classpath.txt")"
read -r -d '' -a flags < "$root/spark/target/jvm-flags.txt" || true
"$JAVA_HOME/bin/javac" -cp "$cp" -d "$work" "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/SparkSteadyState.java"
head -n "$n" "$texts" > "$work/texts.txt"
echo "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for master in direct 'local[1]' 'local[2]'; do
  "$JAVA_HOME/bin/java" "${flags[@]}" -Dlog4j2.configurationFile="$root/spark/conf/log4j2.properties" \
    -cp "$work:$cp" SparkSteadyState "$work/texts.txt" "$model" "$master" 2> /dev/null
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
