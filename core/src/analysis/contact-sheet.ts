/**
 * The contact sheet: one self-contained HTML page (thumbnails embedded as data: URLs, styles and script
 * inline, nothing fetched) with a card per shot: thumbnail, file, shot number, timecodes, scale, motion,
 * light, objects, tags and on-screen text, and a search box that filters the cards offline as you type
 * (every word must appear in the card's text).
 */
import type { LibraryIndex, StoredShot } from './library-index.ts';

export interface SheetEntry {
  file: string;
  shot: StoredShot & { thumbnail?: Buffer };
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function sheetEntriesFromIndex(index: LibraryIndex): SheetEntry[] {
  const rows = index.db
    .prepare(
      'SELECT f.path, s.data, s.thumbnail FROM shots s JOIN files f ON f.id = s.file_id ORDER BY f.path, s.shot',
    )
    .all() as { path: string; data: string; thumbnail: Buffer | null }[];
  return rows.map((r) => ({
    file: r.path,
    shot: { ...(JSON.parse(r.data) as StoredShot), ...(r.thumbnail ? { thumbnail: r.thumbnail } : {}) },
  }));
}

function card(e: SheetEntry): string {
  const s = e.shot;
  const name = e.file.split(/[\\/]/).pop()!;
  const objects = Object.entries(s.objects).map(([k, v]) => `${k} ×${v}`);
  const areas = Object.entries(s.areas ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${Math.round(v * 100)}%`);
  const facts = [s.scale, s.motion.camera, s.lighting?.time, s.black ? 'black' : null].filter(
    Boolean,
  ) as string[];
  const searchable = [
    name,
    ...facts,
    ...Object.keys(s.objects),
    ...s.tags.flatMap((t) => [t.label, ...t.synonyms]),
    ...s.text,
  ]
    .join(' ')
    .toLowerCase();
  const img = s.thumbnail
    ? `<img alt="shot ${s.shot}" src="data:image/jpeg;base64,${s.thumbnail.toString('base64')}">`
    : '<div class="noimg">no picture</div>';
  return `<article class="shot" data-search="${escape(searchable)}">
  ${img}
  <h2>${escape(name)} · shot ${s.shot}</h2>
  <p class="tc">${escape(s.startTimecode)} – ${escape(s.endTimecode)} <span>(frames ${s.start}–${s.end})</span></p>
  <p class="facts">${facts.map((f) => `<span class="fact">${escape(f)}</span>`).join(' ')}</p>
  ${objects.length ? `<p class="objects">${objects.map(escape).join(', ')}</p>` : ''}
  ${areas.length ? `<p class="areas">areas: ${areas.map(escape).join(', ')}</p>` : ''}
  ${s.tags.length ? `<p class="tags">${s.tags.map((t) => `<span class="tag">${escape(t.label)}</span>`).join(' ')}</p>` : ''}
  ${s.text.length ? `<p class="text">“${s.text.map(escape).join(' / ')}”</p>` : ''}
</article>`;
}

export function renderContactSheet(entries: readonly SheetEntry[], title = 'mlxvideo contact sheet'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.35 system-ui, sans-serif; margin: 16px; background: #1e1e1e; color: #ddd; }
  header { display: flex; gap: 16px; align-items: baseline; margin-bottom: 12px; }
  h1 { font-size: 18px; margin: 0; }
  #q { flex: 1; max-width: 420px; font-size: 15px; padding: 6px 8px; border-radius: 4px; border: 1px solid #555; background: #2b2b2b; color: #eee; }
  #grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; }
  .shot { background: #2b2b2b; border-radius: 6px; padding: 8px; }
  .shot[hidden] { display: none; }
  .shot img, .noimg { width: 100%; aspect-ratio: 16 / 9; object-fit: contain; background: #000; border-radius: 3px; display: block; }
  .noimg { display: grid; place-items: center; color: #777; }
  h2 { font-size: 13px; margin: 6px 0 2px; color: #fff; }
  p { margin: 3px 0; }
  .tc { font-family: ui-monospace, monospace; color: #9cf; }
  .tc span { color: #888; }
  .fact { background: #3d4f6b; padding: 0 6px; border-radius: 8px; }
  .tag { background: #4a3d6b; padding: 0 6px; border-radius: 8px; }
  .objects { color: #cfc; }
  .areas { color: #aaa; }
  .text { color: #fd9; display: -webkit-box; -webkit-line-clamp: 4; -webkit-box-orient: vertical; overflow: hidden; }
</style></head>
<body>
<header><h1>${escape(title)}</h1><input id="q" type="search" placeholder="search tags, objects, text..." autofocus>
<span id="count">${entries.length} shots</span></header>
<main id="grid">
${entries.map(card).join('\n')}
</main>
<script>
  const q = document.getElementById('q');
  const cards = [...document.querySelectorAll('.shot')];
  const count = document.getElementById('count');
  q.addEventListener('input', () => {
    const words = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let shown = 0;
    for (const c of cards) {
      const hit = words.every((w) => c.dataset.search.includes(w));
      c.hidden = !hit;
      if (hit) shown++;
    }
    count.textContent = shown + ' of ' + cards.length + ' shots';
  });
</script>
</body></html>
`;
}
