// A small blocking RFC 6455 WebSocket client for the plugin's link to the daemon.
// Why hand-written: the plugin is a single self-contained shared object loaded into the host's process
// (Resolve bundles its own libraries), and no C++ WebSocket library is packaged here; the protocol surface
// we need is small: client handshake, masked frames, fragmentation, ping/pong and the close handshake.
// Every blocking call takes a deadline and a cancel callback (polled every few ms) so a render can honour the
// host's abort() and a timeout instead of hanging.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <utility>
#include <stdexcept>
#include <string>
#include <vector>

namespace mlxv {

using Clock = std::chrono::steady_clock;
using CancelFn = std::function<bool()>;

class WsError : public std::runtime_error {
 public:
  enum class Kind { Connect, Timeout, Aborted, Closed, Protocol, Io };
  WsError(Kind kind, const std::string &what, int closeCode = 0)
      : std::runtime_error(what), kind_(kind), closeCode_(closeCode) {}
  Kind kind() const { return kind_; }
  int closeCode() const { return closeCode_; }

 private:
  Kind kind_;
  int closeCode_;
};

/// Leaves new elements uninitialised on resize: a UHD float frame is 133 MB that recv() overwrites at once,
/// so zero-filling it first would only cost time.
template <typename T>
struct UninitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitAllocator<U>;
  };
  UninitAllocator() = default;
  template <typename U>
  UninitAllocator(const UninitAllocator<U> &) noexcept {}
  template <typename U>
  void construct(U *p) noexcept {
    ::new (static_cast<void *>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U *p, Args &&...args) {
    ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
  }
};
using ByteBuffer = std::vector<uint8_t, UninitAllocator<uint8_t>>;

struct WsMessage {
  bool binary = false;
  ByteBuffer data;
  std::string text() const { return std::string(data.begin(), data.end()); }
};

class WsClient {
 public:
  WsClient() = default;
  ~WsClient();
  WsClient(const WsClient &) = delete;
  WsClient &operator=(const WsClient &) = delete;

  /// TCP connect + HTTP upgrade to ws://host:port/path. No Origin header: the daemon refuses web origins.
  void connect(const std::string &host, int port, const std::string &path, Clock::time_point deadline,
               const CancelFn &cancel);
  bool connected() const { return fd_ != kNoSocketHandle; }

  void sendText(const std::string &text, Clock::time_point deadline, const CancelFn &cancel);
  /// One binary message made of `parts` (concatenated), split into frames of at most `fragmentBytes`
  /// (0 = one frame). Parts avoid copying a multi-megabyte frame just to put an 8-byte header in front.
  void sendBinary(const std::vector<std::pair<const void *, size_t>> &parts, Clock::time_point deadline,
                  const CancelFn &cancel, size_t fragmentBytes = 0);
  void sendPing(const std::string &payload, Clock::time_point deadline, const CancelFn &cancel);

  /// Next data message (fragments reassembled). Pings are answered, pongs recorded; a close frame is answered
  /// and raised as WsError(Closed).
  WsMessage receive(Clock::time_point deadline, const CancelFn &cancel);
  /// The same, into `out`, reusing its buffer's capacity (frame after frame without reallocating).
  void receive(WsMessage &out, Clock::time_point deadline, const CancelFn &cancel);

  /// Best-effort close handshake (waits at most `graceMs` for the server's close), then drops the socket.
  void close(uint16_t code = 1000, const std::string &reason = "", int graceMs = 200);
  /// Drops the socket without a handshake (after an error).
  void reset();

  void setMaxMessageBytes(size_t n) { maxMessage_ = n; }
  const std::string &lastPong() const { return lastPong_; }

 private:
  // The socket (int on POSIX, SOCKET on Windows: both fit in an intptr_t; net_compat.h converts).
  using SocketHandle = std::uintptr_t;
  static constexpr SocketHandle kNoSocketHandle = ~SocketHandle(0);
  SocketHandle fd_ = kNoSocketHandle;
  size_t maxMessage_ = size_t(1) << 31;
  std::string lastPong_;
  bool closeSent_ = false;  // we started the close handshake: do not echo the server's close
  std::vector<uint8_t> inbuf_;  // bytes read but not consumed yet
  size_t inpos_ = 0;

  void sendFrame(uint8_t opcode, bool fin, const std::vector<std::pair<const uint8_t *, size_t>> &payload,
                 Clock::time_point deadline, const CancelFn &cancel);
  void writeAll(const uint8_t *p, size_t n, Clock::time_point deadline, const CancelFn &cancel);
  void readExact(uint8_t *p, size_t n, Clock::time_point deadline, const CancelFn &cancel);
  void fill(Clock::time_point deadline, const CancelFn &cancel);
  /// One recv() of up to n bytes (waiting while none are ready); throws when the connection ends.
  size_t recvSome(uint8_t *p, size_t n, Clock::time_point deadline, const CancelFn &cancel);
  void waitFor(short events, Clock::time_point deadline, const CancelFn &cancel);
};

// Exposed for tests: the handshake accept value (base64(SHA-1(key + RFC 6455 GUID))).
std::string wsAcceptFor(const std::string &key);

}  // namespace mlxv
