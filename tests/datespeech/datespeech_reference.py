"""PyTorch's side of the datespeech parity test (tests/test_datespeech.cpp).

    /usr/bin/python3 datespeech_reference.py REFERENCE_DIR OUT_DIR

Loads the committed checkpoint models/datespeech/datespeech.pt with OpenAI's
whisper package (REFERENCE_DIR/openai-whisper), converts it with whisper.cpp's
REFERENCE_DIR/whisper.cpp/models/convert-pt-to-ggml.py into
OUT_DIR/f32/ggml-model-f32.bin, and for every committed demo WAV
(models/datespeech/demo/*.wav) writes:
  NAME.mel.f32      whisper's log-mel at the model's 4 s context, [80][400] float32
  NAME.tokens.txt   greedy decoding from <|startoftranscript|> (argmax over the
                    whole vocabulary, up to <|endoftext|> or the decoder's positions),
                    the end token included when it was generated
  NAME.logits.f32   the logits of every step of that decoding, [steps][n_vocab]
  NAME.ruled.txt    greedy decoding under the date rule (models/datespeech/date_rule.py,
                    the twin of xattn/date_rule.h), the end token included
  NAME.beam.txt     the date-rule beam search of 4 (models/datespeech/beam_search.py, the
                    twin of the runtime's beam search with the rule's hook), the end token included
  NAME.window.txt   the first sample of the window `xattn transcribe` hears the WAV
                    through (models/datespeech/speech_window.py, the twin of
                    xattn/audio.h's speech_window_start)
and list.txt with the names; then each clip under seeded white noise at 5 and 0 dB SNR as
NAME@5dB and NAME@0dB (.mel.f32, .ruled.txt and .beam.txt only), listed in noisy-list.txt;
then each clip said 2.5 times slower (resampled), its words longer than the window, as
NAME-slow: .wav (PCM16), .window.txt (the first sample and the stretch in thousandths that
speech_window.window, the twin of xattn/audio.h's speech_window, gives), .mel.f32 (the
stretched log-mel, speech_window.stretched_log_mel) and .beam.txt, listed in slow-list.txt.
Prints XATTN-SKIP (and exits 0) when torch, the reference folder or the checkpoint is absent.
"""
import hashlib
import os
import subprocess
import sys
import types
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "..", "..", "models", "datespeech")
CLIP_SAMPLES = 64000  # the model's 4 s window
NOISY_SNRS = (5, 0)  # each demo clip again under seeded white noise at these SNRs (dB)
SLOW = 2.5  # and each said this much slower (resampled: a deeper voice too), its words longer than the window


def skip(why):
    print("XATTN-SKIP: " + why)
    sys.exit(0)


def import_whisper(root):
    sys.path.insert(0, root)
    if "tiktoken" not in sys.modules:
        stub = types.ModuleType("tiktoken")
        stub.Encoding = object
        sys.modules["tiktoken"] = stub
    import whisper.audio
    import whisper.model
    return whisper


def read_wav_s16(path):
    import numpy as np
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == 16000, path
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def ruled_greedy(model, mel, vocab, sot, eot, date_rule):
    """Greedy decoding under the date rule: the tokens after the start token, the end token included."""
    import torch
    features = model.embed_audio(mel[None])
    ruled = [sot]
    while ruled[-1] != eot:
        logits = model.logits(torch.tensor([ruled]), features)[0, -1]
        scores = date_rule.token_scores(vocab, ruled[1:])  # offsets: 0, or the weekday penalty
        ruled.append(max(scores, key=lambda t: float(logits[t]) + scores[t]))
    return ruled[1:]


def version_of(paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    reference_dir, out_dir = sys.argv[1], sys.argv[2]
    whisper_root = os.path.join(reference_dir, "openai-whisper")
    converter = os.path.join(reference_dir, "whisper.cpp", "models", "convert-pt-to-ggml.py")
    checkpoint = os.path.join(MODEL_DIR, "datespeech.pt")
    demo = os.path.join(MODEL_DIR, "demo")
    for path in (os.path.join(whisper_root, "whisper", "model.py"), converter, checkpoint):
        if not os.path.isfile(path):
            skip(path + " absent")
    wavs = sorted(f for f in os.listdir(demo) if f.endswith(".wav"))
    done = os.path.join(out_dir, "done.txt")
    version = version_of([__file__, checkpoint, os.path.join(MODEL_DIR, "date_rule.py"),
                          os.path.join(MODEL_DIR, "beam_search.py"), os.path.join(MODEL_DIR, "speech_window.py")] +
                         [os.path.join(demo, w) for w in wavs])
    if os.path.isfile(done) and open(done).read().strip() == version:
        print("up to date: " + out_dir)
        return
    try:
        import numpy as np
        import torch
    except ImportError as e:
        skip("python3 cannot import numpy/torch (" + str(e) + "); apt-get install python3-torch")
    whisper = import_whisper(whisper_root)
    torch.set_num_threads(1)
    torch.backends.mkldnn.enabled = False  # the oracle on PyTorch's own kernels, oneDNN aside
    saved = torch.load(checkpoint, map_location="cpu")
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**saved["dims"])).eval()
    model.load_state_dict(saved["model_state_dict"])
    vocab = open(os.path.join(MODEL_DIR, "vocabulary.txt")).read().split("\n")[:-1]
    sot, eot = vocab.index("<|startoftranscript|>"), vocab.index("<|endoftext|>")
    sys.path.insert(0, MODEL_DIR)
    import beam_search
    import date_rule
    import speech_window

    def date_rule_beam(mel):
        """The tokens of the date-rule beam search the runtime decodes a date model with, the end token included."""
        return beam_search.decode(model, mel[None], beam_search.DATE_RULE_BEAM, vocab, sot, eot)[0] + [eot]

    os.makedirs(os.path.join(out_dir, "f32"), exist_ok=True)
    subprocess.run([sys.executable, converter, checkpoint, whisper_root, os.path.join(out_dir, "f32"), "use-f32"],
                   check=True, stdout=subprocess.DEVNULL)
    names, noisy_names, slow_names = [], [], []
    with torch.no_grad():
        for wav in wavs:
            name = wav[:-4]
            samples = read_wav_s16(os.path.join(demo, wav))
            with open(os.path.join(out_dir, name + ".window.txt"), "w") as f:
                f.write("%d\n" % speech_window.start(np.round(samples * 32768.0).astype(np.int16)))
            audio = whisper.audio.pad_or_trim(torch.from_numpy(samples), CLIP_SAMPLES)
            mel = whisper.audio.log_mel_spectrogram(audio, model.dims.n_mels)
            features = model.embed_audio(mel[None])
            tokens = [sot]
            rows = []
            while len(tokens) < model.dims.n_text_ctx:
                logits = model.logits(torch.tensor([tokens]), features)[0, -1]
                rows.append(logits.numpy())
                tokens.append(int(logits.argmax()))
                if tokens[-1] == eot:
                    break
            with open(os.path.join(out_dir, name + ".ruled.txt"), "w") as f:
                f.write(" ".join(str(t) for t in ruled_greedy(model, mel, vocab, sot, eot, date_rule)) + "\n")
            beam = date_rule_beam(mel)
            with open(os.path.join(out_dir, name + ".beam.txt"), "w") as f:
                f.write(" ".join(str(t) for t in beam) + "\n")
            mel.numpy().astype("<f4").tofile(os.path.join(out_dir, name + ".mel.f32"))
            np.stack(rows).astype("<f4").tofile(os.path.join(out_dir, name + ".logits.f32"))
            with open(os.path.join(out_dir, name + ".tokens.txt"), "w") as f:
                f.write(" ".join(str(t) for t in tokens[1:]) + "\n")
            names.append(name)
            # The clip again under white noise (seeded): harder cases, where the beam and greedy part more often.
            for snr in NOISY_SNRS:
                rng = np.random.default_rng([len(names), snr])
                noise = rng.standard_normal(len(samples)).astype(np.float32)
                gain = np.sqrt(np.mean(samples ** 2) / np.mean(noise ** 2)) / 10 ** (snr / 20)
                noisy = whisper.audio.pad_or_trim(torch.from_numpy(samples + gain * noise), CLIP_SAMPLES)
                noisy_mel = whisper.audio.log_mel_spectrogram(noisy, model.dims.n_mels)
                noisy_name = "%s@%ddB" % (name, snr)
                noisy_mel.numpy().astype("<f4").tofile(os.path.join(out_dir, noisy_name + ".mel.f32"))
                for suffix, out in ((".ruled.txt", ruled_greedy(model, noisy_mel, vocab, sot, eot, date_rule)),
                                    (".beam.txt", date_rule_beam(noisy_mel))):
                    with open(os.path.join(out_dir, noisy_name + suffix), "w") as f:
                        f.write(" ".join(str(t) for t in out) + "\n")
                noisy_names.append(noisy_name)
            # The clip said slower, as a slow speaker's words run past the window: heard faster to fit, as
            # speech_window.window (the runtime's speech_window) and its stretched log-mel hear it.
            slow_name = name + "-slow"
            slow = np.interp(np.arange(0.0, len(samples) - 1, 1.0 / SLOW), np.arange(len(samples)), samples)
            slow16 = np.round(np.clip(slow, -1.0, 32767 / 32768) * 32768).astype("<i2")
            with wave.open(os.path.join(out_dir, slow_name + ".wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(16000)
                w.writeframes(slow16.tobytes())
            start, stretch = speech_window.window(slow16)
            with open(os.path.join(out_dir, slow_name + ".window.txt"), "w") as f:
                f.write("%d %d\n" % (start, stretch))
            slow_mel = speech_window.stretched_log_mel(whisper, slow16[start:].astype(np.float32) / 32768.0,
                                                       2 * model.dims.n_audio_ctx, stretch)
            slow_mel.numpy().astype("<f4").tofile(os.path.join(out_dir, slow_name + ".mel.f32"))
            with open(os.path.join(out_dir, slow_name + ".beam.txt"), "w") as f:
                f.write(" ".join(str(t) for t in date_rule_beam(slow_mel)) + "\n")
            slow_names.append(slow_name)
    with open(os.path.join(out_dir, "list.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    with open(os.path.join(out_dir, "noisy-list.txt"), "w") as f:
        f.write("\n".join(noisy_names) + "\n")
    with open(os.path.join(out_dir, "slow-list.txt"), "w") as f:
        f.write("\n".join(slow_names) + "\n")
    with open(done, "w") as f:
        f.write(version + "\n")
    print("wrote %d clips to %s" % (len(names), out_dir))


if __name__ == "__main__":
    main()
