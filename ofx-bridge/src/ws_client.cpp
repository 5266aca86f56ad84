#include "ws_client.h"

#include <algorithm>
#include <cstring>
#include <random>

#include "net_compat.h"

namespace mlxv {

namespace {

constexpr int kPollSliceMs = 10;  // how often blocking waits look at cancel()

uint32_t rol(uint32_t v, int s) { return (v << s) | (v >> (32 - s)); }

// SHA-1 only for the handshake's Sec-WebSocket-Accept check (RFC 6455 §4.1); not used for security.
std::string sha1(const std::string &msg) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string m = msg;
  uint64_t bits = uint64_t(msg.size()) * 8;
  m += char(0x80);
  while (m.size() % 64 != 56) m += char(0);
  for (int i = 7; i >= 0; --i) m += char((bits >> (i * 8)) & 0xFF);
  for (size_t off = 0; off < m.size(); off += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = (uint32_t(uint8_t(m[off + 4 * i])) << 24) | (uint32_t(uint8_t(m[off + 4 * i + 1])) << 16) |
             (uint32_t(uint8_t(m[off + 4 * i + 2])) << 8) | uint32_t(uint8_t(m[off + 4 * i + 3]));
    for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  std::string out;
  for (uint32_t v : h)
    for (int i = 3; i >= 0; --i) out += char((v >> (i * 8)) & 0xFF);
  return out;
}

std::string base64(const std::string &in) {
  static const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    out += t[v >> 18], out += t[(v >> 12) & 63], out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8);
    out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += '=';
  }
  return out;
}

std::string randomBytes(size_t n) {
  // std::random_device reads the OS entropy source: masking keys must be unpredictable (RFC 6455 §5.3).
  thread_local std::random_device rd;
  std::string s(n, '\0');
  for (auto &c : s) c = char(rd() & 0xFF);
  return s;
}

net::Socket sock(std::uintptr_t h) { return static_cast<net::Socket>(h); }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

}  // namespace

std::string wsAcceptFor(const std::string &key) {
  return base64(sha1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
}

WsClient::~WsClient() { reset(); }

void WsClient::reset() {
  if (fd_ != kNoSocketHandle) net::closeSocket(sock(fd_));
  fd_ = kNoSocketHandle;
  closeSent_ = false;
  inbuf_.clear();
  inpos_ = 0;
}

void WsClient::waitFor(short events, Clock::time_point deadline, const CancelFn &cancel) {
  for (;;) {
    if (cancel && cancel()) throw WsError(WsError::Kind::Aborted, "aborted by the host");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) throw WsError(WsError::Kind::Timeout, "timed out waiting for the daemon");
    int r = net::pollOne(sock(fd_), events, int(std::min<long long>(left, kPollSliceMs)));
    if (r < 0) throw WsError(WsError::Kind::Io, "poll: " + net::errorText(net::lastError()));
    if (r > 0) return;
  }
}

void WsClient::connect(const std::string &host, int port, const std::string &path, Clock::time_point deadline,
                       const CancelFn &cancel) {
  reset();
  net::startup();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *res = nullptr;
  std::string portStr = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), portStr.c_str(), &hints, &res); rc != 0 || !res)
    throw WsError(WsError::Kind::Connect, "cannot resolve " + host + ": " + gai_strerror(rc));
  std::string lastErr = "no address";
  for (addrinfo *ai = res; ai; ai = ai->ai_next) {
    net::Socket fd = net::openStream(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd == net::kNoSocket) continue;
    int rc = ::connect(fd, ai->ai_addr, int(ai->ai_addrlen));
    if (rc != 0 && !net::connectPending(net::lastError())) {
      lastErr = net::errorText(net::lastError());
      net::closeSocket(fd);
      continue;
    }
    fd_ = SocketHandle(fd);
    try {
      waitFor(POLLOUT, deadline, cancel);
    } catch (const WsError &e) {
      reset();
      ::freeaddrinfo(res);
      // Running out of time while connecting is a connect failure, not a slow daemon.
      if (e.kind() == WsError::Kind::Timeout)
        throw WsError(WsError::Kind::Connect, "timed out connecting to " + host + ":" + portStr);
      throw;
    }
    const int err = net::pendingError(fd);
    if (err == 0) break;
    lastErr = net::errorText(err);
    reset();
  }
  ::freeaddrinfo(res);
  if (fd_ == kNoSocketHandle)
    throw WsError(WsError::Kind::Connect,
                  "cannot connect to the mlxvideo daemon at " + host + ":" + portStr + " (" + lastErr + ")");

  std::string key = base64(randomBytes(16));
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + portStr +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                    "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: mlxvideo-ofx\r\n\r\n";
  writeAll(reinterpret_cast<const uint8_t *>(req.data()), req.size(), deadline, cancel);

  // Read the response head byte-wise into inbuf_ until CRLFCRLF; anything after it is frame data.
  std::string head;
  for (;;) {
    if (inpos_ >= inbuf_.size()) fill(deadline, cancel);
    head += char(inbuf_[inpos_++]);
    if (head.size() > 16384) throw WsError(WsError::Kind::Protocol, "handshake response too large");
    if (head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0) break;
  }
  std::string status = head.substr(0, head.find("\r\n"));
  if (status.find(" 101") == std::string::npos) {
    reset();
    throw WsError(WsError::Kind::Connect, "daemon refused the WebSocket upgrade: " + status);
  }
  std::string lh = lower(head);
  size_t p = lh.find("\r\nsec-websocket-accept:");
  std::string accept;
  if (p != std::string::npos) {
    size_t s = head.find(':', p) + 1;
    size_t e = head.find("\r\n", s);
    accept = head.substr(s, e - s);
    accept.erase(0, accept.find_first_not_of(" \t"));
    accept.erase(accept.find_last_not_of(" \t") + 1);
  }
  if (accept != wsAcceptFor(key)) {
    reset();
    throw WsError(WsError::Kind::Protocol, "bad Sec-WebSocket-Accept in the daemon's handshake");
  }
}

void WsClient::writeAll(const uint8_t *p, size_t n, Clock::time_point deadline, const CancelFn &cancel) {
  if (fd_ == kNoSocketHandle) throw WsError(WsError::Kind::Closed, "not connected");
  while (n > 0) {
    const long w = net::sendSome(sock(fd_), p, n);
    if (w > 0) {
      p += w;
      n -= size_t(w);
      continue;
    }
    const int code = net::lastError();
    if (w < 0 && net::retryable(code)) {
      waitFor(POLLOUT, deadline, cancel);
      continue;
    }
    std::string why = net::errorText(code);
    reset();
    throw WsError(WsError::Kind::Io, "connection to the daemon lost while sending (" + why + ")");
  }
}

void WsClient::fill(Clock::time_point deadline, const CancelFn &cancel) {
  if (fd_ == kNoSocketHandle) throw WsError(WsError::Kind::Closed, "not connected");
  if (inpos_ > 0 && inpos_ >= inbuf_.size()) {
    inbuf_.clear();
    inpos_ = 0;
  }
  uint8_t buf[65536];
  size_t r = recvSome(buf, sizeof buf, deadline, cancel);
  inbuf_.insert(inbuf_.end(), buf, buf + r);
}

size_t WsClient::recvSome(uint8_t *p, size_t n, Clock::time_point deadline, const CancelFn &cancel) {
  for (;;) {
    const long r = net::recvSome(sock(fd_), p, n);
    if (r > 0) return size_t(r);
    if (r == 0) {
      reset();
      throw WsError(WsError::Kind::Closed, "the daemon closed the connection");
    }
    const int code = net::lastError();
    if (net::retryable(code)) {
      waitFor(POLLIN, deadline, cancel);
      continue;
    }
    std::string why = net::errorText(code);
    reset();
    throw WsError(WsError::Kind::Io, "connection to the daemon lost (" + why + ")");
  }
}

void WsClient::readExact(uint8_t *p, size_t n, Clock::time_point deadline, const CancelFn &cancel) {
  while (n > 0) {
    if (inpos_ >= inbuf_.size()) {
      // Large payloads: read straight into the destination instead of through inbuf_.
      if (n >= 65536 && fd_ != kNoSocketHandle) {
        size_t r = recvSome(p, n, deadline, cancel);
        p += r;
        n -= r;
        continue;
      }
      fill(deadline, cancel);
    }
    size_t take = std::min(n, inbuf_.size() - inpos_);
    std::memcpy(p, inbuf_.data() + inpos_, take);
    inpos_ += take;
    p += take;
    n -= take;
  }
}

void WsClient::sendFrame(uint8_t opcode, bool fin, const std::vector<std::pair<const uint8_t *, size_t>> &payload,
                         Clock::time_point deadline, const CancelFn &cancel) {
  size_t len = 0;
  for (auto &pp : payload) len += pp.second;
  uint8_t head[14];
  size_t h = 0;
  head[h++] = uint8_t((fin ? 0x80 : 0) | opcode);
  if (len < 126) {
    head[h++] = uint8_t(0x80 | len);
  } else if (len <= 0xFFFF) {
    head[h++] = 0x80 | 126;
    head[h++] = uint8_t(len >> 8), head[h++] = uint8_t(len);
  } else {
    head[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; --i) head[h++] = uint8_t(uint64_t(len) >> (i * 8));
  }
  std::string key = randomBytes(4);  // clients must mask every frame (RFC 6455 §5.3)
  std::memcpy(head + h, key.data(), 4);
  h += 4;
  writeAll(head, h, deadline, cancel);
  std::vector<uint8_t> chunk(std::min<size_t>(len, 1 << 18));
  size_t k = 0;  // position in the masked stream, selects the key byte
  for (auto &pp : payload) {
    size_t off = 0;
    while (off < pp.second) {
      size_t n = std::min(chunk.size(), pp.second - off);
      for (size_t i = 0; i < n; ++i, ++k) chunk[i] = pp.first[off + i] ^ uint8_t(key[k & 3]);
      writeAll(chunk.data(), n, deadline, cancel);
      off += n;
    }
  }
}

void WsClient::sendText(const std::string &text, Clock::time_point deadline, const CancelFn &cancel) {
  sendFrame(0x1, true, {{reinterpret_cast<const uint8_t *>(text.data()), text.size()}}, deadline, cancel);
}

void WsClient::sendPing(const std::string &payload, Clock::time_point deadline, const CancelFn &cancel) {
  sendFrame(0x9, true, {{reinterpret_cast<const uint8_t *>(payload.data()), payload.size()}}, deadline, cancel);
}

void WsClient::sendBinary(const std::vector<std::pair<const void *, size_t>> &parts, Clock::time_point deadline,
                          const CancelFn &cancel, size_t fragmentBytes) {
  size_t total = 0;
  for (auto &p : parts) total += p.second;
  if (fragmentBytes == 0 || fragmentBytes >= total) fragmentBytes = total ? total : 1;
  // Walk the parts, cutting them into frames of fragmentBytes; the first frame is "binary", the rest
  // "continuation", the last has FIN.
  size_t partIdx = 0, partOff = 0, sent = 0;
  bool first = true;
  do {
    size_t want = std::min(fragmentBytes, total - sent);
    std::vector<std::pair<const uint8_t *, size_t>> frame;
    size_t got = 0;
    while (got < want) {
      auto &p = parts[partIdx];
      size_t n = std::min(want - got, p.second - partOff);
      if (n) frame.emplace_back(static_cast<const uint8_t *>(p.first) + partOff, n);
      got += n;
      partOff += n;
      if (partOff == p.second) ++partIdx, partOff = 0;
    }
    sent += want;
    sendFrame(first ? 0x2 : 0x0, sent == total, frame, deadline, cancel);
    first = false;
  } while (sent < total);
}

WsMessage WsClient::receive(Clock::time_point deadline, const CancelFn &cancel) {
  WsMessage msg;
  receive(msg, deadline, cancel);
  return msg;
}

void WsClient::receive(WsMessage &msg, Clock::time_point deadline, const CancelFn &cancel) {
  msg.data.clear();  // keeps the capacity
  msg.binary = false;
  bool inMessage = false;
  for (;;) {
    uint8_t h2[2];
    readExact(h2, 2, deadline, cancel);
    bool fin = h2[0] & 0x80;
    uint8_t opcode = h2[0] & 0x0F;
    if (h2[0] & 0x70) throw WsError(WsError::Kind::Protocol, "reserved bits set by the daemon");
    bool masked = h2[1] & 0x80;
    uint64_t len = h2[1] & 0x7F;
    if (len == 126) {
      uint8_t b[2];
      readExact(b, 2, deadline, cancel);
      len = (uint64_t(b[0]) << 8) | b[1];
    } else if (len == 127) {
      uint8_t b[8];
      readExact(b, 8, deadline, cancel);
      len = 0;
      for (uint8_t x : b) len = (len << 8) | x;
    }
    uint8_t key[4] = {0, 0, 0, 0};
    if (masked) readExact(key, 4, deadline, cancel);  // servers must not mask, but tolerate it
    bool control = opcode & 0x8;
    if (control && (len > 125 || !fin)) throw WsError(WsError::Kind::Protocol, "bad control frame");
    if (!control && msg.data.size() + len > maxMessage_)
      throw WsError(WsError::Kind::Protocol, "message from the daemon exceeds the size limit");

    if (control) {
      uint8_t payload[125];
      readExact(payload, size_t(len), deadline, cancel);
      if (masked)
        for (size_t i = 0; i < len; ++i) payload[i] ^= key[i & 3];
      std::string body(reinterpret_cast<char *>(payload), size_t(len));
      if (opcode == 0x9) {  // ping → pong with the same payload
        sendFrame(0xA, true, {{payload, size_t(len)}}, deadline, cancel);
      } else if (opcode == 0xA) {
        lastPong_ = body;
      } else if (opcode == 0x8) {
        int code = len >= 2 ? (payload[0] << 8) | payload[1] : 1005;
        std::string reason = len > 2 ? body.substr(2) : "";
        if (!closeSent_) try {
          uint8_t echo[2] = {uint8_t(code >> 8), uint8_t(code & 0xFF)};
          if (code == 1005) sendFrame(0x8, true, {}, deadline, cancel);
          else sendFrame(0x8, true, {{echo, 2}}, deadline, cancel);
        } catch (...) {
        }
        reset();
        throw WsError(WsError::Kind::Closed,
                      "the daemon closed the connection (" + std::to_string(code) +
                          (reason.empty() ? "" : ": " + reason) + ")",
                      code);
      } else {
        throw WsError(WsError::Kind::Protocol, "unknown control opcode");
      }
      continue;
    }

    if (opcode == 0x0) {
      if (!inMessage) throw WsError(WsError::Kind::Protocol, "continuation frame without a message");
    } else if (opcode == 0x1 || opcode == 0x2) {
      if (inMessage) throw WsError(WsError::Kind::Protocol, "new message inside a fragmented one");
      inMessage = true;
      msg.binary = opcode == 0x2;
    } else {
      throw WsError(WsError::Kind::Protocol, "unknown data opcode");
    }
    size_t at = msg.data.size();
    msg.data.resize(at + size_t(len));
    readExact(msg.data.data() + at, size_t(len), deadline, cancel);
    if (masked)
      for (size_t i = 0; i < len; ++i) msg.data[at + i] ^= key[i & 3];
    if (fin) return;
  }
}

void WsClient::close(uint16_t code, const std::string &reason, int graceMs) {
  if (fd_ == kNoSocketHandle) return;
  auto deadline = Clock::now() + std::chrono::milliseconds(graceMs);
  try {
    std::string body;
    body += char(code >> 8), body += char(code & 0xFF), body += reason.substr(0, 123);
    sendFrame(0x8, true, {{reinterpret_cast<const uint8_t *>(body.data()), body.size()}}, deadline, nullptr);
    closeSent_ = true;
    for (;;) receive(deadline, nullptr);  // until the server's close arrives (raises Closed) or time runs out
  } catch (...) {
  }
  reset();
}

}  // namespace mlxv
