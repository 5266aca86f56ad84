#include "shm_region.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "settings.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace mlxv {

ShmRegion::~ShmRegion() { release(); }

#ifdef _WIN32

// A pagefile-backed named file mapping ("Local\" = this login session), the Windows counterpart of shm_open.
void ShmRegion::create(size_t bytes) {
  release();
  static std::atomic<unsigned> counter{0};
  std::string name = "Local\\mlxv-ofx-" + std::to_string(processId()) + "-" + std::to_string(++counter);
  const unsigned long long size = bytes;
  HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, DWORD(size >> 32),
                                DWORD(size & 0xFFFFFFFFu), name.c_str());
  if (!h) throw std::runtime_error("CreateFileMapping " + name + " failed (error " + std::to_string(GetLastError()) + ")");
  if (GetLastError() == ERROR_ALREADY_EXISTS) {
    CloseHandle(h);
    throw std::runtime_error("shared memory " + name + " already exists");
  }
  void *p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, bytes);
  if (!p) {
    const DWORD err = GetLastError();
    CloseHandle(h);
    throw std::runtime_error("cannot map shared memory " + name + " (error " + std::to_string(err) + ")");
  }
  mapping_ = h;
  data_ = p;
  size_ = bytes;
  name_ = name;
}

void ShmRegion::release() {
  if (data_) UnmapViewOfFile(data_);
  if (mapping_) CloseHandle(static_cast<HANDLE>(mapping_));  // the daemon's own handle keeps it alive
  mapping_ = nullptr;
  data_ = nullptr;
  size_ = 0;
  name_.clear();
}

#else

void ShmRegion::create(size_t bytes) {
  release();
  static std::atomic<unsigned> counter{0};
  std::string name = "/mlxv-ofx-" + std::to_string(processId()) + "-" + std::to_string(++counter);
  int fd = ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) throw std::runtime_error("shm_open " + name + ": " + std::strerror(errno));
  if (::ftruncate(fd, off_t(bytes)) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    ::shm_unlink(name.c_str());
    throw std::runtime_error("cannot size shared memory " + name + " to " + std::to_string(bytes) + " bytes: " + why);
  }
  void *p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) {
    ::shm_unlink(name.c_str());
    throw std::runtime_error("cannot map shared memory " + name + ": " + std::strerror(errno));
  }
  data_ = p;
  size_ = bytes;
  name_ = name;
}

void ShmRegion::release() {
  if (data_) ::munmap(data_, size_);
  if (!name_.empty()) ::shm_unlink(name_.c_str());
  data_ = nullptr;
  size_ = 0;
  name_.clear();
}

#endif

}  // namespace mlxv
