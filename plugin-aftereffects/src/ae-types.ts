/**
 * The subset of the After Effects DOM (UXP `require("aftereffects")`, public beta, AE 27.0+) that the
 * adapter uses. There are no npm types for it (`@adobe/aftereffects` and `@adobe/after-effects-types` do not
 * exist; HOSTS.md §2.1), so these are written from Adobe's AE UXP API reference and the ExtendScript DOM it
 * mirrors. Synchronous throughout, unlike Premiere. Members marked [verify] are assumed from ExtendScript.
 */
export interface AeFileSource {
  /** In UXP the file is a path string (ExtendScript had File objects); null for solids and placeholders. */
  readonly file: string | null;
}

export interface AeFolderItem {
  readonly typeName: 'Folder';
  name: string;
}

export interface AeFootageItem {
  readonly typeName: 'Footage';
  readonly name: string;
  readonly mainSource: AeFileSource;
  readonly frameRate: number;
  readonly duration: number;
  /** True when the file is missing (offline). */
  readonly footageMissing: boolean;
  parentFolder: AeFolderItem;
}

export interface AeLayer {
  readonly name: string;
  /** 1-based position in the comp's layer stack (1 = top). */
  readonly index: number;
  inPoint: number;
  outPoint: number;
  startTime: number;
  /** Percent; 100 = normal speed, negative = reversed. */
  stretch: number;
  /** [verify] only AV layers have it. */
  readonly timeRemapEnabled: boolean;
  readonly source: AeFootageItem | AeCompItem | null;
  moveBefore(layer: AeLayer): void;
  /** `layer.property("Marker")` (ExtendScript's layer marker stream). Optional: used by shot markers only. */
  property?(name: 'Marker'): AeMarkerProperty;
  /** The Transform group by match name. Optional: used by face-track keyframes only. */
  property?(name: 'ADBE Transform Group'): AeTransformGroup;
  /**
   * [verify] The parent layer (ExtendScript `Layer.parent`, settable; same comp, no cycles). A child's
   * position is in its parent's layer space (source pixels, origin top-left). Optional: face keyframes only.
   */
  parent?: AeLayer | null;
}

/**
 * A keyframable property (ExtendScript `Property`): `setValuesAtTimes(times, values)` adds or replaces one
 * key per time (comp seconds); spatial values are arrays of 2 or 3 numbers.
 */
export interface AeProperty {
  readonly numKeys: number;
  setValuesAtTimes(times: readonly number[], values: readonly (readonly number[])[]): void;
  keyTime(index: number): number;
  keyValue(index: number): readonly number[];
}

/** The Transform group: its properties by match name. */
export interface AeTransformGroup {
  property(name: 'ADBE Position' | 'ADBE Scale'): AeProperty;
}

/**
 * A layer marker's value (ExtendScript `MarkerValue`, in the AE UXP reference as MarkerValue). [verify]
 * the UXP constructor signature beyond the comment argument.
 */
export interface AeMarkerValue {
  comment: string;
  /** Seconds. */
  duration: number;
}

/** A layer's "Marker" property: keys at comp times, each holding a MarkerValue. */
export interface AeMarkerProperty {
  readonly numKeys: number;
  setValueAtTime(time: number, value: AeMarkerValue): void;
  /** 1-based, as every AE key index. */
  keyTime(index: number): number;
  keyValue(index: number): AeMarkerValue;
}

export interface AeLayerCollection {
  readonly length: number;
  /** Adds the item as a new top layer (index 1) starting at comp time 0. */
  add(item: AeFootageItem, duration?: number): AeLayer;
  /** [verify] A new null layer on top (ExtendScript `addNull(duration)`). Optional: face keyframes only. */
  addNull?(duration?: number): AeLayer & { name: string };
}

export interface AeCompItem {
  readonly typeName: 'Composition';
  readonly name: string;
  readonly frameRate: number;
  /** The current time indicator, comp seconds (ExtendScript `CompItem.time`). */
  readonly time: number;
  readonly selectedLayers: AeLayer[];
  readonly layers: AeLayerCollection;
}

export type AeItem = AeCompItem | AeFootageItem | AeFolderItem;

export interface AeImportOptions {
  file: string;
}

export interface AeProject {
  readonly activeItem: AeItem | null;
  /** [verify] Path of the saved .aep (ExtendScript: a File, null when never saved); a path string in UXP. */
  readonly file: string | null;
  readonly numItems: number;
  /** 1-based. */
  item(index: number): AeItem;
  readonly items: { addFolder(name: string): AeFolderItem };
  /** Throws when the file cannot be imported. */
  importFile(options: AeImportOptions): AeFootageItem;
}

export interface AeApp {
  readonly project: AeProject;
  beginUndoGroup(undoString: string): void;
  endUndoGroup(): void;
}

/** What `require("aftereffects")` returns (the app plus the classes; "Roxy AE Agent" ae-host.ts). */
export interface AeModule {
  readonly app: AeApp;
  readonly ImportOptions: new (file: string) => AeImportOptions;
  /** Optional: used by shot markers only. */
  readonly MarkerValue?: new (comment: string) => AeMarkerValue;
}
