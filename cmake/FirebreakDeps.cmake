# Every dependency is a Debian package (scripts/install-deps.sh installs them). Nothing is
# downloaded at configure or build time.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED)
pkg_check_modules(SIMDJSON REQUIRED IMPORTED_TARGET simdjson)
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET yaml-0.1)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(PUGIXML REQUIRED IMPORTED_TARGET pugixml)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
if(NOT FIREBREAK_FUZZ)
  find_package(CLI11 CONFIG REQUIRED)
endif()
if(FIREBREAK_DEVELOPER_MODE AND NOT FIREBREAK_FUZZ)
  find_package(GTest REQUIRED)
  include(GoogleTest)
  find_package(benchmark REQUIRED)
endif()

# simdjson's On-Demand API is header code: its SIMD kernel is chosen when *our* code compiles.
# Without AVX2 flags it silently uses the scalar fallback (several times slower). Build the event
# module for x86-64-v3 (AVX2, BMI2) when the build machine has it; the binary then checks the CPU
# at startup and refuses to run with a clear message on an older one.
include(CheckCXXSourceRuns)
set(FIREBREAK_SIMD_FLAGS "")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  check_cxx_source_runs("
    int main() { __builtin_cpu_init();
      return (__builtin_cpu_supports(\"avx2\") && __builtin_cpu_supports(\"bmi2\") && __builtin_cpu_supports(\"pclmul\")) ? 0 : 1; }"
    FIREBREAK_HOST_HAS_AVX2)
  if(FIREBREAK_HOST_HAS_AVX2)
    set(FIREBREAK_SIMD_FLAGS -march=x86-64-v3 -mpclmul)
  endif()
endif()
