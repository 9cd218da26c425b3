#!/bin/sh
# xattn mel against openai-whisper: the CLI's log-mel of jfk.wav (80 bins,
# and 128 bins with --pad, as whisper's transcribe pads one window) within
# 1e-4 of log_mel_spectrogram; the same recording made 44.1 kHz stereo
# 24-bit and 48 kHz mono by sox, read back through xattn's resampler, close
# to whisper's log-mel of the original (below 7 kHz, where neither
# resampler's band edge reaches); an A-law file refused with one line.
# usage: cli_mel.sh XATTN PYTHON REFERENCE_DIR [EMULATOR...]
# Prints XATTN-SKIP (ctest: skipped) when torch or the references are absent.
set -u
xattn=$1 python=$2 reference=$3
shift 3
here=$(dirname "$0")
out=cli-mel
rm -rf "$out" && mkdir -p "$out" || exit 1
log=$("$python" "$here/whisper_mel_reference.py" "$reference" "$out/ref" 2>&1) || { echo "$log"; exit 1; }
case "$log" in *XATTN-SKIP*) echo "$log"; exit 0 ;; esac

"$@" "$xattn" mel "$out/ref/jfk.wav" -o "$out/jfk80.f32" || exit 1
"$@" "$xattn" mel "$out/ref/jfk.wav" --mels 128 --pad -o "$out/jfk128.f32" || exit 1
"$python" - "$out" <<'PY' || exit 1
import sys
import numpy as np
out = sys.argv[1]
for got, want in (("jfk80.f32", "ref/jfk.mel80.f32"), ("jfk128.f32", "ref/jfk-padded.mel128.f32")):
    a = np.fromfile(out + "/" + got, dtype="<f4")
    b = np.fromfile(out + "/" + want, dtype="<f4")
    if a.shape != b.shape:
        sys.exit("%s: %d values, whisper has %d" % (got, a.size, b.size))
    diff = float(np.abs(a - b).max())
    print("%s: max abs difference to whisper %.3g" % (got, diff))
    if diff > 1e-4:
        sys.exit("FAIL: above 1e-4")
PY

command -v sox > /dev/null || { echo "XATTN-SKIP: sox absent (the resampling oracle)"; exit 0; }
sox "$out/ref/jfk.wav" -r 44100 -c 2 -b 24 "$out/jfk44.wav" || exit 1
sox "$out/ref/jfk.wav" -r 48000 -c 1 -b 16 "$out/jfk48.wav" || exit 1
sox "$out/ref/jfk.wav" -e a-law "$out/alaw.wav" || exit 1
for rate in 44 48; do
  "$@" "$xattn" mel "$out/jfk$rate.wav" -o "$out/jfk$rate.f32" > "$out/summary$rate" || exit 1
  grep -q "resampled to 16 kHz mono)$" "$out/summary$rate" || { echo "FAIL: no conversion note: $(cat "$out/summary$rate")"; exit 1; }
done
"$python" - "$out" <<'PY' || exit 1
import sys
import numpy as np
out = sys.argv[1]
want = np.fromfile(out + "/ref/jfk.mel80.f32", dtype="<f4").reshape(80, -1)
# Bins 0-69 lie below about 6.3 kHz. Measured: 44.1 kHz 24-bit, largest 1e-4
# there (mean 3e-6 over all bins); 48 kHz 16-bit (requantized), 0.006 (mean 1e-4).
for name, low_max, mean_max in (("jfk44.f32", 1e-3, 1e-3), ("jfk48.f32", 0.03, 1e-3)):
    got = np.fromfile(out + "/" + name, dtype="<f4").reshape(80, -1)
    if got.shape != want.shape:
        sys.exit("FAIL: %s: %s values, whisper has %s" % (name, got.shape, want.shape))
    diff = np.abs(got - want)
    print("%s: below 6.3 kHz largest difference to whisper's log-mel of the 16 kHz original %.3g, mean over all %.3g"
          % (name, diff[:70].max(), diff.mean()))
    if diff[:70].max() > low_max or diff.mean() > mean_max:
        sys.exit("FAIL: %s: above %g (below 6.3 kHz) or %g (mean)" % (name, low_max, mean_max))
PY

error=$("$@" "$xattn" mel "$out/alaw.wav" 2>&1) && { echo "FAIL: an A-law file was accepted"; exit 1; }
case "$error" in
  "xattn mel: $out/alaw.wav: WAV: A-law samples, expected PCM (8, 16, 24 or 32-bit) or float (32 or 64-bit)") echo "ok: $error" ;;
  *) echo "FAIL: unexpected error: $error"; exit 1 ;;
esac
