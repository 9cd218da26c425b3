# Warning flags for xattn's own targets, never a consumer's: -Wall -Wextra,
# plus -Werror when XATTN_WARNINGS_AS_ERRORS is on (every CI stage turns it
# on; off by default so a newer compiler's new warnings do not break a user's
# build). Applied to every compiled target defined under a directory, so a
# target added later needs nothing more.
function(xattn_add_warnings directory)
  get_property(targets DIRECTORY ${directory} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY)$")
      target_compile_options(${target} PRIVATE -Wall -Wextra $<$<BOOL:${XATTN_WARNINGS_AS_ERRORS}>:-Werror>)
    endif()
  endforeach()
  get_property(subdirectories DIRECTORY ${directory} PROPERTY SUBDIRECTORIES)
  foreach(subdirectory IN LISTS subdirectories)
    xattn_add_warnings(${subdirectory})
  endforeach()
endfunction()
