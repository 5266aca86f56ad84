// One plugin instance's link to the daemon: connect + hello (token auth), then frame.render round trips
// over shared memory (local daemon) or binary WebSocket messages (docs/protocol.md "frame.render").
// Every wait polls `cancel` (the host's abort()) and ends at a deadline: the render action is synchronous in
// Resolve, so a stuck daemon must never stall the host for longer than the configured timeout.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "settings.h"
#include "shm_region.h"
#include "ws_client.h"

namespace mlxv {

/// The daemon answered with {"type":"error"} (or refused us); `code` is the protocol's error code.
class DaemonError : public std::runtime_error {
 public:
  DaemonError(std::string code, const std::string &message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string &code() const { return code_; }

 private:
  std::string code_;
};

struct FrameJob {
  std::string instance;
  std::string effect;
  std::string paramsJson;  // a JSON object
  long long frameIndex = 0;
  int width = 0, height = 0;        // input
  int outWidth = 0, outHeight = 0;  // what the effect's outputSize says the result will be
};

class DaemonLink {
 public:
  /// Where to write the packed float RGBA input (width*height*4 floats); valid until the next call.
  float *inputBuffer(const FrameJob &job);
  /// Sends the frame and waits for the result; returns the packed output, valid until the next call.
  const float *render(const FrameJob &job, int *outWidth, int *outHeight, const CancelFn &cancel);
  /// Best effort, bounded by a short deadline: tells the daemon to drop this instance's state.
  void closeInstance(const std::string &instance);
  /// Forgets the connection and the shared-memory regions (after an error; the next render reconnects).
  void drop();
  /// "shm" or "binary": how the last frame actually travelled (for logs and tests).
  const char *lastTransport() const { return lastShm_ ? "shm" : "binary"; }
  /// Counts successful connects. The daemon keeps a sequential effect's state per connection, so a changed
  /// generation means that state is gone (the plugin then pre-rolls).
  uint64_t generation() const { return generation_; }

 private:
  Settings settings_;
  WsClient ws_;
  uint32_t nextId_ = 1;
  uint64_t generation_ = 0;
  bool useShm_ = false;
  bool shmRefused_ = false;  // the daemon could not map our regions once: binary for the rest of the session
  bool daemonShm_ = false;
  bool lastShm_ = false;   // hello.ok.shm: the daemon's native addon can map shared memory
  std::vector<std::string> toRelease_;  // replaced regions the daemon may still have mapped (shm.release)
  ShmRegion in_, out_;
  std::vector<float> inVec_;
  WsMessage outMsg_;   // the last result's pixel message (binary transport)
  WsMessage scratch_;  // receive buffer; swapped with outMsg_ when pixels arrive, so both keep their capacity

  void ensureConnected(const CancelFn &cancel);
  const float *exchange(const FrameJob &job, bool shm, int *outWidth, int *outHeight, Clock::time_point deadline,
                        const CancelFn &cancel);
  const float *inputData() const;
  void recreate(ShmRegion &region, size_t bytes);
};

/// A one-line explanation for the on-image error and the host message.
std::string describeFailure(const std::exception &e, const Settings &s);

}  // namespace mlxv
