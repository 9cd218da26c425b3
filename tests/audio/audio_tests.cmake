# The audio tests run references nobody here wrote at test time: openai-
# whisper's log-mel (tests/audio/whisper_mel_reference.py) and whisper.cpp's
# ggml converter (tests/audio/make_ggml_model.py); they skip, saying why,
# when python3, torch or the reference folder is absent.
set(XATTN_REFERENCE_DIR "${PROJECT_SOURCE_DIR}/../shared/reference" CACHE PATH
    "Folder holding openai-whisper/ and whisper.cpp/ (tests skip, saying so, when absent)")
if(NOT XATTN_PYTHON_EXECUTABLE)
  # The first python3 on the PATH may be one without numpy and torch (e.g. a
  # /usr/local one): prefer Debian's, where python3-torch installs them.
  find_program(xattn_path_python NAMES python3)
  set(xattn_python python3)
  foreach(candidate ${xattn_path_python} /usr/bin/python3)
    if(EXISTS "${candidate}")
      execute_process(COMMAND ${candidate} -c "import numpy, torch" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
      if(rc EQUAL 0)
        set(xattn_python ${candidate})
        break()
      endif()
    endif()
  endforeach()
  set(XATTN_PYTHON_EXECUTABLE ${xattn_python} CACHE FILEPATH "python3 with numpy and torch, for reference tests")
endif()
target_compile_definitions(xattn_tests PRIVATE
  XATTN_REFERENCE_DIR="${XATTN_REFERENCE_DIR}"
  XATTN_REFERENCE_OUTPUT_DIR="${CMAKE_CURRENT_BINARY_DIR}"
  XATTN_PYTHON="${XATTN_PYTHON_EXECUTABLE}"
  XATTN_AUDIO_REFERENCE_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/whisper_mel_reference.py"
  XATTN_GGML_REFERENCE_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/make_ggml_model.py")

# xattn mel end to end (the CLI's WAV reader and front end against whisper).
add_test(NAME cli_mel_matches_whisper
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_mel.sh $<TARGET_FILE:xattn_cli> ${XATTN_PYTHON_EXECUTABLE}
          ${XATTN_REFERENCE_DIR} ${CMAKE_CROSSCOMPILING_EMULATOR})
set_tests_properties(cli_mel_matches_whisper PROPERTIES SKIP_REGULAR_EXPRESSION "XATTN-SKIP" LABELS cli)
