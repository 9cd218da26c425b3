# Whisper decoding rules against openai-whisper's decoding.py run at test
# time (tests/whisper/whisper_decoding_reference.py); skipped, saying why,
# when python3 with torch or the reference folder is absent. Uses the
# python3 and reference folder tests/audio/audio_tests.cmake found.
target_compile_definitions(xattn_tests PRIVATE
  XATTN_WHISPER_DECODING_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/whisper_decoding_reference.py")

# `xattn convert ggml` against openai-whisper (tests/test_whisper_ggml.cpp):
# a random tiny-sized Whisper converted by whisper.cpp's convert-pt-to-ggml.py,
# its PyTorch logits on jfk.flac (tests/whisper/ggml_parity_reference.py);
# skipped, saying why, without torch, sox or the reference folder.
target_compile_definitions(xattn_tests PRIVATE
  XATTN_GGML_PARITY_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/ggml_parity_reference.py")
