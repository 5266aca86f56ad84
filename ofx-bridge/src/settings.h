// Where the daemon is and how long to wait for it. Read from the environment on every connect, so a user can
// change them without restarting the host. Names and defaults follow docs/protocol.md and the daemon's
// core/src/daemon/config.ts (token file, config folder, port).
#pragma once
#include <string>

namespace mlxv {

struct Settings {
  std::string host = "127.0.0.1";  // MLXV_DAEMON_HOST
  int port = 7433;                 // MLXV_PORT, else daemon.json's port, else 7433
  std::string tokenFile;           // MLXV_TOKEN_FILE, else <config dir>/token
  int timeoutMs = 30000;           // MLXV_OFX_TIMEOUT_MS: one frame, request sent → result received
  int connectTimeoutMs = 2000;     // MLXV_OFX_CONNECT_TIMEOUT_MS: covers a daemon that is restarting
  /// MLXV_OFX_MAX_PREROLL: frames a sequential effect that declares no preRoll is fed before an out-of-order
  /// frame (from the clip start, at most this many).
  int maxPrerollFrames = 48;
  /// MLXV_OFX_TRANSPORT: "shm" (default when the daemon is on this machine) or "binary".
  bool useShm = true;
};

Settings loadSettings();
/// This process's id (names of shared-memory regions and instances).
int processId();
/// MLXV_OFX_LOG=1: one stderr line per request sent and per frame rendered (tests wait on these lines).
bool verboseLog();
/// <config dir> = MLXV_CONFIG_DIR, else $XDG_CONFIG_HOME/mlxvideo, else ~/.config/mlxvideo.
std::string configDir();
/// The token file's first line, trimmed; throws std::runtime_error naming the file and the fix.
std::string readToken(const std::string &path);

}  // namespace mlxv
