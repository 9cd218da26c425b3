# Whisper decoding rules against openai-whisper's decoding.py run at test
# time (tests/whisper/whisper_decoding_reference.py); skipped, saying why,
# when python3 with torch or the reference folder is absent. Uses the
# python3 and reference folder tests/audio/audio_tests.cmake found.
target_compile_definitions(xattn_tests PRIVATE
  XATTN_WHISPER_DECODING_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/whisper_decoding_reference.py")
