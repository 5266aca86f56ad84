#include "shm_region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mlxv {

ShmRegion::~ShmRegion() { release(); }

void ShmRegion::create(size_t bytes) {
  release();
  static std::atomic<unsigned> counter{0};
  std::string name = "/mlxv-ofx-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
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

}  // namespace mlxv
