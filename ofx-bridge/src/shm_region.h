// A shared-memory region the plugin creates and the daemon maps by name for one frame exchange
// (docs/protocol.md, transport "shm"): no copy of 33–133 MB frames through a socket. POSIX shm_open on
// Linux and macOS; a named file mapping (CreateFileMapping, "Local\\mlxv-ofx-...") on Windows.
#pragma once
#include <cstddef>
#include <string>

namespace mlxv {

class ShmRegion {
 public:
  ShmRegion() = default;
  ~ShmRegion();
  ShmRegion(const ShmRegion &) = delete;
  ShmRegion &operator=(const ShmRegion &) = delete;

  /// Creates (mode 0600, exclusive) and maps a region of `bytes` under a fresh name "/mlxv-ofx-<pid>-<n>".
  /// Throws std::runtime_error when the system refuses (e.g. /dev/shm full).
  void create(size_t bytes);
  /// Unmaps and unlinks (the daemon's own mapping, if still open, stays valid until it unmaps).
  void release();

  void *data() const { return data_; }
  size_t size() const { return size_; }
  const std::string &name() const { return name_; }
  bool valid() const { return data_ != nullptr; }

 private:
  void *data_ = nullptr;
  void *mapping_ = nullptr;  // Windows: the file-mapping HANDLE
  size_t size_ = 0;
  std::string name_;
};

}  // namespace mlxv
