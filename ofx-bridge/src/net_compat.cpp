#include "net_compat.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>

#ifndef MSG_NOSIGNAL  // macOS: no per-call flag; SO_NOSIGPIPE is set on the socket instead
#define MSG_NOSIGNAL 0
#endif

namespace mlxv::net {

#ifdef _WIN32

void startup() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
  });
}

Socket openStream(int family, int type, int protocol) {
  startup();
  // WSA_FLAG_NO_HANDLE_INHERIT: the Windows counterpart of SOCK_CLOEXEC (a child of the host must not keep it).
  Socket s = WSASocketW(family, type, protocol, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return kNoSocket;
  u_long nonBlocking = 1;
  ioctlsocket(s, FIONBIO, &nonBlocking);
  BOOL one = TRUE;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char *>(&one), sizeof one);
  return s;
}

void closeSocket(Socket s) { closesocket(s); }
int lastError() { return WSAGetLastError(); }

std::string errorText(int code) {
  char buf[256] = {0};
  DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, DWORD(code), 0, buf,
                           sizeof buf, nullptr);
  std::string s(buf, n);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '.')) s.pop_back();
  return s.empty() ? "Winsock error " + std::to_string(code) : s + " (" + std::to_string(code) + ")";
}

bool retryable(int code) { return code == WSAEWOULDBLOCK || code == WSAEINTR; }
bool connectPending(int code) { return code == WSAEWOULDBLOCK || code == WSAEINPROGRESS; }

int pollOne(Socket s, short events, int timeoutMs) {
  WSAPOLLFD p{};
  p.fd = s;
  p.events = events;
  int r = WSAPoll(&p, 1, timeoutMs);
  // A refused non-blocking connect shows as POLLERR/POLLHUP, not POLLOUT: report it as ready so the caller
  // reads SO_ERROR (as poll() does on POSIX).
  return r;
}

long sendSome(Socket s, const void *p, size_t n) {
  return ::send(s, static_cast<const char *>(p), int(n > size_t(INT_MAX) ? INT_MAX : n), 0);
}
long recvSome(Socket s, void *p, size_t n) {
  return ::recv(s, static_cast<char *>(p), int(n > size_t(INT_MAX) ? INT_MAX : n), 0);
}

int pendingError(Socket s) {
  int err = 0;
  int len = sizeof err;
  getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char *>(&err), &len);
  return err;
}

#else

void startup() {}

Socket openStream(int family, int type, int protocol) {
#ifdef SOCK_CLOEXEC
  type |= SOCK_CLOEXEC;
#endif
  Socket s = ::socket(family, type, protocol);
  if (s < 0) return kNoSocket;
  ::fcntl(s, F_SETFL, ::fcntl(s, F_GETFL) | O_NONBLOCK);
  int one = 1;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
  ::setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);  // a dead daemon must not kill the host
#endif
  return s;
}

void closeSocket(Socket s) { ::close(s); }
int lastError() { return errno; }
std::string errorText(int code) { return std::strerror(code); }
bool retryable(int code) { return code == EAGAIN || code == EWOULDBLOCK || code == EINTR; }
bool connectPending(int code) { return code == EINPROGRESS; }

int pollOne(Socket s, short events, int timeoutMs) {
  pollfd p{s, events, 0};
  int r = ::poll(&p, 1, timeoutMs);
  if (r < 0 && errno == EINTR) return 0;
  return r;
}

long sendSome(Socket s, const void *p, size_t n) { return long(::send(s, p, n, MSG_NOSIGNAL)); }
long recvSome(Socket s, void *p, size_t n) { return long(::recv(s, p, n, 0)); }

int pendingError(Socket s) {
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

#endif

}  // namespace mlxv::net
