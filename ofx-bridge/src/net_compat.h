// The few socket calls the WebSocket client needs, over BSD sockets (Linux, macOS) or Winsock 2 (Windows),
// so ws_client.cpp has one code path. Everything here is non-blocking I/O plus poll. (Windows builds define
// WIN32_LEAN_AND_MEAN and NOMINMAX for every file: ofx-bridge/CMakeLists.txt.)
#pragma once
#include <string>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace mlxv::net {

#ifdef _WIN32
using Socket = SOCKET;
constexpr Socket kNoSocket = INVALID_SOCKET;
#else
using Socket = int;
constexpr Socket kNoSocket = -1;
#endif

/// Winsock needs WSAStartup once per process before any other call; a no-op elsewhere.
void startup();
/// A non-blocking TCP socket with Nagle off (frames are latency-bound), or kNoSocket.
Socket openStream(int family, int type, int protocol);
void closeSocket(Socket s);
/// The calling thread's last socket error code (errno / WSAGetLastError) and its text.
int lastError();
std::string errorText(int code);
/// The error means "try again when poll says so" (EAGAIN, EWOULDBLOCK, EINTR, WSAEWOULDBLOCK).
bool retryable(int code);
/// A non-blocking connect() that is under way (EINPROGRESS / WSAEWOULDBLOCK).
bool connectPending(int code);
/// poll() on one socket for `events` (POLLIN / POLLOUT); >0 ready, 0 timeout, <0 error.
int pollOne(Socket s, short events, int timeoutMs);
/// send/recv of up to n bytes; <0 on error (see lastError), recv 0 = orderly close. Never raises SIGPIPE.
long sendSome(Socket s, const void *p, size_t n);
long recvSome(Socket s, void *p, size_t n);
/// The pending error of a non-blocking connect (SO_ERROR), 0 when it succeeded.
int pendingError(Socket s);

}  // namespace mlxv::net
