/**
 * A fake After Effects for the CEP panel: the ExtendScript DOM subset that plugin-aftereffects/cep/jsx/
 * mlxvideo.jsx uses (named and shaped after the AE 24.0 typings in types-for-adobe, which the .jsx is
 * type-checked against), inside a Node `vm` context in which the real .jsx is loaded the way the
 * manifest's <ScriptPath> loads it, then driven by `evalScript` strings like CEP sends.
 *
 * Rules it enforces, each one a way a script can go wrong in AE:
 * - ECMAScript 3: the .jsx must parse as ES3, and the context has no JSON, no Array.prototype.indexOf/
 *   forEach/map/filter/reduce/some/every, no Object.keys, no String.prototype.trim, no Function.bind,
 *   no Date.now (ExtendScript has none of them), so ES5 habits fail here as they would in AE.
 * - collections are 1-based (`project.item(i)`, `comp.layer(i)` throw outside 1..n); `selectedLayers`
 *   is a plain 0-based Array; `layer.index` follows the stack, so it shifts after `layers.add` (new
 *   layers go on top) and `moveBefore`.
 * - the DOM is synchronous; `evalScript` answers later, one script at a time, with the result as a
 *   string, or "EvalScript error." when the script threw.
 * - `app.beginUndoGroup`/`endUndoGroup` pair up (no nesting, no end without begin, none left open when a
 *   script returns), and every edit made outside a group is recorded.
 * - `importFile` takes an ImportOptions whose `file` is a File; a file that is not on disk or not
 *   readable as media throws. The "disk" is the real file system, probed with the real media probe.
 * - a layer's in/out stay inside its footage's time span (AE clamps; the fake throws, so a wrong order
 *   of assignments shows); a locked layer refuses every change (attributes, moveBefore, remove).
 * - offline footage (`footageMissing`) keeps its path in `mainSource.file`, as AE does.
 * - `layers.add` honours the "Create Layers at Composition Start Time" preference (on: the layer starts at
 *   0; off: at the current time `comp.time`), so a script must set the start it wants.
 * - layer markers: `layer.marker.setValueAtTime(t, new MarkerValue(comment))`; a MarkerValue's duration is
 *   >= 0; a locked layer refuses markers like any other change.
 * - `app.project.file` is the saved .aep as a File (null when never saved); `File.parent` is its Folder.
 * - `comp.layers.addNull(duration)` adds a null on top (honouring the start-time preference like `add`);
 *   `layer.parent` must be a layer of the same comp (or null), not the layer itself nor a descendant;
 *   `layer.name` is assignable; `property("ADBE Transform Group").property("ADBE Position" | "ADBE Scale")`
 *   takes `setValuesAtTimes(times, values)`: two Arrays of equal length, finite times, each value an Array
 *   of 2 or 3 finite numbers (AE throws otherwise); a locked layer refuses all of these.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { parse as parseJs } from 'acorn';

const EPS = 1e-6;
const PROBE = fileURLToPath(new URL('../../../core/src/media/probe.ts', import.meta.url));
export const JSX_PATH = fileURLToPath(
  new URL('../../../plugin-aftereffects/cep/jsx/mlxvideo.jsx', import.meta.url),
);

export interface MediaFacts {
  frameRate: number;
  duration: number;
}

/**
 * AE imports synchronously, so the fake probes synchronously: the real probeMedia in a child process
 * (it is async, and the fake must not depend on Debian's ffprobe being there).
 */
const probed = new Map<string, MediaFacts | null>();

export function probeSync(path: string): MediaFacts | null {
  if (!existsSync(path)) return null;
  // Renders are new files and fixtures do not change during a run: one probe per path and size.
  const key = `${path}:${statSync(path).size}`;
  if (!probed.has(key)) probed.set(key, probeOnce(path));
  return probed.get(key)!;
}

function probeOnce(path: string): MediaFacts | null {
  const code =
    `const { probeMedia } = await import(${JSON.stringify(PROBE)});` +
    `const i = await probeMedia(process.argv[1]);` +
    `const fps = i.frameRate.num / i.frameRate.den;` +
    `process.stdout.write(JSON.stringify({ frameRate: fps, duration: i.frameCount / fps }));`;
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, path], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out) as MediaFacts;
  } catch {
    return null;
  }
}

class AeError extends Error {
  constructor(message: string) {
    super(`After Effects error: ${message}`);
  }
}

export class FakeFile {
  readonly fsName: string;
  constructor(path: string) {
    if (typeof path !== 'string') throw new AeError('File() expects a path string');
    this.fsName = path;
  }
  get exists(): boolean {
    return existsSync(this.fsName);
  }
  get name(): string {
    return this.fsName.slice(this.fsName.lastIndexOf('/') + 1);
  }
  /** ExtendScript's File.parent: the Folder the file is in. */
  get parent(): { fsName: string } {
    return { fsName: this.fsName.slice(0, Math.max(0, this.fsName.lastIndexOf('/'))) || '/' };
  }
}

export class FakeApp {
  /** AE's preference "Create Layers at Composition Start Time" (on by default); off: at `comp.time`. */
  createLayersAtCompStart = true;
  readonly project: FakeProject;
  readonly undoGroups: string[] = [];
  readonly editsOutsideUndoGroup: string[] = [];
  /** Every edit, in order (inside groups too), to check that failures edit nothing. */
  readonly edits: string[] = [];
  /** Rule breaks the fake caught after the fact (an undo group left open by a script). */
  readonly violations: string[] = [];
  openGroup: string | null = null;
  constructor(lookup: (path: string) => MediaFacts | null) {
    this.project = new FakeProject(this, lookup);
  }
  beginUndoGroup(undoString: string): void {
    if (typeof undoString !== 'string') throw new AeError('beginUndoGroup() expects a string');
    if (this.openGroup !== null) {
      throw new AeError(`beginUndoGroup("${undoString}") while "${this.openGroup}" is still open`);
    }
    this.openGroup = undoString;
  }
  endUndoGroup(): void {
    if (this.openGroup === null) throw new AeError('endUndoGroup() without beginUndoGroup()');
    this.undoGroups.push(this.openGroup);
    this.openGroup = null;
  }
  edit(what: string): void {
    this.edits.push(what);
    if (this.openGroup === null) this.editsOutsideUndoGroup.push(what);
  }
}

let nextId = 100;

export class FakeItem {
  readonly id = nextId++;
  private parent: FakeFolderItem | null;
  constructor(
    protected readonly app: FakeApp,
    public name: string,
    parent: FakeFolderItem | null,
  ) {
    this.parent = parent;
  }
  get parentFolder(): FakeFolderItem {
    return this.parent ?? this.app.project.rootFolder;
  }
  set parentFolder(folder: FakeFolderItem) {
    if (!(folder instanceof FakeFolderItem)) throw new AeError('parentFolder must be a FolderItem');
    this.app.edit(`${this.name}.parentFolder = ${folder.name}`);
    this.parent = folder;
  }
  remove(): void {
    this.app.edit(`remove item ${this.name}`);
    this.app.project.removeItem(this);
  }
}

export class FakeFolderItem extends FakeItem {
  readonly typeName = 'Folder';
}

export class FakeFileSource {
  constructor(readonly file: FakeFile) {}
}
export class FakeSolidSource {}

export class FakeFootageItem extends FakeItem {
  readonly typeName = 'Footage';
  constructor(
    app: FakeApp,
    name: string,
    readonly mainSource: FakeFileSource | FakeSolidSource,
    readonly frameRate: number,
    readonly duration: number,
    readonly footageMissing = false,
  ) {
    super(app, name, null);
  }
}

/** ExtendScript's MarkerValue: a comment and a duration in seconds (>= 0). */
export class FakeMarkerValue {
  private length = 0;
  constructor(public comment: string) {
    if (typeof comment !== 'string') throw new AeError('MarkerValue() expects a comment string');
  }
  get duration(): number {
    return this.length;
  }
  set duration(v: number) {
    if (typeof v !== 'number' || !(v >= 0)) throw new AeError(`MarkerValue.duration must be >= 0, got ${v}`);
    this.length = v;
  }
}

/** A layer's marker stream (`layer.marker`): keys at comp times, each a MarkerValue; edits obey the lock. */
export class FakeMarkerStream {
  readonly keys: { time: number; value: FakeMarkerValue }[] = [];
  constructor(private readonly layer: FakeAVLayer) {}
  get numKeys(): number {
    return this.keys.length;
  }
  setValueAtTime(time: number, value: unknown): void {
    if (!(value instanceof FakeMarkerValue)) throw new AeError('setValueAtTime() expects a MarkerValue');
    if (typeof time !== 'number' || !Number.isFinite(time)) throw new AeError(`bad marker time ${time}`);
    this.layer.markerEdit(time);
    this.keys.push({ time, value });
    this.keys.sort((a, b) => a.time - b.time);
  }
}

/** A keyframable Position/Scale property: its keys, with AE's argument rules for setValuesAtTimes. */
export class FakeKeyProperty {
  readonly keys: { time: number; value: number[] }[] = [];
  constructor(
    private readonly layer: FakeAVLayer,
    readonly matchName: string,
  ) {}
  get numKeys(): number {
    return this.keys.length;
  }
  setValuesAtTimes(times: unknown, values: unknown): void {
    if (!Array.isArray(times) || !Array.isArray(values))
      throw new AeError(`${this.matchName}.setValuesAtTimes() expects two Arrays`);
    // Copied into this realm: the script's Arrays lack ES5 methods (see REMOVE_ES5).
    const ts: unknown[] = Array.from(times as ArrayLike<unknown>);
    const vs: unknown[] = Array.from(values as ArrayLike<unknown>);
    if (ts.length !== vs.length)
      throw new AeError(`${this.matchName}.setValuesAtTimes(): ${ts.length} times but ${vs.length} values`);
    const keys = ts.map((t, i) => {
      const v = vs[i];
      if (typeof t !== 'number' || !Number.isFinite(t)) throw new AeError(`bad key time ${String(t)}`);
      const n = Array.isArray(v) ? Array.from(v as ArrayLike<unknown>) : [];
      if ((n.length !== 2 && n.length !== 3) || !n.every((x) => typeof x === 'number' && Number.isFinite(x)))
        throw new AeError(`${this.matchName}: a value must be an Array of 2 or 3 numbers, got ${String(v)}`);
      return { time: t, value: n as number[] };
    });
    this.layer.keyEdit(`${this.matchName}.setValuesAtTimes(${keys.length})`);
    for (const key of keys) {
      const at = this.keys.findIndex((k) => Math.abs(k.time - key.time) < EPS);
      if (at >= 0) this.keys[at] = key;
      else this.keys.push(key);
    }
    this.keys.sort((a, b) => a.time - b.time);
  }
}

export class FakeAVLayer {
  readonly id = nextId++;
  private transform: { position: FakeKeyProperty; scale: FakeKeyProperty } | null = null;
  private parentLayer: FakeAVLayer | null = null;
  /** `layer.marker` (the Layer shortcut for property("Marker")). */
  readonly marker: FakeMarkerStream = new FakeMarkerStream(this);
  private times: { inPoint: number; outPoint: number; startTime: number };
  private isLocked = false;
  stretch = 100;
  timeRemapEnabled = false;
  constructor(
    private readonly app: FakeApp,
    private readonly comp: FakeCompItem,
    private layerName: string,
    readonly source: FakeFootageItem | FakeCompItem | null,
    times: { inPoint: number; outPoint: number; startTime: number },
  ) {
    this.times = { ...times };
  }
  get index(): number {
    const at = this.comp.stack.indexOf(this);
    if (at < 0) throw new AeError(`layer "${this.name}" was deleted`);
    return at + 1;
  }
  get locked(): boolean {
    return this.isLocked;
  }
  set locked(v: boolean) {
    this.app.edit(`${this.name}.locked = ${v}`);
    this.isLocked = v;
  }
  /** Test helper: the user clicks the lock switch in the timeline (not a script edit). */
  userLock(v = true): void {
    this.isLocked = v;
  }
  markerEdit(time: number): void {
    this.mutable(`marker@${time}`);
  }
  keyEdit(what: string): void {
    this.mutable(what);
  }
  get name(): string {
    return this.layerName;
  }
  set name(v: string) {
    if (typeof v !== 'string') throw new AeError('layer.name must be a string');
    this.mutable(`name = ${v}`);
    this.layerName = v;
  }
  get parent(): FakeAVLayer | null {
    return this.parentLayer;
  }
  set parent(p: FakeAVLayer | null) {
    if (p !== null && (!(p instanceof FakeAVLayer) || p.comp !== this.comp))
      throw new AeError('parent must be a layer of the same composition, or null');
    for (let up: FakeAVLayer | null = p; up; up = up.parentLayer)
      if (up === this) throw new AeError(`"${this.name}" cannot be parented to itself or a descendant`);
    this.mutable(`parent = ${p?.name ?? 'null'}`);
    this.parentLayer = p;
  }
  property(matchName: string): { property(name: string): FakeKeyProperty } {
    if (matchName !== 'ADBE Transform Group')
      throw new AeError(`property("${matchName}"): only the Transform group is faked`);
    this.transform ??= {
      position: new FakeKeyProperty(this, 'ADBE Position'),
      scale: new FakeKeyProperty(this, 'ADBE Scale'),
    };
    const t = this.transform;
    return {
      property(name: string): FakeKeyProperty {
        if (name === 'ADBE Position') return t.position;
        if (name === 'ADBE Scale') return t.scale;
        throw new AeError(`Transform.property("${name}"): only Position and Scale are faked`);
      },
    };
  }
  private mutable(what: string): void {
    if (this.isLocked) throw new AeError(`cannot ${what}: layer "${this.name}" is locked`);
    this.app.edit(`${this.name}.${what}`);
  }
  private span(): [number, number] {
    const d = this.source instanceof FakeFootageItem ? this.source.duration : Infinity;
    return [this.times.startTime, this.times.startTime + (d * this.stretch) / 100];
  }
  private set(key: 'inPoint' | 'outPoint' | 'startTime', v: number): void {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new AeError(`${key} must be a number`);
    this.mutable(`${key} = ${v}`);
    const moved = key === 'startTime' ? v - this.times.startTime : 0;
    const next = { ...this.times, [key]: v };
    if (moved) {
      next.inPoint += moved;
      next.outPoint += moved;
    }
    const d = this.source instanceof FakeFootageItem ? this.source.duration : Infinity;
    const [a, b] = [next.startTime, next.startTime + (d * this.stretch) / 100];
    if (next.inPoint < a - EPS || next.outPoint > b + EPS || next.outPoint <= next.inPoint) {
      throw new AeError(
        `${this.name}: in/out ${next.inPoint}-${next.outPoint} outside its footage (${a}-${b})`,
      );
    }
    this.times = next;
  }
  get inPoint(): number {
    return this.times.inPoint;
  }
  set inPoint(v: number) {
    this.set('inPoint', v);
  }
  get outPoint(): number {
    return this.times.outPoint;
  }
  set outPoint(v: number) {
    this.set('outPoint', v);
  }
  get startTime(): number {
    return this.times.startTime;
  }
  set startTime(v: number) {
    this.set('startTime', v);
  }
  moveBefore(layer: FakeAVLayer): void {
    if (!(layer instanceof FakeAVLayer) || layer.comp !== this.comp) {
      throw new AeError('moveBefore() expects a layer of the same composition');
    }
    this.mutable(`moveBefore(${layer.name})`);
    const stack = this.comp.stack;
    stack.splice(stack.indexOf(this), 1);
    stack.splice(stack.indexOf(layer), 0, this);
  }
  remove(): void {
    this.mutable('remove()');
    this.comp.stack.splice(this.comp.stack.indexOf(this), 1);
  }
  /** The span check, for tests. */
  footageSpan(): [number, number] {
    return this.span();
  }
}

export class FakeCompItem extends FakeItem {
  readonly typeName = 'Composition';
  /** Top layer first (index 1). */
  readonly stack: FakeAVLayer[] = [];
  selected: FakeAVLayer[] = [];
  /** The current time indicator (seconds). */
  time = 0;
  readonly layers: {
    readonly length: number;
    add(item: unknown, duration?: number): FakeAVLayer;
    addNull(duration?: number): FakeAVLayer;
  };
  constructor(
    app: FakeApp,
    name: string,
    readonly frameRate: number,
    private readonly newArray: () => unknown[],
  ) {
    super(app, name, null);
    const stack = this.stack;
    this.layers = {
      get length() {
        return stack.length;
      },
      add: (item: unknown) => {
        if (!(item instanceof FakeFootageItem) && !(item instanceof FakeCompItem)) {
          throw new AeError('layers.add() expects an AVItem');
        }
        if (item instanceof FakeFootageItem && !this.app.project.has(item)) {
          throw new AeError(`layers.add(): "${item.name}" is not in the project`);
        }
        app.edit(`layers.add(${item.name})`);
        const duration = item instanceof FakeFootageItem ? item.duration : 10;
        // "The new layer honors the Create Layers at Composition Start Time preference" (scripting guide).
        const start = app.createLayersAtCompStart ? 0 : this.time;
        const layer = new FakeAVLayer(app, this, item.name, item, {
          inPoint: start,
          outPoint: start + duration,
          startTime: start,
        });
        stack.unshift(layer);
        return layer;
      },
      addNull: (duration?: number) => {
        if (duration !== undefined && !(typeof duration === 'number' && duration > 0))
          throw new AeError(`addNull(): duration must be a positive number, got ${String(duration)}`);
        app.edit('layers.addNull');
        const start = app.createLayersAtCompStart ? 0 : this.time;
        const layer = new FakeAVLayer(app, this, `Null ${stack.length + 1}`, null, {
          inPoint: start,
          outPoint: start + (duration ?? 10),
          startTime: start,
        });
        stack.unshift(layer);
        return layer;
      },
    };
  }
  get numLayers(): number {
    return this.stack.length;
  }
  layer(index: number): FakeAVLayer {
    const l = this.stack[index - 1];
    if (!Number.isInteger(index) || !l) {
      throw new AeError(`layer(${index}): index out of range (1..${this.stack.length}, 1-based)`);
    }
    return l;
  }
  /** A plain Array of the ExtendScript engine's realm, 0-based. */
  get selectedLayers(): unknown[] {
    const a = this.newArray();
    for (const l of this.selected) a.push(l);
    return a;
  }
  /** Test helper: a footage layer at the bottom of the stack. */
  addFootageLayer(
    footage: FakeFootageItem,
    times: { inPoint: number; outPoint: number; startTime: number },
  ): FakeAVLayer {
    const layer = new FakeAVLayer(this.app, this, footage.name, footage, times);
    this.stack.push(layer);
    return layer;
  }
}

export class FakeImportOptions {
  file: FakeFile | undefined;
  constructor(file?: FakeFile) {
    if (file !== undefined && !(file instanceof FakeFile)) {
      throw new AeError('ImportOptions() expects a File object');
    }
    this.file = file;
  }
  canImportAs(type: number): boolean {
    return type === IMPORT_AS.FOOTAGE && this.file instanceof FakeFile && this.file.exists;
  }
}

const IMPORT_AS = { COMP: 3814, COMP_CROPPED_LAYERS: 3812, FOOTAGE: 3813, PROJECT: 3815 } as const;

export class FakeProject {
  activeItem: FakeItem | null = null;
  /** The saved .aep (a File); null for a project never saved. */
  file: FakeFile | null = null;
  readonly all: FakeItem[] = [];
  readonly rootFolder: FakeFolderItem;
  readonly items: { addFolder(name: string): FakeFolderItem };
  constructor(
    private readonly app: FakeApp,
    private readonly lookup: (path: string) => MediaFacts | null,
  ) {
    this.rootFolder = new FakeFolderItem(app, 'Root', null);
    this.items = {
      addFolder: (name: string) => {
        if (typeof name !== 'string') throw new AeError('addFolder() expects a name');
        app.edit(`addFolder(${name})`);
        const f = new FakeFolderItem(app, name, null);
        this.all.push(f);
        return f;
      },
    };
  }
  get numItems(): number {
    return this.all.length;
  }
  item(index: number): FakeItem {
    const it = this.all[index - 1];
    if (!Number.isInteger(index) || !it) {
      throw new AeError(`item(${index}): index out of range (1..${this.all.length}, 1-based)`);
    }
    return it;
  }
  itemByID(id: number): FakeItem | null {
    return this.all.find((i) => i.id === id) ?? null;
  }
  has(item: FakeItem): boolean {
    return this.all.includes(item);
  }
  removeItem(item: FakeItem): void {
    const at = this.all.indexOf(item);
    if (at < 0) throw new AeError(`"${item.name}" is not in the project`);
    for (const c of this.all) {
      if (c instanceof FakeCompItem && c.stack.some((l) => l.source === item)) {
        throw new AeError(`"${item.name}" is still used in "${c.name}"`);
      }
    }
    this.all.splice(at, 1);
  }
  importFile(options: unknown): FakeItem {
    if (!(options instanceof FakeImportOptions)) {
      throw new AeError('importFile() expects an ImportOptions object');
    }
    const file = options.file;
    if (!(file instanceof FakeFile)) throw new AeError('ImportOptions.file is not set');
    if (!file.exists) throw new AeError(`File not found: ${file.fsName}`);
    const facts = this.lookup(file.fsName);
    if (!facts) throw new AeError(`cannot import ${file.fsName}: unknown or damaged file`);
    this.app.edit(`importFile(${file.fsName})`);
    const f = new FakeFootageItem(
      this.app,
      file.name,
      new FakeFileSource(file),
      facts.frameRate,
      facts.duration,
    );
    this.all.push(f);
    return f;
  }
  /** Test helper: footage already in the project (null path = a solid). */
  addFootage(path: string | null, facts: MediaFacts, missing = false): FakeFootageItem {
    const name = path ? path.slice(path.lastIndexOf('/') + 1) : 'Solid';
    const source = path ? new FakeFileSource(new FakeFile(path)) : new FakeSolidSource();
    const f = new FakeFootageItem(this.app, name, source, facts.frameRate, facts.duration, missing);
    this.all.push(f);
    return f;
  }
}

/** ES5+ built-ins ExtendScript (ES3) lacks, removed from the engine's realm before the .jsx loads. */
const REMOVE_ES5 = `
  delete this.JSON;
  delete Object.keys; delete Object.create; delete Object.defineProperty; delete Object.freeze;
  delete Array.isArray; delete Date.now; delete Function.prototype.bind; delete String.prototype.trim;
  (function (p) {
    var names = ['indexOf', 'lastIndexOf', 'forEach', 'map', 'filter', 'reduce', 'reduceRight', 'some', 'every'];
    for (var i = 0; i < names.length; i++) delete p[names[i]];
  })(Array.prototype);
`;

export const EVAL_SCRIPT_ERROR = 'EvalScript error.';

export interface FakeAfterEffects {
  app: FakeApp;
  project: FakeProject;
  comp: FakeCompItem;
  /** CEP's side of evalScript: runs a script in the engine, returns its result as CEP passes it on. */
  evalScript(script: string): string;
  /** Items and layers as plain data, to compare before/after. */
  snapshot(): unknown;
  /** Why each script that answered "EvalScript error." threw. */
  scriptErrors: string[];
}

export function createFakeAfterEffects(
  options: { lookup?: (path: string) => MediaFacts | null; loadJsx?: boolean } = {},
): FakeAfterEffects {
  const app = new FakeApp(options.lookup ?? probeSync);
  const context = vm.createContext({});
  vm.runInContext(REMOVE_ES5, context);
  const newArray = vm.runInContext('(function () { return []; })', context) as () => unknown[];
  const comp = new FakeCompItem(app, 'Comp 1', 25, newArray);
  app.project.all.push(comp);
  app.project.activeItem = comp;
  const globals: Record<string, unknown> = {
    app,
    File: FakeFile,
    ImportOptions: FakeImportOptions,
    ImportAsType: IMPORT_AS,
    Item: FakeItem,
    CompItem: FakeCompItem,
    FootageItem: FakeFootageItem,
    FolderItem: FakeFolderItem,
    AVLayer: FakeAVLayer,
    MarkerValue: FakeMarkerValue,
    FileSource: FakeFileSource,
    SolidSource: FakeSolidSource,
  };
  for (const [k, v] of Object.entries(globals)) context[k] = v;
  if (options.loadJsx !== false) {
    const source = readFileSync(JSX_PATH, 'utf8');
    // ExtendScript parses ES3: a trailing comma, `let` or an arrow function fails here as it would in AE.
    parseJs(source, { ecmaVersion: 3 });
    vm.runInContext(source, context, { filename: JSX_PATH });
  }
  const scriptErrors: string[] = [];
  const evalScript = (script: string): string => {
    let result: string;
    try {
      // No timeout: AE has none, and the synchronous probe of an import can take seconds on a busy machine.
      result = String(vm.runInContext(script, context));
    } catch (err) {
      // CEP passes on only "EvalScript error."; the cause is kept for the test's diagnostics.
      scriptErrors.push(String(err));
      result = EVAL_SCRIPT_ERROR;
    }
    if (app.openGroup !== null) {
      app.violations.push(`undo group "${app.openGroup}" left open by a script`);
      app.openGroup = null;
    }
    return result;
  };
  const snapshot = () => ({
    items: app.project.all.map((i) => ({
      id: i.id,
      type: i.constructor.name,
      name: i.name,
      in: i.parentFolder.name,
    })),
    layers: comp.stack.map((l) => ({
      id: l.id,
      name: l.name,
      source: l.source?.id ?? null,
      inPoint: l.inPoint,
      outPoint: l.outPoint,
      startTime: l.startTime,
      locked: l.locked,
    })),
  });
  return { app, project: app.project, comp, evalScript, snapshot, scriptErrors };
}
