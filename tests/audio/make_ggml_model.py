#!/usr/bin/env python3
"""Writes small whisper.cpp ggml files with whisper.cpp's own converter, as
oracles for the C++ ggml reader (tests/test_audio_ggml.cpp).

usage: make_ggml_model.py REFERENCE_DIR OUT_DIR

A random openai-whisper model (Whisper(ModelDimensions(...)), tiny-like
proportions, small sizes) is saved as an OpenAI checkpoint, once in float16
(as released checkpoints are) and once in float32, and converted by
REFERENCE_DIR/whisper.cpp/models/convert-pt-to-ggml.py into OUT_DIR/f16/ and
OUT_DIR/f32/. OUT_DIR/tensors.txt lists "name dtype d0 d1 ..." per tensor
and OUT_DIR/tensors/NAME.f32 holds its values (float32; every value is
float16-representable, so both files hold the same numbers); OUT_DIR/dims.txt the ten
ModelDimensions in the file's header order; OUT_DIR/vocab.hex the converter's tokens, one hex string a line.
Prints XATTN-SKIP and why when torch or the references are missing.
"""
import base64
import dataclasses
import os
import subprocess
import sys
import types


def skip(reason):
    print("XATTN-SKIP: " + reason)
    sys.exit(0)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    reference_dir, out_dir = sys.argv[1], sys.argv[2]
    whisper_root = os.path.join(reference_dir, "openai-whisper")
    converter = os.path.join(reference_dir, "whisper.cpp", "models", "convert-pt-to-ggml.py")
    for path in (os.path.join(whisper_root, "whisper", "model.py"), converter):
        if not os.path.isfile(path):
            skip(path + " absent")
    try:
        import numpy as np
        import torch
    except ImportError as e:
        skip("python3 cannot import numpy/torch (" + str(e) + "); apt-get install python3-torch")
    # whisper.model without the package's __init__ and without the decoding
    # and transcription modules it imports only to attach as methods (they
    # need tiktoken, tqdm and numba): the architecture is all that is used.
    package = types.ModuleType("whisper")
    package.__path__ = [os.path.join(whisper_root, "whisper")]
    sys.modules["whisper"] = package
    decoding = types.ModuleType("whisper.decoding")
    decoding.decode = decoding.detect_language = None
    sys.modules["whisper.decoding"] = decoding
    transcribe = types.ModuleType("whisper.transcribe")
    transcribe.transcribe = None
    sys.modules["whisper.transcribe"] = transcribe
    import importlib
    model_module = importlib.import_module("whisper.model")

    torch.manual_seed(13)
    dims = model_module.ModelDimensions(n_mels=80, n_audio_ctx=24, n_audio_state=64, n_audio_head=4,
                                        n_audio_layer=2, n_vocab=300, n_text_ctx=16, n_text_state=64,
                                        n_text_head=4, n_text_layer=2)
    model = model_module.Whisper(dims)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.5)
        # float16-representable values, so the f16 and f32 files hold the same numbers.
        for v in model.state_dict().values():
            v.copy_(v.half().float())
    os.makedirs(os.path.join(out_dir, "tensors"), exist_ok=True)
    lines = []
    for precision, dtype, extra in (("f16", torch.float16, []), ("f32", torch.float32, ["use-f32"])):
        state = {k: v.to(dtype) for k, v in model.state_dict().items()}
        folder = os.path.join(out_dir, precision)
        os.makedirs(folder, exist_ok=True)
        checkpoint = os.path.join(folder, "model.pt")
        torch.save({"dims": dataclasses.asdict(dims), "model_state_dict": state}, checkpoint)
        with open(os.path.join(folder, "convert.log"), "w") as log:
            subprocess.run([sys.executable, converter, checkpoint, whisper_root, folder] + extra, check=True,
                           stdout=log, stderr=subprocess.STDOUT)
        if precision == "f16":
            for name, value in state.items():
                array = value.float().numpy().astype("<f4")
                array.tofile(os.path.join(out_dir, "tensors", name + ".f32"))
                lines.append(" ".join([name] + [str(d) for d in value.shape]))
    with open(os.path.join(out_dir, "tensors.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    d = dims
    with open(os.path.join(out_dir, "dims.txt"), "w") as f:
        f.write("%d %d %d %d %d %d %d %d %d %d\n" % (d.n_vocab, d.n_audio_ctx, d.n_audio_state, d.n_audio_head,
                                                    d.n_audio_layer, d.n_text_ctx, d.n_text_state, d.n_text_head,
                                                    d.n_text_layer, d.n_mels))
    # The tokens as the converter reads them: gpt2.tiktoken (n_vocab < 51865), in file order.
    with open(os.path.join(whisper_root, "whisper", "assets", "gpt2.tiktoken"), "rb") as f:
        tokens = [base64.b64decode(line.split()[0]) for line in f.read().splitlines() if line]
    with open(os.path.join(out_dir, "vocab.hex"), "w") as f:
        f.write("\n".join(t.hex() for t in tokens) + "\n")
    print("wrote %s" % out_dir)


if __name__ == "__main__":
    main()
