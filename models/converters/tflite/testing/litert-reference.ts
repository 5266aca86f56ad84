/**
 * The independent reference for the TFLite converter: Google's own LiteRT runtime (`@litertjs/core`, its
 * wasm/XNNPACK CPU path) running the original `.tflite` file in headless Debian Chromium. It shares no code with
 * the converter (it parses the flatbuffer and runs the int8/fp16 kernels itself). LiteRT.js does not run in Node
 * (it injects a <script> element), so a loopback HTTP server serves its files and the model, and playwright-core
 * drives the page. Test-only: production code never imports this.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const coreDir = path.dirname(path.dirname(require.resolve('@litertjs/core')));
const utilsDir = path.dirname(path.dirname(require.resolve('@litertjs/wasm-utils')));

const PAGE = `<!doctype html><script type="importmap">{"imports":{
  "@litertjs/core":"/core/dist/index.js","@litertjs/wasm-utils":"/utils/dist/index.js"}}</script>
<script type="module">
import * as litert from '@litertjs/core';
window.litertReady = litert.loadLiteRt('/core/wasm/').then(() => { window.litert = litert; });
</script>`;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
};

export interface LiteRtOutput {
  shape: number[];
  data: Float32Array;
}

export class LiteRtReference {
  private constructor(
    private readonly server: Server,
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly models: Map<string, string>,
  ) {}

  static async start(): Promise<LiteRtReference> {
    const models = new Map<string, string>();
    const server = createServer((req, res) => {
      void (async () => {
        const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
        let file: string | undefined;
        if (url === '/') {
          res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
          return;
        }
        if (url.startsWith('/core/')) file = path.join(coreDir, url.slice(6));
        else if (url.startsWith('/utils/')) file = path.join(utilsDir, url.slice(7));
        else if (url.startsWith('/model/')) file = models.get(url.slice(7));
        if (!file || file.includes('..')) {
          res.writeHead(404).end();
          return;
        }
        try {
          const body = await readFile(file);
          res
            .writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
            .end(body);
        } catch {
          res.writeHead(404).end();
        }
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.evaluate('window.litertReady');
    return new LiteRtReference(server, browser, page, models);
  }

  /** Runs a `.tflite` file on float32 inputs (in the model's input order); returns its outputs in order. */
  async run(file: string, inputs: { data: Float32Array; shape: number[] }[]): Promise<LiteRtOutput[]> {
    const key = `${this.models.size}${path.extname(file)}`;
    this.models.set(key, path.resolve(file));
    const encoded = inputs.map((i) => ({
      shape: i.shape,
      b64: Buffer.from(i.data.buffer, i.data.byteOffset, i.data.byteLength).toString('base64'),
    }));
    const out = (await this.page.evaluate(
      async ({ url, inputs }) => {
        const lr = (window as unknown as { litert: typeof import('@litertjs/core') }).litert;
        const model = await lr.loadAndCompile(url, { accelerator: 'wasm' });
        const tensors = inputs.map(({ shape, b64 }) => {
          const bin = atob(b64);
          const bytes = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          return new lr.Tensor(new Float32Array(bytes.buffer), shape);
        });
        const results = await model.run(tensors);
        const outs = results.map((t) => {
          const arr = t.toTypedArray() as Float32Array;
          const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
          let bin = '';
          for (let i = 0; i < bytes.length; i += 0x8000)
            bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          const shape = [...t.type.layout.dimensions];
          t.delete();
          return { shape, b64: btoa(bin) };
        });
        for (const t of tensors) t.delete();
        model.delete();
        return outs;
      },
      { url: `/model/${key}`, inputs: encoded },
    )) as { shape: number[]; b64: string }[];
    return out.map(({ shape, b64 }) => {
      const buf = Buffer.from(b64, 'base64');
      return {
        shape,
        data: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)),
      };
    });
  }

  async close(): Promise<void> {
    await this.browser.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
