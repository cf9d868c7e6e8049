#!/usr/bin/env bash
# Makes two phone-like videos of about 1 GiB for `cargo bench --bench load -- upload --file`:
# OUT/moov-last.mp4 (as a phone records: media data first, the index after it) and
# OUT/moov-first.mp4 (as a streaming-friendly save writes it). H.264 in lossless mode makes
# the size with few frames; the location and device tags are those of an Android phone.
#
#   benches/support/big-video.sh /tmp/big
set -euo pipefail
out=${1:?usage: big-video.sh OUT}
seconds=${SECONDS_OF_VIDEO:-125}
mkdir -p "$out"
ffmpeg -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
  -t "$seconds" -c:v libx264 -preset ultrafast -qp 0 -pix_fmt yuv444p -c:a aac \
  -metadata location=+29.5630+106.5516/ -metadata make=CANARY-MAKE -metadata model=CANARY-MODEL \
  "$out/moov-last.mp4"
ffmpeg -v error -y -i "$out/moov-last.mp4" -c copy -map_metadata 0 -movflags +faststart "$out/moov-first.mp4"
ls -l "$out"
