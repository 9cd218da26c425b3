#!/bin/sh
# xattn mel against openai-whisper: the CLI's log-mel of jfk.wav (80 bins,
# and 128 bins with --pad, as whisper's transcribe pads one window) within
# 1e-4 of log_mel_spectrogram, and a 44.1 kHz file refused with one line.
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
import wave
with wave.open(out + "/44k.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(44100); w.writeframes(b"\0\0" * 4410)
PY

error=$("$@" "$xattn" mel "$out/44k.wav" 2>&1) && { echo "FAIL: a 44.1 kHz file was accepted"; exit 1; }
case "$error" in
  "xattn mel: $out/44k.wav: WAV: 44100 Hz, expected 16000 Hz (e.g. sox in.wav -r 16000 out.wav)") echo "ok: $error" ;;
  *) echo "FAIL: unexpected error: $error"; exit 1 ;;
esac
