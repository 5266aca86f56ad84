#include "daemon_link.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "json.h"

namespace mlxv {

namespace {

constexpr const char *kClientVersion = "0.1.0";
constexpr uint32_t kMagic = 0x46584C4D;  // "MLXF" read as a little-endian uint32

uint32_t readLe32(const uint8_t *p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

json::Value parseMessage(const WsMessage &m) {
  try {
    return json::parse(m.text());
  } catch (const json::ParseError &e) {
    throw DaemonError("BAD_REPLY", std::string("the daemon sent malformed JSON: ") + e.what());
  }
}

}  // namespace

void DaemonLink::ensureConnected(const CancelFn &cancel) {
  if (ws_.connected()) return;
  settings_ = loadSettings();
  const auto deadline = Clock::now() + std::chrono::milliseconds(settings_.connectTimeoutMs);
  // Running out of the connect deadline anywhere in this phase (TCP, upgrade, hello) is a connect failure
  // named after the connect timeout, not the per-frame render timeout.
  const std::string connectBudget = "no answer within " + std::to_string(settings_.connectTimeoutMs) +
                                    " ms (MLXV_OFX_CONNECT_TIMEOUT_MS; raise it if the daemon is busy starting)";
  // Retry until the connect deadline: a daemon that is restarting refuses connections for a moment.
  for (;;) {
    try {
      ws_.connect(settings_.host, settings_.port, "/", deadline, cancel);
      break;
    } catch (const WsError &e) {
      if (e.kind() == WsError::Kind::Timeout) {
        ws_.reset();
        throw WsError(WsError::Kind::Connect, "the WebSocket upgrade got " + connectBudget);
      }
      if (e.kind() != WsError::Kind::Connect || Clock::now() + std::chrono::milliseconds(100) >= deadline) throw;
      for (int i = 0; i < 10; ++i) {
        if (cancel && cancel()) throw WsError(WsError::Kind::Aborted, "aborted by the host");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  std::string hello = "{\"type\":\"hello\",\"protocol\":1,\"token\":";
  json::appendQuoted(hello, readToken(settings_.tokenFile));
  hello += ",\"client\":{\"name\":\"mlxvideo-ofx\",\"version\":\"";
  hello += kClientVersion;
  hello += "\"}}";
  try {
    ws_.sendText(hello, deadline, cancel);
  } catch (const WsError &e) {
    ws_.reset();
    if (e.kind() == WsError::Kind::Aborted) throw;
    throw WsError(WsError::Kind::Connect, std::string("no hello answer: ") + e.what());
  }
  for (;;) {
    WsMessage m;
    try {
      m = ws_.receive(deadline, cancel);
    } catch (const WsError &e) {
      // A daemon that accepts but never answers the hello (starting up, wedged) counts as unreachable.
      ws_.reset();
      if (e.kind() == WsError::Kind::Aborted) throw;
      if (e.kind() == WsError::Kind::Timeout) throw WsError(WsError::Kind::Connect, "the hello got " + connectBudget);
      throw WsError(WsError::Kind::Connect, std::string("no hello answer: ") + e.what());
    }
    if (m.binary) continue;
    json::Value v = parseMessage(m);
    const std::string type = v["type"].asString();
    if (type == "hello.ok") {
      daemonShm_ = v["shm"].asBool(false);
      ++generation_;  // a new connection: the daemon holds no session state for our instances any more
      return;
    }
    if (type == "error") {
      ws_.reset();
      throw DaemonError(v["code"].stringOr("AUTH_FAILED"),
                        "the daemon refused the plugin (" + v["message"].stringOr("no reason given") +
                            "); check the token file " + settings_.tokenFile);
    }
  }
}

const float *DaemonLink::inputData() const {
  return useShm_ ? static_cast<const float *>(in_.data()) : inVec_.data();
}

float *DaemonLink::inputBuffer(const FrameJob &job) {
  const size_t inBytes = size_t(job.width) * size_t(job.height) * 16;
  const size_t outBytes = size_t(job.outWidth) * size_t(job.outHeight) * 16;
  useShm_ = loadSettings().useShm && !shmRefused_;
  if (useShm_) {
    try {
      if (!in_.valid() || in_.size() < inBytes) recreate(in_, inBytes);
      if (!out_.valid() || out_.size() < outBytes) recreate(out_, outBytes);
      return static_cast<float *>(in_.data());
    } catch (const std::runtime_error &) {
      // No usable /dev/shm (container limits): the binary transport always works.
      in_.release();
      out_.release();
      useShm_ = false;
    }
  }
  inVec_.resize(inBytes / 4);
  return inVec_.data();
}

void DaemonLink::recreate(ShmRegion &region, size_t bytes) {
  // The daemon keeps a name mapped until shm.release; a bigger frame gets a new region under a new name.
  if (region.valid()) toRelease_.push_back(region.name());
  region.create(bytes);
}

const float *DaemonLink::exchange(const FrameJob &job, bool shm, int *outWidth, int *outHeight,
                                  Clock::time_point deadline, const CancelFn &cancel) {
  const uint32_t id = nextId_++;
  lastShm_ = shm;
  const size_t inBytes = size_t(job.width) * size_t(job.height) * 16;
  std::string req = "{\"type\":\"frame.render\",\"id\":" + std::to_string(id) + ",\"instance\":";
  json::appendQuoted(req, job.instance);
  req += ",\"effect\":";
  json::appendQuoted(req, job.effect);
  req += ",\"params\":" + job.paramsJson + ",\"frame\":{\"index\":" + std::to_string(job.frameIndex) +
         ",\"width\":" + std::to_string(job.width) + ",\"height\":" + std::to_string(job.height) + "},\"transport\":";
  if (shm) {
    req += "{\"shm\":";
    json::appendQuoted(req, in_.name());
    req += ",\"bytes\":" + std::to_string(inBytes) + ",\"outShm\":";
    json::appendQuoted(req, out_.name());
    req += ",\"outBytes\":" + std::to_string(out_.size()) + "}}";
  } else {
    req += "\"binary\"}";
  }
  ws_.sendText(req, deadline, cancel);
  if (!shm) {
    uint8_t header[8] = {'M', 'L', 'X', 'F', uint8_t(id), uint8_t(id >> 8), uint8_t(id >> 16), uint8_t(id >> 24)};
    ws_.sendBinary({{header, 8}, {inputData(), inBytes}}, deadline, cancel);
  }

  if (verboseLog())
    std::fprintf(stderr, "mlxvideo.ofx: request %u sent (%s frame %lld)\n", id, job.effect.c_str(), job.frameIndex);
  int w = 0, h = 0;
  bool haveResult = false;
  for (;;) {
    ws_.receive(scratch_, deadline, cancel);
    WsMessage &m = scratch_;
    if (m.binary) {
      // Only the pixels that follow our frame.result count; late pixels of an abandoned request are skipped.
      if (!haveResult || m.data.size() < 8 || readLe32(m.data.data()) != kMagic || readLe32(m.data.data() + 4) != id)
        continue;
      if (m.data.size() != 8 + size_t(w) * size_t(h) * 16)
        throw DaemonError("BAD_REPLY", "the daemon's pixel message has the wrong size for " + std::to_string(w) +
                                           "x" + std::to_string(h));
      std::swap(outMsg_, scratch_);
      *outWidth = w, *outHeight = h;
      return reinterpret_cast<const float *>(outMsg_.data.data() + 8);
    }
    json::Value v = parseMessage(m);
    if (v["id"].asNumber(-1) != double(id)) continue;  // events or replies to other requests
    const std::string type = v["type"].asString();
    if (type == "error")
      throw DaemonError(v["code"].stringOr("ERROR"), v["message"].stringOr("the daemon reported an error"));
    if (type != "frame.result") continue;
    w = int(v["width"].asNumber(0)), h = int(v["height"].asNumber(0));
    if (w <= 0 || h <= 0) throw DaemonError("BAD_REPLY", "frame.result without a size");
    if (shm) {
      if (size_t(w) * size_t(h) * 16 > out_.size())
        throw DaemonError("BAD_REPLY", "the result (" + std::to_string(w) + "x" + std::to_string(h) +
                                           ") is larger than the output region");
      *outWidth = w, *outHeight = h;
      return static_cast<const float *>(out_.data());
    }
    haveResult = true;
  }
}

const float *DaemonLink::render(const FrameJob &job, int *outWidth, int *outHeight, const CancelFn &cancel) {
  try {
    ensureConnected(cancel);
    const auto deadline = Clock::now() + std::chrono::milliseconds(settings_.timeoutMs);
    for (const std::string &name : toRelease_) {
      std::string msg = "{\"type\":\"shm.release\",\"id\":" + std::to_string(nextId_++) + ",\"name\":";
      json::appendQuoted(msg, name);
      ws_.sendText(msg + "}", deadline, cancel);
    }
    toRelease_.clear();
    try {
      return exchange(job, useShm_ && daemonShm_, outWidth, outHeight, deadline, cancel);
    } catch (const DaemonError &e) {
      // The daemon could not use our shared memory (another machine, container): fall back to binary once.
      if (!(useShm_ && daemonShm_) || e.code().find("SHM") == std::string::npos) throw;
      shmRefused_ = true;
      return exchange(job, false, outWidth, outHeight, deadline, cancel);
    }
  } catch (const WsError &e) {
    if (ws_.connected() && (e.kind() == WsError::Kind::Timeout || e.kind() == WsError::Kind::Aborted)) {
      // Tell the daemon to stop working on it, then drop the connection: its reply may still be on the way.
      try {
        std::string cancelMsg = "{\"type\":\"frame.cancel\",\"id\":" + std::to_string(nextId_ - 1) + "}";
        ws_.sendText(cancelMsg, Clock::now() + std::chrono::milliseconds(100), nullptr);
      } catch (...) {
      }
    }
    drop();
    throw;
  }
}

void DaemonLink::closeInstance(const std::string &instance) {
  if (!ws_.connected()) return;
  try {
    std::string msg = "{\"type\":\"instance.close\",\"instance\":";
    json::appendQuoted(msg, instance);
    msg += "}";
    ws_.sendText(msg, Clock::now() + std::chrono::milliseconds(200), nullptr);
    ws_.close(1000, "instance closed", 100);
  } catch (...) {
  }
  drop();
}

void DaemonLink::drop() {
  ws_.reset();
  toRelease_.clear();  // a closed connection unmaps everything on the daemon's side
  // The daemon may still write into a region of an abandoned request: never reuse it.
  in_.release();
  out_.release();
}

std::string describeFailure(const std::exception &e, const Settings &s) {
  const std::string where = s.host + ":" + std::to_string(s.port);
  if (auto *w = dynamic_cast<const WsError *>(&e)) {
    switch (w->kind()) {
      case WsError::Kind::Connect:
        return "cannot reach the mlxvideo daemon at " + where + ". Start it with: mlxv serve (" + w->what() + ")";
      case WsError::Kind::Timeout:
        return "the daemon at " + where + " did not answer within " + std::to_string(s.timeoutMs) +
               " ms (raise MLXV_OFX_TIMEOUT_MS if the effect is slow)";
      case WsError::Kind::Aborted: return "render aborted by the host";
      case WsError::Kind::Closed:
      case WsError::Kind::Io:
        return "lost the connection to the daemon at " + where + " (" + w->what() + "); it will reconnect";
      default: return std::string("protocol error talking to the daemon: ") + w->what();
    }
  }
  if (auto *d = dynamic_cast<const DaemonError *>(&e)) return "daemon error " + d->code() + ": " + d->what();
  return e.what();
}

}  // namespace mlxv
