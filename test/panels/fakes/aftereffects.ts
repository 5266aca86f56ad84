/**
 * An in-memory `aftereffects` module (the UXP AE DOM subset in plugin-aftereffects/src/ae-types.ts; there
 * are no official AE types to check it against, so it implements those hand-written interfaces). Rules it
 * keeps: the DOM is synchronous; layer indexes are 1-based and `layers.add` puts the new layer on top;
 * `importFile` throws for a file it cannot import; a footage layer's in/out cannot leave its footage's
 * time span (AE clamps; the fake throws so a wrong order of assignments shows up); `layers.add` honours the
 * "Create Layers at Composition Start Time" preference (`createLayersAtCompStart`: at 0, else at the
 * current time `comp.time`), so an adapter must set the start it wants; and every edit made
 * outside an open undo group is recorded, so tests can assert one undo group per apply and no stray edits.
 * Keyframes (Transform > Position/Scale): `setValuesAtTimes` needs equal-length arrays, finite times and
 * values of 2 or 3 finite numbers (AE: "value must be an array of 2 or 3 numbers"); a key at an existing time
 * replaces it. `parent` must be a layer of the same comp, not the layer itself, and must not make a cycle.
 * No Node imports.
 */
import type {
  AeApp,
  AeCompItem,
  AeFileSource,
  AeFolderItem,
  AeFootageItem,
  AeImportOptions,
  AeItem,
  AeLayer,
  AeLayerCollection,
  AeMarkerProperty,
  AeMarkerValue,
  AeModule,
  AeProject,
  AeProperty,
  AeTransformGroup,
} from '../../../plugin-aftereffects/src/ae-types.ts';
import type { FakeMediaInfo, MediaLookup } from './premierepro.ts';

const EPS = 1e-6;

class FakeAeApp implements AeApp {
  /** AE's preference "Create Layers at Composition Start Time" (on by default). */
  createLayersAtCompStart = true;
  readonly undoGroups: string[] = [];
  readonly editsOutsideUndoGroup: string[] = [];
  openGroup: string | null = null;
  readonly project: FakeAeProject;
  constructor(lookupSync: (path: string) => FakeMediaInfo | null) {
    this.project = new FakeAeProject(this, lookupSync);
  }
  beginUndoGroup(undoString: string): void {
    if (this.openGroup !== null)
      throw new Error(`beginUndoGroup("${undoString}") while "${this.openGroup}" is open`);
    this.openGroup = undoString;
  }
  endUndoGroup(): void {
    if (this.openGroup === null) throw new Error('endUndoGroup without beginUndoGroup');
    this.undoGroups.push(this.openGroup);
    this.openGroup = null;
  }
  edit(what: string): void {
    if (this.openGroup === null) this.editsOutsideUndoGroup.push(what);
  }
}

class FakeFolder implements AeFolderItem {
  readonly typeName = 'Folder' as const;
  constructor(public name: string) {}
}

export class FakeFootage implements AeFootageItem {
  readonly typeName = 'Footage' as const;
  readonly mainSource: AeFileSource;
  parentFolder: AeFolderItem;
  constructor(
    readonly name: string,
    path: string | null,
    readonly frameRate: number,
    readonly duration: number,
    root: AeFolderItem,
    readonly footageMissing = false,
  ) {
    this.mainSource = { file: path };
    this.parentFolder = root;
  }
}

/** AE's MarkerValue: a comment and a duration in seconds (>= 0). */
export class FakeMarkerValue implements AeMarkerValue {
  private length = 0;
  constructor(public comment: string) {}
  get duration(): number {
    return this.length;
  }
  set duration(v: number) {
    if (!(v >= 0)) throw new RangeError(`MarkerValue.duration must be >= 0, got ${v}`);
    this.length = v;
  }
}

/** A layer's marker stream: keys at comp times (sorted, 1-based), each an edit recorded against undo groups. */
export class FakeMarkerProperty implements AeMarkerProperty {
  readonly keys: { time: number; value: FakeMarkerValue }[] = [];
  constructor(
    private readonly app: FakeAeApp,
    private readonly layerName: string,
  ) {}
  get numKeys(): number {
    return this.keys.length;
  }
  setValueAtTime(time: number, value: AeMarkerValue): void {
    if (!(value instanceof FakeMarkerValue))
      throw new TypeError('setValueAtTime: the value must be a MarkerValue');
    if (!Number.isFinite(time)) throw new RangeError(`setValueAtTime: bad time ${time}`);
    this.app.edit(`${this.layerName}.marker@${time}`);
    this.keys.push({ time, value });
    this.keys.sort((a, b) => a.time - b.time);
  }
  keyTime(index: number): number {
    const k = this.keys[index - 1];
    if (!k) throw new RangeError(`no marker key ${index} (1-based; ${this.keys.length} keys)`);
    return k.time;
  }
  keyValue(index: number): FakeMarkerValue {
    const k = this.keys[index - 1];
    if (!k) throw new RangeError(`no marker key ${index} (1-based; ${this.keys.length} keys)`);
    return k.value;
  }
}

/** A spatial keyframable property (Position or Scale) with AE's value rules. */
export class FakeSpatialProperty implements AeProperty {
  readonly keys: { time: number; value: number[] }[] = [];
  constructor(
    private readonly app: FakeAeApp,
    private readonly label: string,
  ) {}
  get numKeys(): number {
    return this.keys.length;
  }
  setValuesAtTimes(times: readonly number[], values: readonly (readonly number[])[]): void {
    if (!Array.isArray(times) || !Array.isArray(values) || times.length !== values.length)
      throw new Error(`${this.label}.setValuesAtTimes: times and values must be arrays of the same length`);
    this.app.edit(`${this.label}.setValuesAtTimes(${times.length})`);
    times.forEach((time, i) => {
      const value = values[i]!;
      if (!Number.isFinite(time)) throw new RangeError(`${this.label}: bad key time ${time}`);
      if (!Array.isArray(value) || value.length < 2 || value.length > 3 || !value.every(Number.isFinite))
        throw new Error(
          `${this.label}: value must be an array of 2 or 3 numbers, got ${JSON.stringify(value)}`,
        );
      const at = this.keys.findIndex((k) => Math.abs(k.time - time) < EPS);
      if (at >= 0) this.keys.splice(at, 1);
      this.keys.push({ time, value: [...value] });
    });
    this.keys.sort((a, b) => a.time - b.time);
  }
  keyTime(index: number): number {
    const k = this.keys[index - 1];
    if (!k) throw new RangeError(`no key ${index} on ${this.label} (1-based; ${this.keys.length} keys)`);
    return k.time;
  }
  keyValue(index: number): number[] {
    const k = this.keys[index - 1];
    if (!k) throw new RangeError(`no key ${index} on ${this.label} (1-based; ${this.keys.length} keys)`);
    return k.value;
  }
}

export class FakeLayer implements AeLayer {
  private times: { inPoint: number; outPoint: number; startTime: number };
  private markers: FakeMarkerProperty | undefined;
  private transformGroup:
    (AeTransformGroup & { position: FakeSpatialProperty; scale: FakeSpatialProperty }) | undefined;
  private parentLayer: FakeLayer | null = null;
  private layerName: string;
  stretch = 100;
  timeRemapEnabled = false;
  constructor(
    private readonly app: FakeAeApp,
    private readonly comp: FakeComp,
    name: string,
    readonly source: AeFootageItem | AeCompItem | null,
    times: { inPoint: number; outPoint: number; startTime: number },
  ) {
    this.times = { ...times };
    this.layerName = name;
  }
  get name(): string {
    return this.layerName;
  }
  set name(v: string) {
    this.app.edit(`${this.layerName}.name`);
    this.layerName = v;
  }
  get parent(): FakeLayer | null {
    return this.parentLayer;
  }
  set parent(layer: AeLayer | null) {
    this.app.edit(`${this.layerName}.parent`);
    if (layer === null) {
      this.parentLayer = null;
      return;
    }
    const p = layer as FakeLayer;
    if (!this.comp.stack.includes(p))
      throw new Error(`${this.layerName}.parent: the layer is not in this comp`);
    for (let up: FakeLayer | null = p; up; up = up.parentLayer)
      if (up === this) throw new Error(`${this.layerName}.parent: a layer cannot be its own ancestor`);
    this.parentLayer = p;
  }
  get index(): number {
    return this.comp.stack.indexOf(this) + 1;
  }
  private span(): [number, number] {
    const d = this.source && this.source.typeName === 'Footage' ? this.source.duration : Infinity;
    return [this.times.startTime, this.times.startTime + (d * this.stretch) / 100];
  }
  private set(key: 'inPoint' | 'outPoint' | 'startTime', v: number): void {
    this.app.edit(`${this.name}.${key}`);
    const moved = key === 'startTime' ? v - this.times.startTime : 0;
    this.times = { ...this.times, [key]: v };
    if (moved) {
      this.times.inPoint += moved;
      this.times.outPoint += moved;
    }
    const [a, b] = this.span();
    if (
      this.times.inPoint < a - EPS ||
      this.times.outPoint > b + EPS ||
      this.times.outPoint <= this.times.inPoint
    ) {
      throw new Error(
        `${this.name}: in/out ${this.times.inPoint}-${this.times.outPoint} outside its footage (${a}-${b})`,
      );
    }
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
  property(name: 'Marker'): FakeMarkerProperty;
  property(name: 'ADBE Transform Group'): AeTransformGroup & {
    position: FakeSpatialProperty;
    scale: FakeSpatialProperty;
  };
  property(name: 'Marker' | 'ADBE Transform Group') {
    if (name === 'ADBE Transform Group') {
      if (!this.transformGroup) {
        const position = new FakeSpatialProperty(this.app, `${this.layerName}.position`);
        const scale = new FakeSpatialProperty(this.app, `${this.layerName}.scale`);
        this.transformGroup = {
          position,
          scale,
          property: (n: string) => {
            if (n === 'ADBE Position') return position;
            if (n === 'ADBE Scale') return scale;
            throw new Error(`Transform.property("${n}"): only Position and Scale are faked`);
          },
        };
      }
      return this.transformGroup;
    }
    if (name !== 'Marker') throw new Error(`property("${name as string}"): not faked`);
    return (this.markers ??= new FakeMarkerProperty(this.app, this.layerName));
  }
  moveBefore(layer: AeLayer): void {
    this.app.edit(`${this.layerName}.moveBefore`);
    const stack = this.comp.stack;
    stack.splice(stack.indexOf(this), 1);
    stack.splice(stack.indexOf(layer as unknown as FakeLayer), 0, this);
  }
}

export class FakeComp implements AeCompItem {
  readonly typeName = 'Composition' as const;
  /** Top layer first (index 1). */
  readonly stack: FakeLayer[] = [];
  selected: FakeLayer[] = [];
  /** The current time indicator (seconds). */
  time = 0;
  readonly layers: AeLayerCollection;
  constructor(
    private readonly app: FakeAeApp,
    readonly name: string,
    readonly frameRate: number,
  ) {
    const stack = this.stack;
    this.layers = {
      get length() {
        return stack.length;
      },
      add: (item: AeFootageItem) => {
        app.edit(`layers.add(${item.name})`);
        const start = app.createLayersAtCompStart ? 0 : this.time;
        const layer = new FakeLayer(app, this, item.name, item, {
          inPoint: start,
          outPoint: start + item.duration,
          startTime: start,
        });
        stack.unshift(layer);
        return layer;
      },
      addNull: (duration?: number) => {
        app.edit('layers.addNull');
        const nulls = stack.filter((l) => l.source === null && l.name.startsWith('Null ')).length;
        const layer = new FakeLayer(app, this, `Null ${nulls + 1}`, null, {
          inPoint: 0,
          outPoint: duration ?? 10,
          startTime: 0,
        });
        stack.unshift(layer);
        return layer;
      },
    };
  }
  get selectedLayers(): AeLayer[] {
    return [...this.selected];
  }
  /** Test helper: a footage layer at the bottom of the stack. */
  addFootageLayer(
    footage: FakeFootage,
    times: { inPoint: number; outPoint: number; startTime: number },
  ): FakeLayer {
    const layer = new FakeLayer(this.app, this, footage.name, footage, times);
    this.stack.push(layer);
    return layer;
  }
}

class FakeAeProject implements AeProject {
  activeItem: AeItem | null = null;
  /** The saved .aep; null for a project never saved. */
  file: string | null = null;
  readonly all: AeItem[] = [];
  readonly root = new FakeFolder('Root');
  readonly items: { addFolder(name: string): AeFolderItem };
  constructor(
    private readonly app: FakeAeApp,
    private readonly lookupSync: (path: string) => FakeMediaInfo | null,
  ) {
    this.items = {
      addFolder: (name: string) => {
        app.edit(`addFolder(${name})`);
        const f = new FakeFolder(name);
        this.all.push(f);
        return f;
      },
    };
  }
  get numItems(): number {
    return this.all.length;
  }
  item(index: number): AeItem {
    const it = this.all[index - 1];
    if (!it) throw new RangeError(`item(${index}): 1-based, ${this.all.length} items`);
    return it;
  }
  importFile(options: AeImportOptions): AeFootageItem {
    this.app.edit(`importFile(${options.file})`);
    const info = this.lookupSync(options.file);
    if (!info) throw new Error(`File not found or not importable: ${options.file}`);
    const name = options.file.slice(
      Math.max(options.file.lastIndexOf('/'), options.file.lastIndexOf('\\')) + 1,
    );
    const f = new FakeFootage(name, options.file, info.frameRate, info.durationSeconds, this.root);
    this.all.push(f);
    return f;
  }
  /** Test helper: footage already in the project. */
  addFootage(path: string | null, info: FakeMediaInfo, missing = false): FakeFootage {
    const name = path ? path.slice(path.lastIndexOf('/') + 1) : 'Solid';
    const f = new FakeFootage(name, path, info.frameRate, info.durationSeconds, this.root, missing);
    this.all.push(f);
    return f;
  }
}

/**
 * AE imports synchronously, so the fake needs media info synchronously: tests probe the files they will
 * import beforehand (`known`), and anything else counts as not importable.
 */
export function createFakeAfterEffects(known: Record<string, FakeMediaInfo>) {
  const app = new FakeAeApp((p) => known[p] ?? null);
  const comp = new FakeComp(app, 'Comp 1', 25);
  app.project.all.push(comp);
  app.project.activeItem = comp;
  class ImportOptions implements AeImportOptions {
    constructor(public file: string) {}
  }
  const module: AeModule = { app, ImportOptions, MarkerValue: FakeMarkerValue };
  return { module, app, project: app.project, comp, known };
}
export type { MediaLookup };
