// Shared memory regions: POSIX shm_open + mmap, and Windows named file mappings behind the same API
// (the Windows branch compiles on MSVC but is untested here: CI and development run on Linux).
// A mapping is handed to JS as an external ArrayBuffer; shmUnmap unmaps it and detaches the buffer so
// JS can never touch unmapped memory. If JS drops the buffer without unmapping, its finalizer unmaps.
#include "native.h"

#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace mlxv {
namespace {

struct Mapping {
  void* addr = nullptr;
  size_t bytes = 0;
  bool unmapped = false;
#ifdef _WIN32
  HANDLE handle = nullptr;
#endif
};

std::mutex g_mutex;
// Live mappings by address, so shmUnmap(buffer) finds its Mapping. Entries leave on unmap.
std::unordered_map<void*, Mapping*> g_live;

void UnmapLocked(Mapping* m) {
  if (m->unmapped) return;
#ifdef _WIN32
  UnmapViewOfFile(m->addr);
  CloseHandle(m->handle);
#else
  munmap(m->addr, m->bytes);
#endif
  m->unmapped = true;
  g_live.erase(m->addr);
}

void Finalize(Napi::Env /*env*/, void* /*data*/, Mapping* m) {
  std::lock_guard<std::mutex> lock(g_mutex);
  UnmapLocked(m);
  delete m;
}

Napi::Value Wrap(Napi::Env env, Mapping* m) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_live[m->addr] = m;
  }
  return Napi::ArrayBuffer::New(env, m->addr, m->bytes, Finalize, m);
}

Napi::Value Fail(Napi::Env env, const std::string& what) {
  Napi::Error::New(env, what).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool ReadArgs(const Napi::CallbackInfo& info, std::string* name, size_t* bytes) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "expected (name: string, bytes: number)").ThrowAsJavaScriptException();
    return false;
  }
  *name = info[0].As<Napi::String>().Utf8Value();
  double b = info[1].As<Napi::Number>().DoubleValue();
  if (name->size() < 2 || (*name)[0] != '/' || name->find('/', 1) != std::string::npos || name->size() > 250) {
    Napi::TypeError::New(env, "shm name must look like \"/mlxv-abc\" (one leading slash)").ThrowAsJavaScriptException();
    return false;
  }
  if (!(b >= 0) || b > 9007199254740991.0) {
    Napi::RangeError::New(env, "bytes must be a non-negative integer").ThrowAsJavaScriptException();
    return false;
  }
  *bytes = static_cast<size_t>(b);
  return true;
}

#ifdef _WIN32
std::string WinName(const std::string& posixName) { return "Local\\" + posixName.substr(1); }
std::string WinError(const char* what) { return std::string(what) + " failed (GetLastError " + std::to_string(GetLastError()) + ")"; }
#else
std::string Errno(const char* what, const std::string& name) {
  return std::string(what) + "(" + name + ") failed: " + std::strerror(errno);
}
#endif

Napi::Value ShmCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  size_t bytes = 0;
  if (!ReadArgs(info, &name, &bytes)) return env.Undefined();
  if (bytes == 0) return Fail(env, "shmCreate: bytes must be > 0");
  auto* m = new Mapping();
  m->bytes = bytes;
#ifdef _WIN32
  HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, static_cast<DWORD>(uint64_t(bytes) >> 32),
                                static_cast<DWORD>(bytes & 0xffffffffu), WinName(name).c_str());
  if (!h) { delete m; return Fail(env, WinError("CreateFileMapping")); }
  if (GetLastError() == ERROR_ALREADY_EXISTS) { CloseHandle(h); delete m; return Fail(env, "shmCreate: " + name + " already exists"); }
  m->addr = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, bytes);
  if (!m->addr) { CloseHandle(h); delete m; return Fail(env, WinError("MapViewOfFile")); }
  m->handle = h;
#else
  int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) { delete m; return Fail(env, Errno("shm_open", name)); }
  if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    std::string err = Errno("ftruncate", name);
    close(fd);
    shm_unlink(name.c_str());
    delete m;
    return Fail(env, err);
  }
#ifdef __linux__
  // Reserve the pages now: on a small /dev/shm (Docker's default is 64 MB) a sparse region would fail later
  // with SIGBUS on first write, killing the process; here it fails as a clear error instead.
  int rc = posix_fallocate(fd, 0, static_cast<off_t>(bytes));
  if (rc != 0 && rc != EOPNOTSUPP && rc != EINVAL) {
    close(fd);
    shm_unlink(name.c_str());
    delete m;
    return Fail(env, "shmCreate(" + name + "): cannot reserve " + std::to_string(bytes) +
                         " bytes of shared memory (" + std::strerror(rc) + "); /dev/shm may be too small");
  }
#endif
  void* addr = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (addr == MAP_FAILED) {
    std::string err = Errno("mmap", name);
    shm_unlink(name.c_str());
    delete m;
    return Fail(env, err);
  }
  m->addr = addr;
#endif
  return Wrap(env, m);
}

Napi::Value ShmOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  size_t bytes = 0;
  if (!ReadArgs(info, &name, &bytes)) return env.Undefined();
  auto* m = new Mapping();
#ifdef _WIN32
  HANDLE h = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, WinName(name).c_str());
  if (!h) { delete m; return Fail(env, WinError("OpenFileMapping")); }
  void* addr = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, bytes);
  if (!addr) { CloseHandle(h); delete m; return Fail(env, WinError("MapViewOfFile")); }
  if (bytes == 0) {
    MEMORY_BASIC_INFORMATION mbi;
    VirtualQuery(addr, &mbi, sizeof(mbi));
    bytes = mbi.RegionSize;
  }
  m->addr = addr;
  m->handle = h;
  m->bytes = bytes;
#else
  int fd = shm_open(name.c_str(), O_RDWR, 0);
  if (fd < 0) { delete m; return Fail(env, Errno("shm_open", name)); }
  struct stat st;
  if (fstat(fd, &st) != 0) { std::string err = Errno("fstat", name); close(fd); delete m; return Fail(env, err); }
  size_t size = static_cast<size_t>(st.st_size);
  if (bytes == 0) bytes = size;
  if (bytes == 0 || bytes > size) {
    close(fd);
    delete m;
    return Fail(env, "shmOpen: " + name + " holds " + std::to_string(size) + " bytes, asked to map " + std::to_string(bytes));
  }
  void* addr = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (addr == MAP_FAILED) { delete m; return Fail(env, Errno("mmap", name)); }
  m->addr = addr;
  m->bytes = bytes;
#endif
  return Wrap(env, m);
}

Napi::Value ShmUnmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) {
    Napi::TypeError::New(env, "expected (buffer: ArrayBuffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::ArrayBuffer buf = info[0].As<Napi::ArrayBuffer>();
  void* addr = buf.Data();
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_live.find(addr);
    if (it == g_live.end()) return env.Undefined();  // already unmapped, or not a mapping of ours
    UnmapLocked(it->second);
  }
  // Detach last: it may run the finalizer, which frees the Mapping (now marked unmapped).
  if (!buf.IsDetached()) buf.Detach();
  return env.Undefined();
}

Napi::Value ShmUnlink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "expected (name: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
#ifdef _WIN32
  // Named mappings vanish with their last handle; there is nothing to unlink.
  return Napi::Boolean::New(env, true);
#else
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (shm_unlink(name.c_str()) == 0) return Napi::Boolean::New(env, true);
  if (errno == ENOENT) return Napi::Boolean::New(env, false);
  return Fail(env, Errno("shm_unlink", name));
#endif
}

}  // namespace

void InitShm(Napi::Env env, Napi::Object exports) {
  exports.Set("shmCreate", Napi::Function::New(env, ShmCreate));
  exports.Set("shmOpen", Napi::Function::New(env, ShmOpen));
  exports.Set("shmUnmap", Napi::Function::New(env, ShmUnmap));
  exports.Set("shmUnlink", Napi::Function::New(env, ShmUnlink));
}

}  // namespace mlxv
