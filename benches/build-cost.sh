#!/usr/bin/env bash
# Cold compile cost of download-url for a user, against what they would build
# anyway: three one-line programs built cold with `cargo build --release`,
# interleaved, ROUNDS rounds (default 3), medians; and the crate as a
# build-dependency (a one-line build.rs) in the dev profile, against the same
# baseline as a build-dependency.
#
#   base     ureq 3 (its defaults) + serde + serde_json + time
#   one      download-url, default-features = false, features kie + rustls + fetch
#   default  download-url with its default features
#   build-*  the same as build-dependencies, `cargo build` (dev profile)
#   build-one-o1  build-one with `[profile.dev.build-override] opt-level = 1`
#            (does optimising the build-dependencies, ring among them, pay?)
#
# Every program uses this repository's Cargo.lock (same versions), builds
# offline from the local registry cache, and its own empty target folder.
# Usage: benches/build-cost.sh [ROUNDS]   (from the repository root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

base_deps='ureq = "3.5"
serde = { version = "1", features = ["derive"] }
serde_json = "1"
time = "0.3"'
one_dep="download-url = { path = \"$root\", default-features = false, features = [\"kie\", \"rustls\", \"fetch\"] }"
default_dep="download-url = { path = \"$root\" }"
build_dep="download-url = { path = \"$root\", default-features = false, features = [\"kie\", \"rustls\", \"build\"] }"

make() { # name, section, deps, main.rs, build.rs (optional)
  local dir="$work/$1"
  mkdir -p "$dir/src"
  printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\n\n[%s]\n%s\n\n[workspace]\n' \
    "cost-$1" "$2" "$3" > "$dir/Cargo.toml"
  printf '%s\n' "$4" > "$dir/src/main.rs"
  if [ -n "${5:-}" ]; then printf '%s\n' "$5" > "$dir/build.rs"; fi
  cp "$root/Cargo.lock" "$dir/Cargo.lock"
}
make base dependencies "$base_deps" 'fn main() { let _ = (ureq::Agent::new_with_defaults(), serde_json::json!(1), time::OffsetDateTime::UNIX_EPOCH); }'
make one dependencies "$one_dep" 'fn main() { let _ = download_url::agent(); }'
make default dependencies "$default_dep" 'fn main() { let _ = download_url::agent(); }'
make build-base build-dependencies "$base_deps" 'fn main() {}' 'fn main() { let _ = (ureq::Agent::new_with_defaults(), serde_json::json!(1), time::OffsetDateTime::UNIX_EPOCH); }'
make build-one build-dependencies "$build_dep" 'fn main() {}' 'fn main() { let _ = download_url::agent(); }'
make build-one-o1 build-dependencies "$build_dep" 'fn main() {}' 'fn main() { let _ = download_url::agent(); }'
printf '\n[profile.dev.build-override]\nopt-level = 1\n' >> "$work/build-one-o1/Cargo.toml"

# Fetch whatever the local cache lacks once, outside the timings.
for p in base one default build-base build-one build-one-o1; do
  (cd "$work/$p" && cargo fetch -q)
done

time_build() { # dir, profile flag
  local dir=$1 flag=$2 start end
  rm -rf "$dir/target"
  start=$(date +%s.%N)
  (cd "$dir" && cargo build -q --offline $flag) >&2 || { echo "building $dir failed" >&2; return 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

declare -A times
for r in $(seq 1 "$rounds"); do
  programs=(base one default build-base build-one build-one-o1)
  # Rotate the order each round so no program always goes first.
  rotated=()
  for i in "${!programs[@]}"; do rotated+=("${programs[$(( (i + r - 1) % ${#programs[@]} ))]}"); done
  for p in "${rotated[@]}"; do
    case $p in build-*) flag="" ;; *) flag="--release" ;; esac
    t=$(time_build "$work/$p" "$flag") || exit 1
    times[$p]="${times[$p]:-} $t"
    echo "round $r: $p ${t}s" >&2
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
b=$(echo "${times[base]}" | median)
bb=$(echo "${times[build-base]}" | median)
printf '\n%-44s %8s %7s  %s\n' "program (cold, $rounds rounds)" "median" "ratio" "all runs (s)"
for p in base one default; do
  m=$(echo "${times[$p]}" | median)
  printf '%-44s %7.1fs %6.2fx %s\n' "$p (release)" "$m" "$(awk -v a="$m" -v b="$b" 'BEGIN { print a / b }')" "${times[$p]}"
done
for p in build-base build-one build-one-o1; do
  m=$(echo "${times[$p]}" | median)
  printf '%-44s %7.1fs %6.2fx %s\n' "$p (build-dependency, dev)" "$m" "$(awk -v a="$m" -v b="$bb" 'BEGIN { print a / b }')" "${times[$p]}"
done
