// mlxv-ws-probe: drives ws_client.cpp against a real WebSocket server (test/ofx/ws-client.test.ts runs it
// against the `ws` package). Prints one JSON line per step so the test can check each RFC 6455 feature.
//   mlxv-ws-probe <port>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ws_client.h"

using namespace mlxv;

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: mlxv-ws-probe <port>\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  auto deadline = [] { return Clock::now() + std::chrono::seconds(10); };
  WsClient ws;
  try {
    ws.connect("127.0.0.1", port, "/probe", deadline(), nullptr);
    std::printf("{\"step\":\"connected\"}\n");

    ws.sendText("hello", deadline(), nullptr);  // server echoes text
    WsMessage m = ws.receive(deadline(), nullptr);
    std::printf("{\"step\":\"echo-text\",\"binary\":%s,\"text\":\"%s\"}\n", m.binary ? "true" : "false", m.text().c_str());

    // 300000 bytes in three parts, sent as fragments of 100000: the server sees one message.
    std::vector<uint8_t> a(100000), b(150000), c(50000);
    for (size_t i = 0; i < a.size(); ++i) a[i] = uint8_t(i * 7);
    for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i * 13);
    for (size_t i = 0; i < c.size(); ++i) c[i] = uint8_t(i * 31);
    ws.sendBinary({{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}}, deadline(), nullptr, 100000);
    m = ws.receive(deadline(), nullptr);  // echoed back (ws sends it whole)
    unsigned long sum = 0;
    for (uint8_t x : m.data) sum += x;
    std::printf("{\"step\":\"echo-binary\",\"bytes\":%zu,\"sum\":%lu}\n", m.data.size(), sum);

    ws.sendPing("p1", deadline(), nullptr);
    ws.sendText("fragment-me", deadline(), nullptr);  // server: ping, then a text message in 3 fragments
    m = ws.receive(deadline(), nullptr);
    std::printf("{\"step\":\"fragmented\",\"text\":\"%s\",\"pong\":\"%s\"}\n", m.text().c_str(), ws.lastPong().c_str());

    ws.sendText("close-me", deadline(), nullptr);  // server closes with 4000
    try {
      ws.receive(deadline(), nullptr);
      std::printf("{\"step\":\"server-close\",\"code\":0}\n");
    } catch (const WsError &e) {
      std::printf("{\"step\":\"server-close\",\"code\":%d,\"connected\":%s}\n", e.closeCode(),
                  ws.connected() ? "true" : "false");
    }

    ws.connect("127.0.0.1", port, "/probe", deadline(), nullptr);
    ws.close(1000, "bye", 2000);
    std::printf("{\"step\":\"client-close\",\"connected\":%s}\n", ws.connected() ? "true" : "false");

    // Cancel: a receive that nothing answers ends when the cancel callback says so.
    ws.connect("127.0.0.1", port, "/probe", deadline(), nullptr);
    auto t0 = Clock::now();
    try {
      ws.receive(deadline(), [&] { return Clock::now() - t0 > std::chrono::milliseconds(150); });
    } catch (const WsError &e) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
      std::printf("{\"step\":\"cancel\",\"aborted\":%s,\"ms\":%lld}\n",
                  e.kind() == WsError::Kind::Aborted ? "true" : "false", static_cast<long long>(ms));
    }
    ws.reset();
  } catch (const std::exception &e) {
    std::printf("{\"step\":\"error\",\"message\":\"%s\"}\n", e.what());
    return 1;
  }
  return 0;
}
