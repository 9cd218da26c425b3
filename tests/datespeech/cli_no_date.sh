#!/bin/sh
# A date model whose vocabulary has <|nodate|> through the CLI, on the tiny
# Whispers make_date_whisper writes (their answer fixed by construction:
# <|nodate|> then the end, of probabilities 1 and 0.525, for nodate.xattn; a
# date for dated.xattn, which lacks the token). `xattn transcribe` prints the
# line `no date` (by the beam of 4, greedily, with --no-date-rule and from
# --features; the generated id with --ids), with the unsure note at a
# confidence of 0.72 and no weekday note; --alignment-svg draws its one row
# labelled `no date`; `xattn demo --speech` shows `-> no date` and counts it
# right when the clip's list expects it.
# usage: cli_no_date.sh XATTN MAKE_DATE_WHISPER WAV [EMULATOR...]
set -u
xattn=$1 make=$2 wav=$3
shift 3
emu="$*"
out=cli-no-date
rm -rf "$out" && mkdir -p "$out/clips" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
$emu "$make" "$out" || fail "make_date_whisper"
model=$out/nodate.xattn

# The no-date answer, in words, its confidence noted as a date's would be:
# exp((log p(<|nodate|>) + log p(end)) / 2) = sqrt(0.525) = 0.72 here, under the default 0.85.
$emu "$xattn" transcribe --model "$model" "$wav" > "$out/line" 2> "$out/err" || fail "transcribe: $(cat "$out/err")"
[ "$(cat "$out/line")" = "no date" ] || fail "transcribe: '$(cat "$out/line")', not 'no date'"
grep -q "unsure: confidence 0\.72, under 0\.85 " "$out/err" || fail "no unsure note at 0.72: $(cat "$out/err")"
grep -q "heard [A-Z]" "$out/err" && fail "a weekday note for no date: $(cat "$out/err")"
$emu "$xattn" transcribe --model "$model" --min-confidence 0.7 "$wav" > "$out/line" 2> "$out/err" || fail "--min-confidence 0.7"
[ "$(cat "$out/line")" = "no date" ] || fail "--min-confidence 0.7: '$(cat "$out/line")'"
grep -q "unsure" "$out/err" && fail "--min-confidence 0.7: $(cat "$out/err")"
for options in "--beam 1" "--no-date-rule" "--threads 2"; do
  # shellcheck disable=SC2086
  $emu "$xattn" transcribe --model "$model" $options "$wav" > "$out/line" 2> /dev/null || fail "$options"
  [ "$(cat "$out/line")" = "no date" ] || fail "$options: '$(cat "$out/line")', not 'no date'"
done
$emu "$xattn" transcribe --model "$model" --ids "$wav" > "$out/line" 2> /dev/null || fail "--ids"
[ "$(cat "$out/line")" = "20" ] || fail "--ids: '$(cat "$out/line")', not <|nodate|>'s id 20"
head -c 5120 /dev/zero > "$out/zero.f32"  # 80 mels x 16 frames of float32
$emu "$xattn" transcribe --model "$model" --frames 16 --features "$out/zero.f32" > "$out/line" 2> /dev/null ||
  fail "--features"
[ "$(cat "$out/line")" = "no date" ] || fail "--features: '$(cat "$out/line")', not 'no date'"

# The plot: one row (the token before the end), labelled as printed, across the 8 encoder positions.
$emu "$xattn" transcribe --model "$model" --alignment-svg "$out/a.svg" "$wav" > /dev/null 2>&1 || fail "--alignment-svg"
[ "$(grep -c 'class="tgt"' "$out/a.svg")" -eq 1 ] || fail "--alignment-svg: not one row"
[ "$(grep -c 'class="cell"' "$out/a.svg")" -eq 8 ] || fail "--alignment-svg: not 8 cells"
grep 'class="tgt"' "$out/a.svg" | grep -q '>no date<' || fail "--alignment-svg: the row is not labelled no date"
grep -q -- '-&gt; no date ' "$out/a.svg" || fail "--alignment-svg: the title does not say no date"
grep -q 'nodate' "$out/a.svg" && fail "--alignment-svg: the token's name is drawn"

# demo --speech on one clip whose list expects no date.
cp "$wav" "$out/clips/clip.wav" || fail "cp"
printf 'file\tvoice\tsaid\texpected\nclip.wav\tany\tno date in it\tno date\n' > "$out/clips/demo.tsv"
$emu "$xattn" demo --speech --model "$model" --clips "$out/clips" > "$out/demo" 2> "$out/err" || fail "demo --speech: $(cat "$out/err")"
grep -q -- '-> no date ' "$out/demo" || fail "demo --speech: no '-> no date': $(cat "$out/demo")"
grep -q '^1 of 1 dates right' "$out/demo" || fail "demo --speech: the no-date answer not counted right"

# The same construction without <|nodate|>: a date, and the demo says it is not the one expected.
$emu "$xattn" transcribe --model "$out/dated.xattn" "$wav" > "$out/line" 2> /dev/null || fail "dated.xattn"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' "$out/line" || fail "dated.xattn: '$(cat "$out/line")', not a date"
$emu "$xattn" demo --speech --model "$out/dated.xattn" --clips "$out/clips" > "$out/demo" 2> /dev/null || fail "demo, dated"
grep -Eq -- '-> [0-9]{4}-[0-9]{2}-[0-9]{2} .*\(expected no date\)' "$out/demo" || fail "demo, dated: $(cat "$out/demo")"
grep -q '^0 of 1 dates right' "$out/demo" || fail "demo, dated: not 0 of 1 right"
echo "all no-date CLI checks passed"
