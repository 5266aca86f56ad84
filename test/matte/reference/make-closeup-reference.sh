#!/usr/bin/env bash
# Regenerates the close-up reference mattes from astronaut-person-512.png (see README.md here): the still's
# person mask is moved by exactly the same zoompan as the picture in test/fixtures/make-fixtures.sh (b), so
# reference frame n lines up with picture frame n of closeup-2398.mp4. Keep the filter in sync with it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
frames=36
rate=24000/1001
vf="scale=2048:2048:flags=lanczos,zoompan=z='1.70+0.12*on/$frames':x='900+20*on/$frames-iw/zoom/2':y='620-40*on/$frames-ih/zoom/2':d=1:s=288x288:fps=$rate,format=gray"
for n in 0 17 35; do
  ffmpeg -hide_banner -v error -y -nostdin -loop 1 -framerate "$rate" -i "$here/astronaut-person-512.png" \
    -vf "$vf,select=eq(n\,$n)" -frames:v 1 "$here/closeup-2398-f$(printf %03d "$n").png"
done
ls -l "$here"
