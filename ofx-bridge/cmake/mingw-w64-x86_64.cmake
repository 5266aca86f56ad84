# Cross-compiling the OFX bundle and the test host for 64-bit Windows on Debian (package mingw-w64):
#   cmake -S ofx-bridge -B build/win64 -DCMAKE_TOOLCHAIN_FILE=ofx-bridge/cmake/mingw-w64-x86_64.cmake
# The -posix compilers: their libstdc++ has std::thread and std::mutex (the plugin and host use both).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # node (effects.json) runs on the build machine
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
