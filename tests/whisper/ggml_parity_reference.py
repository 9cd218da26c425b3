#!/usr/bin/env python3
"""openai-whisper as the oracle for `xattn convert ggml`
(tests/test_whisper_ggml.cpp).

usage: ggml_parity_reference.py REFERENCE_DIR OUT_DIR

A random whisper.model.Whisper at whisper-tiny's dimensions (seed fixed) is
saved as OpenAI checkpoints ({"dims", "model_state_dict"}, float32 and
float16; removed once converted) and converted by
REFERENCE_DIR/whisper.cpp/models/convert-pt-to-ggml.py into
OUT_DIR/f32/ggml-model-f32.bin (use-f32) and OUT_DIR/f16/ggml-model.bin (the
converter's default: matrices in float16, vectors in float32). jfk.flac,
turned into 16 kHz mono PCM16 by sox (whisper's load_audio asks ffmpeg for the same), goes
through log_mel_spectrogram(pad_or_trim(audio)): OUT_DIR/mel.f32 (float32
[80][3000]). Greedy decoding in PyTorch (float32) from the prompt
<|startoftranscript|> <|en|> <|transcribe|> <|notimestamps|>, raw logits
(no suppression), at most 5 steps or until <|endoftext|>:
OUT_DIR/logits.f32 (float32 [steps][n_vocab]), OUT_DIR/tokens.txt (the
prompt, then the greedy tokens) and OUT_DIR/margins.txt (per step the top-1
minus top-2 logit). OUT_DIR/done.txt holds this script's sha256 once all
is written: a second run with the same script does nothing (the tests run
it from two test cases). Prints XATTN-SKIP and why when torch, sox or the
references are missing.
"""
import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
import types
import wave

STEPS = 5


def skip(reason):
    print("XATTN-SKIP: " + reason)
    sys.exit(0)


def import_whisper(whisper_root):
    """whisper.model and whisper.audio without the package's __init__ and the
    decoding/transcription modules model.py attaches as methods (they need
    tiktoken, tqdm, numba): the architecture and the front end are all that
    is used."""
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
    return importlib.import_module("whisper.model"), importlib.import_module("whisper.audio")


def read_wav_s16(path):
    import numpy as np
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == 16000
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    reference_dir, out_dir = sys.argv[1], sys.argv[2]
    with open(__file__, "rb") as f:
        version = hashlib.sha256(f.read()).hexdigest()
    done = os.path.join(out_dir, "done.txt")
    if os.path.isfile(done) and open(done).read().strip() == version:
        print("up to date: " + out_dir)
        return
    whisper_root = os.path.join(reference_dir, "openai-whisper")
    converter = os.path.join(reference_dir, "whisper.cpp", "models", "convert-pt-to-ggml.py")
    flac = os.path.join(whisper_root, "tests", "jfk.flac")
    for path in (os.path.join(whisper_root, "whisper", "model.py"), converter, flac):
        if not os.path.isfile(path):
            skip(path + " absent")
    if shutil.which("sox") is None:
        skip("sox is not installed (it turns jfk.flac into 16 kHz mono PCM16)")
    try:
        import numpy as np
        import torch
    except ImportError as e:
        skip("python3 cannot import numpy/torch (" + str(e) + "); apt-get install python3-torch")
    model_module, audio_module = import_whisper(whisper_root)
    torch.set_num_threads(1)

    torch.manual_seed(13)
    dims = model_module.ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=384, n_audio_head=6,
                                        n_audio_layer=4, n_vocab=51865, n_text_ctx=448, n_text_state=384,
                                        n_text_head=6, n_text_layer=4)
    model = model_module.Whisper(dims).eval()
    with torch.no_grad():
        # PyTorch's default init for the linear and conv layers; the rest
        # drawn so that norms are not the identity and the logits have a
        # spread of a few units (a trained tiny model's order).
        model.decoder.positional_embedding.normal_(0.0, 0.1)
        model.decoder.token_embedding.weight.normal_(0.0, 0.2)
        for name, p in model.named_parameters():
            if "ln" in name.split(".")[-2]:
                if name.endswith("weight"):
                    p.copy_(1.0 + 0.1 * torch.randn_like(p))
                else:
                    p.normal_(0.0, 0.05)
    os.makedirs(out_dir, exist_ok=True)
    # The converter's f16 mode marks matrices f16 but writes them as the
    # checkpoint holds them: it expects float16 checkpoints, as OpenAI
    # releases them, so that variant starts from one.
    for folder, dtype, extra in (("f32", torch.float32, ["use-f32"]), ("f16", torch.float16, [])):
        path = os.path.join(out_dir, folder)
        os.makedirs(path, exist_ok=True)
        checkpoint = os.path.join(path, "model.pt")
        state = {k: v.to(dtype) for k, v in model.state_dict().items()}
        torch.save({"dims": dataclasses.asdict(dims), "model_state_dict": state}, checkpoint)
        with open(os.path.join(path, "convert.log"), "w") as log:
            subprocess.run([sys.executable, converter, checkpoint, whisper_root, path] + extra, check=True,
                           stdout=log, stderr=subprocess.STDOUT)
        os.remove(checkpoint)

    jfk_wav = os.path.join(out_dir, "jfk.wav")
    subprocess.run(["sox", "-D", flac, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", jfk_wav],
                   check=True)
    audio = torch.from_numpy(read_wav_s16(jfk_wav).astype(np.float32) / 32768.0)
    mel = audio_module.log_mel_spectrogram(audio_module.pad_or_trim(audio), n_mels=dims.n_mels)
    np.ascontiguousarray(mel.numpy(), dtype="<f4").tofile(os.path.join(out_dir, "mel.f32"))

    # Multilingual layout (tokenizer.py): <|endoftext|> 50257, <|startoftranscript|> 50258,
    # <|en|> 50259, <|transcribe|> 50359, <|notimestamps|> 50363.
    eot = 50257
    tokens = [50258, 50259, 50359, 50363]
    rows, margins = [], []
    with torch.no_grad():
        features = model.embed_audio(mel[None])
        for _ in range(STEPS):
            logits = model.logits(torch.tensor([tokens]), features)[0, -1]
            rows.append(logits.numpy().astype("<f4"))
            top = torch.topk(logits, 2).values
            margins.append(float(top[0] - top[1]))
            tokens.append(int(torch.argmax(logits)))
            if tokens[-1] == eot:
                break
    np.stack(rows).tofile(os.path.join(out_dir, "logits.f32"))
    with open(os.path.join(out_dir, "tokens.txt"), "w") as f:
        f.write(" ".join(str(t) for t in tokens) + "\n")
    with open(os.path.join(out_dir, "margins.txt"), "w") as f:
        f.write("\n".join("%.6g" % m for m in margins) + "\n")
    with open(done, "w") as f:
        f.write(version + "\n")
    print("wrote %s: tokens %s, margins %s" % (out_dir, tokens, margins))


if __name__ == "__main__":
    main()
