// mlxvideo for After Effects 2024-2026 (CEP): the ExtendScript half of the panel.
//
// Loaded into After Effects' ExtendScript engine by CSXS/manifest.xml (<ScriptPath>). The panel
// (core/src/panel/cep-host-adapter.ts) calls mlxvideoHost.call(name, argument) through
// CSInterface.evalScript, with the argument written as a JSON literal, and reads back one JSON string:
// {"ok":true,"value":...} or {"ok":false,"error":"..."}.
//
// ExtendScript is ECMAScript 3: no let/const/arrow functions, no Array.prototype.indexOf/map/forEach, no
// Object.keys, no String.prototype.trim, and no JSON object to rely on. So this file writes its own JSON
// (toJson below) and never parses any (the argument arrives as an object literal the engine evaluates).
// The test runs it in a Node vm with those ES5 built-ins removed and parses it as ES3.
//
// Every edit of one apply happens inside one app.beginUndoGroup/endUndoGroup, and only after every check
// that can fail without an edit has passed; an edit that still fails is undone by removing what this call
// created, so a failed apply leaves the comp as it was.

// @ts-check
var mlxvideoHost = (function () {
  /** @param {string} s */
  function quote(s) {
    var out = '"';
    for (var i = 0; i < s.length; i++) {
      var c = s.charAt(i);
      var code = s.charCodeAt(i);
      if (c === '"' || c === '\\') out += '\\' + c;
      else if (c === '\n') out += '\\n';
      else if (c === '\r') out += '\\r';
      else if (c === '\t') out += '\\t';
      else if (code < 32 || code === 0x2028 || code === 0x2029) {
        var hex = code.toString(16);
        while (hex.length < 4) hex = '0' + hex;
        out += '\\u' + hex;
      } else out += c;
    }
    return out + '"';
  }

  /** JSON text for null, booleans, finite numbers, strings, arrays and plain objects. @param {any} v @returns {string} */
  function toJson(v) {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return isFinite(v) ? String(v) : 'null';
    if (typeof v === 'string') return quote(v);
    var parts = [];
    if (v instanceof Array) {
      for (var i = 0; i < v.length; i++) parts.push(toJson(v[i]));
      return '[' + parts.join(',') + ']';
    }
    for (var key in v) {
      if (Object.prototype.hasOwnProperty.call(v, key) && v[key] !== undefined) {
        parts.push(quote(key) + ':' + toJson(v[key]));
      }
    }
    return '{' + parts.join(',') + '}';
  }

  /** @param {any} e */
  function messageOf(e) {
    return e && e.message ? String(e.message) : String(e);
  }

  /** @returns {CompItem} */
  function activeComp() {
    var item = app.project.activeItem;
    if (!item || !(item instanceof CompItem)) {
      throw new Error('Open a composition and select layers in its timeline.');
    }
    return item;
  }

  /** The layer with this id in the comp, or null (deleted since the selection was read). @param {CompItem} comp @param {number} id */
  function layerById(comp, id) {
    for (var i = 1; i <= comp.numLayers; i++) {
      var layer = comp.layer(i);
      if (layer.id === id) return layer;
    }
    return null;
  }

  /** What the panel needs to know about one selected layer: facts only, the rules live in TypeScript. @param {Layer} layer */
  function describe(layer) {
    var facts = {
      layerId: layer.id,
      index: layer.index,
      name: layer.name,
      inPoint: layer.inPoint,
      outPoint: layer.outPoint,
      startTime: layer.startTime,
      stretch: layer.stretch,
      locked: layer.locked,
      timeRemapEnabled: false,
      source: 'none',
      footageMissing: false,
      file: '',
      frameRate: 0,
      duration: 0
    };
    if (!(layer instanceof AVLayer) || !layer.source) return facts;
    facts.timeRemapEnabled = layer.timeRemapEnabled;
    var source = layer.source;
    if (source instanceof CompItem) {
      facts.source = 'comp';
      return facts;
    }
    if (!(source instanceof FootageItem)) return facts;
    facts.source = 'footage';
    facts.footageMissing = source.footageMissing;
    facts.frameRate = source.frameRate;
    facts.duration = source.duration;
    var main = source.mainSource;
    // Solids and placeholders have no file; a missing file still has its path.
    if (main instanceof FileSource && main.file) facts.file = main.file.fsName;
    return facts;
  }

  /** @param {any} _arg */
  function selection(_arg) {
    var comp = activeComp();
    var selected = comp.selectedLayers; // a plain Array, 0-based (layer collections are 1-based)
    var layers = [];
    for (var i = 0; i < selected.length; i++) layers.push(describe(selected[i]));
    return { compId: comp.id, compName: comp.name, frameRate: comp.frameRate, layers: layers };
  }

  /** The project folder renders go into, or null when there is none yet. @param {string} name @returns {FolderItem | null} */
  function findFolder(name) {
    for (var i = 1; i <= app.project.numItems; i++) {
      var item = app.project.item(i);
      if (item instanceof FolderItem && item.name === name) return item;
    }
    return null;
  }

  /**
   * Checks one request without editing anything. Returns the message that stops it, or null.
   * @param {CompItem} comp @param {any} request @param {Layer | null} original
   */
  function refusal(comp, request, original) {
    if (!original) return 'The layer is no longer in "' + comp.name + '": select it and apply again.';
    if (original.locked) {
      return '"' + original.name + '" is locked: unlock it in the timeline, then apply again.';
    }
    var file = new File(request.resultPath);
    if (!file.exists) return 'The render ' + request.resultPath + ' is not on disk any more.';
    var options = new ImportOptions(file);
    if (!options.canImportAs(ImportAsType.FOOTAGE)) {
      return 'After Effects cannot import ' + request.resultPath + ' as footage.';
    }
    return null;
  }

  /**
   * Imports one render and puts it right above its original, frame-aligned. On any failure it removes
   * what it created and rethrows, so the comp is left as it was.
   * @param {CompItem} comp @param {Layer} original @param {any} request @param {FolderItem} folder
   */
  function placeOne(comp, original, request, folder) {
    /** @type {FootageItem | null} */
    var footage = null;
    /** @type {AVLayer | null} */
    var layer = null;
    try {
      var imported = app.project.importFile(new ImportOptions(new File(request.resultPath)));
      if (!(imported instanceof FootageItem)) {
        if (imported) imported.remove();
        throw new Error('it was not imported as footage');
      }
      footage = imported;
      footage.parentFolder = folder;
      layer = comp.layers.add(footage);
      // The render's first frame is resultInSeconds before the original's first visible frame; startTime
      // first (it moves in/out with it), then in and out, each inside the footage's span.
      layer.startTime = original.inPoint - request.resultInSeconds;
      layer.inPoint = original.inPoint;
      layer.outPoint = original.inPoint + request.durationSeconds;
      layer.moveBefore(original);
      return layer;
    } catch (e) {
      if (layer) layer.remove();
      if (footage) footage.remove();
      throw e;
    }
  }

  /** @param {any} arg */
  function place(arg) {
    var comp = app.project.itemByID(arg.compId);
    /** @type {any[]} */
    var outcomes = [];
    /** @type {{ at: number, original: Layer, request: any }[]} */
    var ready = [];
    var i;
    if (!comp || !(comp instanceof CompItem)) {
      for (i = 0; i < arg.items.length; i++) {
        outcomes.push({
          clipId: arg.items[i].clipId,
          ok: false,
          message: 'The composition the layers were in is gone.'
        });
      }
      return outcomes;
    }
    for (i = 0; i < arg.items.length; i++) {
      var request = arg.items[i];
      var original = layerById(comp, request.layerId);
      var why = refusal(comp, request, original);
      outcomes.push(why ? { clipId: request.clipId, ok: false, message: why } : null);
      if (original && !why) ready.push({ at: i, original: original, request: request });
    }
    if (ready.length === 0) return outcomes;

    app.beginUndoGroup(arg.undoLabel);
    try {
      var folder = findFolder(arg.folderName);
      var madeFolder = false;
      if (!folder) {
        folder = app.project.items.addFolder(arg.folderName);
        madeFolder = true;
      }
      var placed = 0;
      for (i = 0; i < ready.length; i++) {
        var r = ready[i];
        try {
          var layer = placeOne(comp, r.original, r.request, folder);
          placed++;
          outcomes[r.at] = {
            clipId: r.request.clipId,
            ok: true,
            index: layer.index,
            where: 'layer ' + layer.index + ', above "' + r.original.name + '"'
          };
        } catch (e) {
          outcomes[r.at] = {
            clipId: r.request.clipId,
            ok: false,
            message: 'After Effects could not place ' + r.request.resultPath + ': ' + messageOf(e)
          };
        }
      }
      if (placed === 0 && madeFolder) folder.remove();
    } finally {
      app.endUndoGroup();
    }
    return outcomes;
  }

  /** Folder of the saved project (generated clips go next to it), or "" when it was never saved. @param {any} _arg */
  function projectFolder(_arg) {
    var file = app.project.file;
    return file ? file.parent.fsName : '';
  }

  /**
   * A generated clip on a new top layer at the current time, in one undo group. layers.add honours the
   * "Create Layers at Composition Start Time" preference, so the start is set explicitly.
   * @param {any} arg
   */
  function placeGenerated(arg) {
    var comp = activeComp();
    var file = new File(arg.resultPath);
    if (!file.exists)
      return { ok: false, message: 'The render ' + arg.resultPath + ' is not on disk any more.' };
    var options = new ImportOptions(file);
    if (!options.canImportAs(ImportAsType.FOOTAGE)) {
      return { ok: false, message: 'After Effects cannot import ' + arg.resultPath + ' as footage.' };
    }
    var at = comp.time;
    app.beginUndoGroup(arg.undoLabel);
    try {
      var folder = findFolder(arg.folderName);
      var madeFolder = false;
      if (!folder) {
        folder = app.project.items.addFolder(arg.folderName);
        madeFolder = true;
      }
      /** @type {FootageItem | null} */
      var footage = null;
      /** @type {AVLayer | null} */
      var layer = null;
      try {
        var imported = app.project.importFile(options);
        if (!(imported instanceof FootageItem)) {
          if (imported) imported.remove();
          throw new Error('it was not imported as footage');
        }
        footage = imported;
        footage.parentFolder = folder;
        layer = comp.layers.add(footage);
        layer.startTime = at;
        layer.outPoint = at + arg.durationSeconds;
        return { ok: true, startSeconds: at, trackIndex: layer.index - 1, where: 'new layer ' + layer.index };
      } catch (e) {
        if (layer) layer.remove();
        if (footage) footage.remove();
        if (madeFolder) folder.remove();
        return {
          ok: false,
          message: 'After Effects could not place ' + arg.resultPath + ': ' + messageOf(e)
        };
      }
    } finally {
      app.endUndoGroup();
    }
  }

  /**
   * The shared shape of an edit on selected layers: the comp and every layer are found (and checked) before
   * the first change, then `edit(comp, layer, items)` runs for each layer inside one undo group. `key` names each
   * layer's list in arg.layers ('markers', 'tracks'); `again` finishes the messages ("analyse again").
   * Returns how many items were handed to `edit`.
   * @param {any} arg @param {string} key @param {string} again @param {boolean} refuseLocked
   * @param {(comp: CompItem, layer: Layer, items: any[]) => void} edit
   */
  function editLayers(arg, key, again, refuseLocked, edit) {
    var comp = app.project.itemByID(arg.compId);
    if (!comp || !(comp instanceof CompItem)) throw new Error('The composition the layers were in is gone.');
    /** @type {{ layer: Layer, items: any[] }[]} */
    var found = [];
    var i;
    var count = 0;
    for (i = 0; i < arg.layers.length; i++) {
      var layer = layerById(comp, arg.layers[i].layerId);
      if (!layer) throw new Error('A layer was deleted since it was selected: select it and ' + again + '.');
      if (refuseLocked && layer.locked)
        throw new Error('"' + layer.name + '" is locked: unlock it, then ' + again + '.');
      found.push({ layer: layer, items: arg.layers[i][key] });
      count += arg.layers[i][key].length;
    }
    if (count === 0) return 0;
    app.beginUndoGroup(arg.undoLabel);
    try {
      for (i = 0; i < found.length; i++) edit(comp, found[i].layer, found[i].items);
    } finally {
      app.endUndoGroup();
    }
    return count;
  }

  /**
   * Shot markers on layers (comp times and comments computed by the panel), in one undo group; every layer
   * is found and checked before the first edit. Returns how many markers were added.
   * @param {any} arg
   */
  function markers(arg) {
    return editLayers(arg, 'markers', 'analyse again', true, function (_comp, layer, list) {
      for (var k = 0; k < list.length; k++) {
        var value = new MarkerValue(list[k].comment);
        value.duration = list[k].duration;
        layer.marker.setValueAtTime(list[k].compTime, value);
      }
    });
  }

  /**
   * Face tracks as keyframes (times and values planned by the panel, core/src/panel/face-keyframe-plan.ts):
   * per track a new null named arg's `name`, parented to its footage layer, with Position and Scale keys;
   * all in one undo group, every layer found and checked before the first edit. Returns how many nulls.
   * @param {any} arg
   */
  function faceKeyframes(arg) {
    return editLayers(arg, 'tracks', 'track again', false, function (comp, layer, tracks) {
      for (var k = 0; k < tracks.length; k++) {
        var track = tracks[k];
        var carrier = comp.layers.addNull(layer.outPoint);
        carrier.name = track.name;
        carrier.parent = layer;
        var transform = /** @type {PropertyGroup} */ (carrier.property('ADBE Transform Group'));
        /** @type {Property} */ (transform.property('ADBE Position')).setValuesAtTimes(
          track.times,
          track.positions
        );
        /** @type {Property} */ (transform.property('ADBE Scale')).setValuesAtTimes(
          track.times,
          track.scales
        );
      }
    });
  }

  var calls = {
    selection: selection,
    place: place,
    projectFolder: projectFolder,
    placeGenerated: placeGenerated,
    markers: markers,
    faceKeyframes: faceKeyframes
  };

  return {
    /** The one entry point: a JSON string back, whatever happens. @param {string} name @param {any} arg */
    call: function (name, arg) {
      try {
        if (!Object.prototype.hasOwnProperty.call(calls, name)) throw new Error('unknown call ' + name);
        return toJson({
          ok: true,
          value:
            calls[
              /** @type {'selection' | 'place' | 'projectFolder' | 'placeGenerated' | 'markers' | 'faceKeyframes'} */ (
                name
              )
            ](arg)
        });
      } catch (e) {
        return toJson({ ok: false, error: messageOf(e) });
      }
    },
    /** Lets the panel check that this script (and its version) is loaded. */
    version: '0.1.0'
  };
})();
