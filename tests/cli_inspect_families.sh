#!/bin/sh
# xattn inspect on every CTranslate2 family the converter reads: the
# architecture lines must say what each family's README (../shared/data/
# ct2-families/*/README.md, "Spec options") says CTranslate2's converter set.
# Run by ctest (cli_inspect_families) as
#   sh tests/cli_inspect_families.sh XATTN_BINARY FAMILIES_DIR [RUNNER...]
set -u
XATTN=$1
FAMILIES=$2
shift 2
RUN="$*"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xattn-inspect.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
if [ ! -f "$FAMILIES/t5-v1_0/model-f32/model.bin" ]; then
  echo "XATTN-SKIP: the CTranslate2 family models are absent at $FAMILIES"
  exit 0
fi
failures=0
# says FAMILY TEXT...: the family's inspect output holds each fixed string.
says() {
  family=$1
  shift
  for want in "$@"; do
    if grep -qF -- "$want" "$WORK/$family.txt"; then
      echo "ok   $family: $want"
    else
      failures=$((failures + 1))
      echo "FAIL $family: no '$want' in:"
      sed 's/^/    /' "$WORK/$family.txt"
    fi
  done
}
for family in t5-v1_0 t5-v1_1 bart mbart-50 mbart-cc25 marian m2m100; do
  if ! $RUN "$XATTN" convert ct2 "$FAMILIES/$family/model-f32" -o "$WORK/$family.xattn" >/dev/null 2>"$WORK/err" ||
     ! $RUN "$XATTN" inspect "$WORK/$family.xattn" >"$WORK/$family.txt" 2>"$WORK/err"; then
    failures=$((failures + 1))
    echo "FAIL $family: $(cat "$WORK/err")"
    : >"$WORK/$family.txt"
  fi
done
shared="uses of matrices stored once for several roles"
says t5-v1_0 "pre-norm, RMSNorm, epsilon 1e-06; final norms: encoder decoder" \
  "relative bias, 32 buckets, max distance 128; embedding scale 1" "queries scaled by 1;" \
  "none on linear layers, no output bias" ", relu" "decoder starts from target token 0" "$shared"
says t5-v1_1 "pre-norm, RMSNorm, epsilon 1e-06" "relative bias, 32 buckets, max distance 128" \
  "no output bias; gated FFN" ", gelu-tanh" "decoder starts from target token 0"
says bart "post-norm, LayerNorm, epsilon 1e-05; final norms: none; embedding norms: encoder decoder" \
  "stored table, max 1024; embedding scale 1" "queries scaled by 1/sqrt(head size); biases on linear layers, no output bias" \
  ", gelu" "$shared"
says mbart-50 "pre-norm, LayerNorm, epsilon 1e-05; final norms: encoder decoder; embedding norms: encoder decoder" \
  "stored table, max 1024; embedding scale 8" "no output bias" "$shared"
says mbart-cc25 "decoder starts from the first target-prefix token"
says marian "post-norm, LayerNorm, epsilon 1e-05; final norms: none" "stored table, max 512; embedding scale 8" \
  "biases on linear layers, output bias" ", swish" "decoder starts from a zero embedding" "$shared"
says m2m100 "pre-norm, LayerNorm, epsilon 1e-05; final norms: encoder decoder" "stored table, max 1024; embedding scale 8" \
  "no output bias" ", relu" "$shared"
echo "$failures failures"
[ "$failures" -eq 0 ]
