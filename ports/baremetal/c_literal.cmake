# c_literal(TEXT OUT): OUT = a C string literal holding TEXT (backslashes and
# quotes escaped), for the scripts that write the firmware's tables.
function(c_literal text out)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  set(${out} "\"${text}\"" PARENT_SCOPE)
endfunction()
