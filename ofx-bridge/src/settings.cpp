#include "settings.h"

#ifdef _WIN32
#include <process.h>
#else
#include <pwd.h>
#include <unistd.h>
#endif

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "json.h"

namespace mlxv {

namespace {

const char *env(const char *name) {
  const char *v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

int envInt(const char *name, int fallback, int min, int max) {
  const char *v = env(name);
  if (!v) return fallback;
  char *end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (end == v || *end || n < min || n > max) return fallback;
  return int(n);
}

// The daemon's config folder is <home>/.config/mlxvideo on every OS (Node's os.homedir(): HOME, or
// USERPROFILE on Windows), so the plugin looks in the same place.
std::string homeDir() {
#ifdef _WIN32
  if (const char *h = env("USERPROFILE")) return h;
  if (const char *h = env("HOME")) return h;
  return ".";
#else
  if (const char *h = env("HOME")) return h;
  if (passwd *pw = getpwuid(getuid())) return pw->pw_dir;
  return "/tmp";
#endif
}

[[maybe_unused]] bool isLocalHost(const std::string &h) { return h == "127.0.0.1" || h == "localhost" || h == "::1"; }

}  // namespace

int processId() {
#ifdef _WIN32
  return _getpid();
#else
  return int(::getpid());
#endif
}

bool verboseLog() {
  const char *v = env("MLXV_OFX_LOG");
  return v && *v == '1';
}

std::string configDir() {
  if (const char *d = env("MLXV_CONFIG_DIR")) return d;
  if (const char *x = env("XDG_CONFIG_HOME")) return std::string(x) + "/mlxvideo";
  return homeDir() + "/.config/mlxvideo";
}

Settings loadSettings() {
  Settings s;
  if (const char *h = env("MLXV_DAEMON_HOST")) s.host = h;
  const std::string dir = configDir();
  s.tokenFile = env("MLXV_TOKEN_FILE") ? env("MLXV_TOKEN_FILE") : dir + "/token";
  if (env("MLXV_PORT")) {
    s.port = envInt("MLXV_PORT", 7433, 1, 65535);
  } else {
    // The running daemon records its port in daemon.json (it may have been started with --port).
    std::ifstream f(dir + "/daemon.json");
    if (f) {
      std::stringstream ss;
      ss << f.rdbuf();
      try {
        double p = json::parse(ss.str())["port"].asNumber(0);
        if (p >= 1 && p <= 65535) s.port = int(p);
      } catch (const json::ParseError &) {
      }
    }
  }
  s.timeoutMs = envInt("MLXV_OFX_TIMEOUT_MS", s.timeoutMs, 1, 3600000);
  s.connectTimeoutMs = envInt("MLXV_OFX_CONNECT_TIMEOUT_MS", s.connectTimeoutMs, 1, 600000);
  s.maxPrerollFrames = envInt("MLXV_OFX_MAX_PREROLL", s.maxPrerollFrames, 0, 100000);
  const char *t = env("MLXV_OFX_TRANSPORT");
#ifdef _WIN32
  // The daemon's addon maps POSIX shared memory only: on Windows frames travel as binary messages unless asked.
  s.useShm = t && std::string(t) == "shm";
#else
  s.useShm = t ? std::string(t) == "shm" : isLocalHost(s.host);
#endif
  return s;
}

std::string readToken(const std::string &path) {
  std::ifstream f(path);
  if (!f)
    throw std::runtime_error("cannot read the daemon token " + path +
                             ": start the daemon once (mlxv serve) or set MLXV_TOKEN_FILE");
  std::string line;
  std::getline(f, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\n')) line.pop_back();
  if (line.empty()) throw std::runtime_error("the daemon token file " + path + " is empty: restart mlxv serve");
  return line;
}

}  // namespace mlxv
